#pragma once
// Change windows in SQL: whether a template or service requires one, the window scheduler's
// due tickets (tickets.run_at, written with the status by save_status) and their claim, and
// the tickets whose windows overlap a ticket's on the same environment or business.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/change_window.h"
#include "storage/sql.h"

namespace orderly::storage {

// "service" or "template" when the one a ticket is submitted through requires a change window
// (the service's template counts for the service); nullopt when neither does.
std::optional<std::string> window_required_by(Connection& c, std::optional<int64_t> service_id,
                                              std::optional<int64_t> template_id);

// Writes the ticket's change window (none: both NULL). The caller saves the status after, which
// writes run_at.
void save_ticket_window(Connection& c, int64_t ticket_id,
                        const std::optional<domain::ChangeWindow>& w);

// The earliest run_at of any ticket: when the window scheduler next has work (one indexed read).
std::optional<TimeMs> next_window_due(Connection& c);

// Claims the ticket whose run_at is earliest and has come (run_at <= now), inside the caller's
// write transaction: on PostgreSQL the row is locked and rows other nodes hold are passed over,
// so that two nodes never work on the same ticket; the caller changes its status (and run_at
// with it) before committing. nullopt when nothing is due.
std::optional<int64_t> claim_due_ticket(Connection& c, TimeMs now);

// A scheduled ticket held by a hard freeze: the scheduler looks at it again at `at`.
void defer_window_due(Connection& c, int64_t ticket_id, TimeMs at);
// A freeze window changed: every scheduled ticket whose window has opened and that waits for a
// later look (held by a freeze) is due again now. Returns how many.
int release_held_tickets(Connection& c, TimeMs now);

// Nothing more is due for the ticket (it changed meanwhile): run_at NULL.
void clear_window_due(Connection& c, int64_t ticket_id);

// The non-terminal tickets but `ticket_id` whose windows overlap `w` and that share the
// environment or the business (either may be unset), oldest window first, at most `limit`.
// One that `reader` may not read (not its submitter or an operator of it, unless `read_all`)
// comes back restricted: its id, serial and title left out.
std::vector<domain::WindowConflict> window_conflicts(Connection& c, int64_t ticket_id,
                                                     const domain::ChangeWindow& w,
                                                     const std::optional<std::string>& environment,
                                                     const std::optional<std::string>& business,
                                                     int64_t reader, bool read_all, int limit = 50);

// The tickets (any status) whose windows overlap [from, to), of one environment when given,
// by window start, at most `limit`: the change calendar. `readable`: user_id may read the
// ticket, by the rule of can_read_ticket (read_all, the submitter, an operator of any node).
struct PlannedTicket {
    int64_t id = 0;
    std::string sn, title, status;
    std::optional<std::string> environment;
    TimeMs start = 0, end = 0;
    bool readable = false;
};
std::vector<PlannedTicket> planned_tickets(Connection& c, TimeMs from, TimeMs to,
                                           const std::optional<std::string>& environment, int limit,
                                           int64_t user_id, bool read_all);

// How many conflicts each ticket has (ids absent from the answer have none).
std::vector<std::pair<int64_t, int64_t>> window_conflict_counts(Connection& c,
                                                                const std::vector<int64_t>& ids);

}  // namespace orderly::storage
