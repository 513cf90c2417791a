#include "integrations/calendar.h"

#include <libical/ical.h>

#include <cstdlib>
#include <memory>

namespace orderly::calendar {

namespace {

constexpr size_t kMaxIterations = 500000;

struct PropertyFree {
    void operator()(icalproperty* p) const { icalproperty_free(p); }
};
using Property = std::unique_ptr<icalproperty, PropertyFree>;

// A rule read with libical. The RRULE property stays alive while its recurrence is used (the
// recurrence may point into it).
struct Parsed {
    RuleCheck check;
    Property dtstart_prop;
    Property rrule_prop;
    icaltimezone* zone = nullptr;
    icaltimetype dtstart{};
    icalrecurrencetype rrule{};
};

Parsed invalid(std::string why) {
    Parsed p;
    p.check = {RuleProblem::rule_invalid, std::move(why)};
    return p;
}

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) out.emplace_back(line);
        pos = nl + 1;
    }
    return out;
}

Parsed read_lines(const Recurrence& r, Parsed p) {
    for (const auto& line : lines_of(r.rule)) {
        Property prop(icalproperty_new_from_string(line.c_str()));
        const icalproperty_kind kind = prop ? icalproperty_isa(prop.get()) : ICAL_NO_PROPERTY;
        if (kind == ICAL_DTSTART_PROPERTY && !p.dtstart_prop)
            p.dtstart_prop = std::move(prop);
        else if (kind == ICAL_RRULE_PROPERTY && !p.rrule_prop)
            p.rrule_prop = std::move(prop);
        else
            return invalid("cannot read \"" + line +
                           "\": give one DTSTART line and one RRULE line (RFC 5545)");
    }
    if (!p.dtstart_prop) return invalid("the DTSTART line is missing");
    if (!p.rrule_prop) return invalid("the RRULE line is missing");
    return p;
}

Parsed parse(const Recurrence& r) {
    Parsed p;
    p.zone = icaltimezone_get_builtin_timezone(r.timezone.c_str());
    if (r.timezone.empty() || !p.zone) {
        p.check = {RuleProblem::timezone_unknown, "unknown time zone \"" + r.timezone + "\""};
        return p;
    }
    p = read_lines(r, std::move(p));
    if (p.check.problem != RuleProblem::none) return p;
    p.rrule = icalproperty_get_rrule(p.rrule_prop.get());
    if (p.rrule.freq == ICAL_NO_RECURRENCE) return invalid("the RRULE has no FREQ");
    if (p.rrule.freq == ICAL_SECONDLY_RECURRENCE || p.rrule.freq == ICAL_MINUTELY_RECURRENCE)
        return invalid("the RRULE may repeat at most hourly");
    icaltimetype t = icalproperty_get_dtstart(p.dtstart_prop.get());
    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
        return invalid("the DTSTART is not a date-time");
    if (icaltime_is_utc(t)) {
        t = icaltime_convert_to_zone(t, p.zone);
    } else {
        icalparameter* tzid =
            icalproperty_get_first_parameter(p.dtstart_prop.get(), ICAL_TZID_PARAMETER);
        if (tzid && r.timezone != icalparameter_get_tzid(tzid))
            return invalid("the DTSTART's TZID differs from timezone \"" + r.timezone + "\"");
        if (t.is_date) {
            t.is_date = 0;
            t.hour = t.minute = t.second = 0;
        }
        t = icaltime_set_timezone(&t, p.zone);
    }
    p.dtstart = t;
    return p;
}

TimeMs to_ms(icaltimetype t, icaltimezone* zone) {
    return static_cast<TimeMs>(icaltime_as_timet_with_zone(t, zone)) * 1000;
}

}  // namespace

bool known_timezone(std::string_view tzid) {
    return !tzid.empty() && icaltimezone_get_builtin_timezone(std::string(tzid).c_str());
}

std::optional<int> utc_offset_s(std::string_view tzid, TimeMs at) {
    if (tzid.empty()) return std::nullopt;
    icaltimezone* zone = icaltimezone_get_builtin_timezone(std::string(tzid).c_str());
    if (!zone) return std::nullopt;
    // Whole seconds, rounded down (a moment before 1970 too).
    const time_t secs = static_cast<time_t>(at >= 0 ? at / 1000 : (at - 999) / 1000);
    icaltimetype utc = icaltime_from_timet_with_zone(secs, 0, icaltimezone_get_utc_timezone());
    int is_daylight = 0;
    return icaltimezone_get_utc_offset_of_utc_time(zone, &utc, &is_daylight);
}

RuleCheck check_recurrence(const Recurrence& r) {
    return parse(r).check;
}

std::vector<Span> expand(const Recurrence& r, TimeMs from, TimeMs to, size_t max_count) {
    std::vector<Span> out;
    Parsed p = parse(r);
    if (p.check.problem != RuleProblem::none || r.duration_s <= 0) return out;
    icalrecur_iterator* it = icalrecur_iterator_new(p.rrule, p.dtstart);
    if (!it) return out;
    const TimeMs duration_ms = r.duration_s * 1000;
    // Skip ahead to the first occurrence that may still run at `from` (not possible with COUNT,
    // which counts from DTSTART).
    const TimeMs seek = from - duration_ms;
    if (p.rrule.count == 0 && seek > to_ms(p.dtstart, p.zone)) {
        icaltimetype start = icaltime_from_timet_with_zone(seek / 1000, 0, p.zone);
        start = icaltime_set_timezone(&start, p.zone);
        icalrecur_iterator_set_start(it, start);
    }
    for (size_t i = 0; i < kMaxIterations && out.size() < max_count; ++i) {
        const icaltimetype next = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(next)) break;
        const TimeMs start = to_ms(next, p.zone);
        if (start >= to) break;
        if (start + duration_ms > from) out.push_back(Span{start, start + duration_ms});
    }
    icalrecur_iterator_free(it);
    return out;
}

std::string render_ics(const std::vector<Event>& events, TimeMs stamp, std::string_view prodid) {
    icaltimezone* utc = icaltimezone_get_utc_timezone();
    auto utc_time = [utc](TimeMs ms) {
        return icaltime_from_timet_with_zone(static_cast<time_t>(ms / 1000), 0, utc);
    };
    icalcomponent* cal = icalcomponent_new_vcalendar();
    icalcomponent_add_property(cal, icalproperty_new_prodid(std::string(prodid).c_str()));
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    for (const auto& e : events) {
        icalcomponent* ev = icalcomponent_new_vevent();
        icalcomponent_add_property(ev, icalproperty_new_uid(e.uid.c_str()));
        icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(stamp)));
        icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(e.start)));
        icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(e.end)));
        icalcomponent_add_property(ev, icalproperty_new_summary(e.summary.c_str()));
        if (!e.description.empty())
            icalcomponent_add_property(ev, icalproperty_new_description(e.description.c_str()));
        for (const auto& c : e.categories)
            icalcomponent_add_property(ev, icalproperty_new_categories(c.c_str()));
        icalcomponent_add_component(cal, ev);
    }
    char* text = icalcomponent_as_ical_string_r(cal);
    std::string out = text ? text : "";
    std::free(text);
    icalcomponent_free(cal);
    return out;
}

}  // namespace orderly::calendar
