#include "domain/freeze.h"

#include <algorithm>

namespace orderly::domain {

std::string_view to_string(FreezeKind k) {
    return k == FreezeKind::hard ? "hard" : "soft";
}

std::optional<FreezeKind> parse_freeze_kind(std::string_view s) {
    if (s == "hard") return FreezeKind::hard;
    if (s == "soft") return FreezeKind::soft;
    return std::nullopt;
}

bool overlaps(TimeMs a_start, TimeMs a_end, TimeMs b_start, TimeMs b_end) {
    return a_start < a_end && b_start < b_end && a_start < b_end && b_start < a_end;
}

Interval intersection(TimeMs a_start, TimeMs a_end, TimeMs b_start, TimeMs b_end) {
    return Interval{std::max(a_start, b_start), std::min(a_end, b_end)};
}

bool applies_to(const FreezeWindow& w, std::string_view environment_key) {
    if (w.environments.empty()) return true;
    return std::find(w.environments.begin(), w.environments.end(), environment_key) !=
           w.environments.end();
}

std::optional<FreezeProblem> check_freeze_shape(const FreezeWindow& w) {
    if (w.name.empty()) return FreezeProblem{"name", "must not be empty"};
    if (w.recurrence) {
        if (w.start || w.end)
            return FreezeProblem{"start", "give either start/end or rrule, not both"};
        if (w.recurrence->duration_s <= 0)
            return FreezeProblem{"duration_s", "must be a positive number of seconds"};
        return std::nullopt;
    }
    if (!w.start) return FreezeProblem{"start", "give start (and end) or rrule"};
    if (w.end && *w.end <= *w.start) return FreezeProblem{"end", "must be after start"};
    return std::nullopt;
}

}  // namespace orderly::domain
