// Times in a notice as its reader reads them: local date and time in their zone, with the
// zone's name and UTC offset (domain/notification.h).
#include <cstdio>
#include <cstdlib>

#include "domain/notification.h"

namespace orderly::domain {

namespace {

struct Local {
    std::string date;  // "2026-12-07"
    std::string time;  // "02:00"
    int offset_s = 0;
};

Local local(TimeMs t, const ReaderZone& z) {
    const int offset = z.offset_at(t);
    const std::string text = format_rfc3339(t + static_cast<TimeMs>(offset) * 1000);
    return {text.substr(0, 10), text.substr(11, 5), offset};
}

// "UTC+08:00", "UTC-03:30", "UTC+00:00".
std::string utc_offset(int offset_s) {
    const int minutes = std::abs(offset_s) / 60;
    char buf[16];
    std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", offset_s < 0 ? '-' : '+', minutes / 60,
                  minutes % 60);
    return buf;
}

}  // namespace

int ReaderZone::offset_at(TimeMs t) const {
    if (!offsets) return 0;
    return offsets(name, t).value_or(0);
}

ReaderZone NoticeSettings::zone_for(const std::optional<std::string>& zone) const {
    ReaderZone z;
    z.name = zone && !zone->empty() ? *zone : timezone;
    z.offsets = offsets;
    return z;
}

std::string format_local(TimeMs t, const ReaderZone& z) {
    const Local l = local(t, z);
    return l.date + " " + l.time + " (" + z.name + ", " + utc_offset(l.offset_s) + ")";
}

std::string format_window(TimeMs start, TimeMs end, const ReaderZone& z) {
    const Local a = local(start, z);
    const Local b = local(end, z);
    if (a.offset_s != b.offset_s)
        return a.date + " " + a.time + " (" + utc_offset(a.offset_s) + ") – " + b.date + " " +
               b.time + " (" + utc_offset(b.offset_s) + ") (" + z.name + ")";
    const std::string zone = " (" + z.name + ", " + utc_offset(a.offset_s) + ")";
    if (a.date == b.date) return a.date + " " + a.time + "–" + b.time + zone;
    return a.date + " " + a.time + " – " + b.date + " " + b.time + zone;
}

}  // namespace orderly::domain
