#pragma once
// Freeze windows: periods when changes to some environments may not run (hard) or run only with
// the approvers' attention (soft). A window is one-off (start, and an end unless it is an
// open-ended lockdown) or recurring (an RFC 5545 rule with its DTSTART, each occurrence lasting
// duration_s, in an IANA time zone). Expanding a rule is not done here (integrations/calendar.h);
// the rules below work on occurrences, half-open intervals [start, end) of UTC milliseconds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace orderly::domain {

enum class FreezeKind { hard, soft };
std::string_view to_string(FreezeKind k);
std::optional<FreezeKind> parse_freeze_kind(std::string_view s);

// The end of an open-ended window.
inline constexpr TimeMs kOpenEnd = INT64_MAX;

struct FreezeRecurrence {
    std::string rrule;  // "DTSTART:...\nRRULE:..." (or DTSTART;TZID=<timezone>:...)
    int64_t duration_s = 0;
    std::string timezone;  // IANA name, e.g. "Europe/Berlin"
};

struct FreezeWindow {
    int64_t id = 0;
    std::string name;
    std::string reason;
    std::vector<std::string> environments;  // keys; empty = every environment
    FreezeKind kind = FreezeKind::hard;
    // One-off: start and (unless open-ended) end; recurring: recurrence.
    std::optional<TimeMs> start;
    std::optional<TimeMs> end;
    std::optional<FreezeRecurrence> recurrence;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
};

// One occurrence of a window: [start, end), end = kOpenEnd for an open-ended window.
struct FreezeOccurrence {
    int64_t freeze_id = 0;
    TimeMs start = 0;
    TimeMs end = 0;
};

// Whether [a_start, a_end) and [b_start, b_end) share an instant: one ending exactly when the
// other starts does not, and an empty interval overlaps nothing (ask an instant t as [t, t + 1)).
bool overlaps(TimeMs a_start, TimeMs a_end, TimeMs b_start, TimeMs b_end);
// The shared part of two overlapping intervals.
struct Interval {
    TimeMs start = 0;
    TimeMs end = 0;
};
Interval intersection(TimeMs a_start, TimeMs a_end, TimeMs b_start, TimeMs b_end);

// Whether the window applies to the environment (a window without environments applies to all).
bool applies_to(const FreezeWindow& w, std::string_view environment_key);

// The shape rules of a window that need no time-zone data: a name, either one-off or recurring,
// a one-off end after its start, a positive duration. Empty when the window is well-formed,
// else the field at fault and why.
struct FreezeProblem {
    std::string field;
    std::string message;
};
std::optional<FreezeProblem> check_freeze_shape(const FreezeWindow& w);

// The longest range a calendar may ask for.
inline constexpr TimeMs kMaxCalendarRangeMs = 366LL * 24 * 3600 * 1000;

}  // namespace orderly::domain
