#pragma once
// Freeze windows and the change calendar. Managing windows needs change.freeze; anyone signed in
// reads them and the calendar. The checks other use cases call inside their own transaction:
// freeze_check (a change planned for [start, end) against the hard and soft freezes of its
// environment; check_planned_change fails it with 422 freeze.conflict) and
// require_no_active_hard_freeze (409 freeze.active for an execution during a hard freeze).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/time.h"
#include "domain/freeze.h"

namespace orderly::storage {
class Database;
class Connection;
}  // namespace orderly::storage

namespace orderly::app {

// A freeze window overlapping a change, and the part they share ([start, end) in UTC ms; end is
// domain::kOpenEnd when the window is open-ended and the change is too).
struct FreezeConflict {
    domain::FreezeWindow window;
    domain::Interval overlap;
};
struct FreezeCheck {
    std::vector<FreezeConflict> hard;  // the change may not run then
    std::vector<FreezeConflict> soft;  // it may, with the approvers told
};

// The occurrences of one window overlapping [from, to), in order (a one-off window has at most
// one; an open-ended one ends at domain::kOpenEnd).
std::vector<domain::FreezeOccurrence> freeze_occurrences(const domain::FreezeWindow& w, TimeMs from,
                                                         TimeMs to);

// ---- checks inside the caller's transaction. environment: the change's environment key, or
// none (then only the windows for every environment apply).
FreezeCheck freeze_check(storage::Connection& c, const std::optional<std::string>& environment,
                         TimeMs start, TimeMs end);
// 422 freeze.conflict naming the first hard freeze and the overlap; returns the soft ones.
std::vector<FreezeConflict> check_planned_change(storage::Connection& c,
                                                 const std::optional<std::string>& environment,
                                                 TimeMs start, TimeMs end);
// The hard freeze on the environment at `now`, if any.
std::optional<FreezeConflict> active_hard_freeze(storage::Connection& c,
                                                 const std::optional<std::string>& environment,
                                                 TimeMs now);
// 409 freeze.active while a hard freeze holds the environment.
void require_no_active_hard_freeze(storage::Connection& c,
                                   const std::optional<std::string>& environment, TimeMs now);

// One freeze occurrence on the calendar.
struct CalendarFreeze {
    domain::FreezeWindow window;
    TimeMs start = 0;
    std::optional<TimeMs> end;  // none: open-ended
};
// A ticket whose change window is on the calendar. `restricted`: the reader may not read the
// ticket (not its submitter, nor an operator of any of its nodes, nor holding ticket.read_all or
// audit.read), so it sees that the window is taken, and no more: id 0, sn and title empty.
struct CalendarTicket {
    int64_t id = 0;
    std::string sn;
    std::string title;
    bool restricted = false;
    std::string status;
    std::optional<std::string> environment;
    TimeMs start = 0;
    TimeMs end = 0;
};
struct ChangeCalendar {
    TimeMs from = 0;
    TimeMs to = 0;
    std::vector<CalendarFreeze> freezes;  // by start, then window id
    std::vector<CalendarTicket> tickets;  // by window start; at most kCalendarTickets
};
inline constexpr int kCalendarTickets = 2000;

// Replaces a window's members (PUT); id, times and version are the store's.
class FreezeCalendar {
  public:
    // wake_windows (may be empty): wakes the window scheduler after a change to the freezes.
    FreezeCalendar(storage::Database& db, const Clock& clock,
                   const std::function<void()>& wake_windows)
        : db_(db), clock_(clock), wake_windows_(wake_windows) {}

    std::vector<domain::FreezeWindow> list() const;
    // 404 freeze.not_found.
    domain::FreezeWindow get(int64_t id) const;
    // 422: freeze.window_invalid (shape), freeze.rrule_invalid, freeze.timezone_unknown,
    // environment.unknown.
    domain::FreezeWindow create(const Caller& who, domain::FreezeWindow w) const;
    // 404, 409 If-Match, then create's 422s.
    domain::FreezeWindow update(const Caller& who, int64_t id, std::optional<int64_t> if_match,
                                domain::FreezeWindow w) const;
    // 404, 409 If-Match.
    void remove(const Caller& who, int64_t id, std::optional<int64_t> if_match) const;

    // In their own read snapshot: see the functions above.
    FreezeCheck check(const std::optional<std::string>& environment, TimeMs start,
                      TimeMs end) const;
    std::optional<FreezeConflict> active_hard_freeze(const std::optional<std::string>& environment,
                                                     TimeMs now) const;

    // The freeze occurrences overlapping [from, to) (of one environment's when given: those of
    // windows for it or for every environment), and the planned tickets, those `who` may not
    // read restricted. 422 calendar.range_invalid unless
    // from < to <= from + domain::kMaxCalendarRangeMs.
    ChangeCalendar calendar(const Caller& who, TimeMs from, TimeMs to,
                            const std::optional<std::string>& env) const;
    // The same as an iCalendar file (open-ended occurrences end at `to`).
    std::string calendar_ics(const Caller& who, TimeMs from, TimeMs to,
                             const std::optional<std::string>& env) const;

  private:
    void wake_held() const;

    storage::Database& db_;
    const Clock& clock_;
    const std::function<void()>& wake_windows_;
};

}  // namespace orderly::app
