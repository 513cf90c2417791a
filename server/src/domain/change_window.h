#pragma once
// Change windows: the time a ticket's task is planned to run in, [start, end). Pure rules: how
// a window is checked, when two overlap, the status a ticket takes at its execute node, and
// what the window scheduler (app/window_scheduler.h) has to do with a ticket and when.
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/time.h"
#include "domain/ticket.h"

namespace orderly::domain {

struct ChangeWindow {
    TimeMs start = 0;
    TimeMs end = 0;
};

// A ticket whose window overlaps another's on the same environment or business. `restricted`:
// the reader may not read that ticket, so only its window and status are known (id 0, sn and
// title empty), as on the change calendar.
struct WindowConflict {
    int64_t id = 0;
    std::string sn;
    std::string title;
    std::string status;
    ChangeWindow window;
    bool restricted = false;
};

// Both ends or neither: 422 window.incomplete (naming the missing one), 422
// window.end_before_start when the window does not end after it starts.
Result<std::optional<ChangeWindow>> check_window(std::optional<TimeMs> start,
                                                 std::optional<TimeMs> end);

// Two windows overlap when they share a moment: [a.start, a.end) and [b.start, b.end)
// intersect. A window that ends when the other starts does not overlap it.
bool overlaps(const ChangeWindow& a, const ChangeWindow& b);

// The window has opened (or there is none): the task may run now without an emergency.
bool window_open(const std::optional<ChangeWindow>& w, TimeMs now);

// Whether a task may start by hand (execute, retry) at `now`: nothing inside the window (or
// without one); before it 409 window.not_open (planned_start), from its end on 409
// window.closed (planned_end). An emergency run passes either.
std::optional<Error> outside_window(const std::optional<ChangeWindow>& w, TimeMs now);

// The status of a ticket entering an execute node: scheduled while its window has yet to open,
// approved otherwise.
TicketStatus status_at_execute(const std::optional<ChangeWindow>& w, TimeMs now);

// When the window scheduler next has something to do with a ticket in status s: a scheduled
// ticket at its window's start, an approved one with a window at its end (to mark it missed);
// nothing for any other status.
std::optional<TimeMs> window_due(TicketStatus s, const std::optional<ChangeWindow>& w);

enum class WindowDue { nothing, start, miss };
// What is due now: a scheduled ticket starts while its window is open and is missed once it
// has closed; an approved one is missed once it has closed.
WindowDue due_action(TicketStatus s, const std::optional<ChangeWindow>& w, TimeMs now);

}  // namespace orderly::domain
