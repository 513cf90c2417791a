#pragma once
// iCalendar with libical: expanding a recurrence rule (RFC 5545 RRULE with its DTSTART) in an
// IANA time zone into UTC intervals, and writing a VCALENDAR of plain events. Nothing here knows
// freeze windows; the time zones come from the system's zoneinfo (Debian's tzdata).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace orderly::calendar {

// A rule as a client writes it: lines "DTSTART[;TZID=<zone>]:YYYYMMDDTHHMMSS[Z]" and
// "RRULE:...", separated by "\n" (or "\r\n"). A DTSTART without TZID is local time in `timezone`;
// one in UTC ("Z") is converted to it. Each occurrence lasts duration_s seconds.
struct Recurrence {
    std::string rule;
    int64_t duration_s = 0;
    std::string timezone;
};

enum class RuleProblem { none, timezone_unknown, rule_invalid };
struct RuleCheck {
    RuleProblem problem = RuleProblem::none;
    std::string message;  // why, when there is a problem
};
// Whether the time zone is known and the rule readable, with one DTSTART and one RRULE that
// repeats at most hourly (a secondly or minutely freeze is a mistake).
RuleCheck check_recurrence(const Recurrence& r);
bool known_timezone(std::string_view tzid);
// How far the zone is from UTC at a moment, in seconds east of it (Asia/Shanghai: 28800);
// daylight saving time counted. nullopt for a zone known_timezone refuses.
std::optional<int> utc_offset_s(std::string_view tzid, TimeMs at);

struct Span {
    TimeMs start = 0;
    TimeMs end = 0;
};
// The occurrences that overlap [from, to), in order, at most max_count of them. A rule that
// check_recurrence refuses expands to nothing.
std::vector<Span> expand(const Recurrence& r, TimeMs from, TimeMs to, size_t max_count = 10000);

struct Event {
    std::string uid;
    std::string summary;
    std::string description;
    std::vector<std::string> categories;
    TimeMs start = 0;
    TimeMs end = 0;
};
// A VCALENDAR (PRODID, VERSION 2.0, METHOD PUBLISH) with one VEVENT per event, DTSTART and
// DTEND in UTC, DTSTAMP `stamp`; CRLF line ends, long lines folded.
std::string render_ics(const std::vector<Event>& events, TimeMs stamp, std::string_view prodid);

}  // namespace orderly::calendar
