#include "app/time_zones.h"

#include "core/error.h"
#include "integrations/calendar.h"

namespace orderly::app {

domain::NoticeSettings notice_settings(std::string base_url, std::string timezone) {
    domain::NoticeSettings s;
    s.link_base = std::move(base_url);
    s.timezone = std::move(timezone);
    s.offsets = [](std::string_view zone, TimeMs at) { return calendar::utc_offset_s(zone, at); };
    return s;
}

bool known_timezone(const std::string& zone) {
    return calendar::known_timezone(zone);
}

void check_timezone(const std::optional<std::string>& zone, const char* field, const char* code) {
    if (!zone || zone->empty() || calendar::known_timezone(*zone)) return;
    fail(Error::UnprocessableField(
        field, "unknown time zone \"" + *zone + "\": give an IANA name such as Asia/Shanghai", code,
        {{"timezone", *zone}}));
}

}  // namespace orderly::app
