#pragma once
// Tickets as their readers and operators use them: submit (through a service or a task
// template, with an Idempotency-Key), read one with what the reader may do to it, list and
// search, preview an execution, and act (approve, reject, ..., execute and retry, which queue an
// execution and wake the executions worker after the commit). Each call owns its transaction
// and writes its audit event in it; the rules of submitting are app/ticket_submission.h, the
// engine that judges actions app/ticket_engine.h.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/caller.h"
#include "app/freeze_calendar.h"
#include "app/run_preview.h"
#include "app/ticket_engine.h"
#include "app/ticket_submission.h"
#include "core/time.h"
#include "domain/execution.h"
#include "domain/ticket.h"
#include "domain/ticket_ports.h"
#include "domain/ticket_views.h"

namespace orderly::storage {
class Connection;
class Database;
}  // namespace orderly::storage

namespace orderly::app {

// One ticket as its reader sees it, read in one snapshot.
struct TicketView {
    domain::Ticket ticket;
    domain::TicketFlow flow;
    std::vector<domain::Action> allowed_actions;  // of the reader, now
    // Names a reader needs without permissions on the catalog: the service's, its catalog
    // directories' (root first), the template's and the environment's.
    domain::TicketNames names;
    // How the last execution ended ("succeeded", "failed", "timed_out", "cancelled",
    // "interrupted") or its state while it runs; none when it never ran.
    std::optional<std::string> execution_result;
    std::optional<domain::NodeView> current_node;
    std::vector<domain::StepView> steps;
    std::vector<domain::ExecutionRow> executions;  // oldest first
    bool show_snapshot = false;  // the reader manages the catalog: sees the template snapshot
    // Open tickets whose change windows overlap this one's on its environment or business.
    std::vector<domain::WindowConflict> conflicts;
    // The freeze windows (hard, then soft) whose occurrences overlap its change window on its
    // environment: for its approvers to see before they decide.
    std::vector<FreezeConflict> freezes;
};

struct SubmitInput {
    TicketRequest ticket;
    bool confirmed = false;  // "confirm": executing in a protected environment
    std::optional<std::string> idempotency_key;
    std::string_view body;  // the raw request: a key sent again with the same body replays
};
struct Submitted {
    TicketView ticket;
    bool replayed = false;  // the key was seen with this request: the ticket it created
};

struct ActInput {
    domain::ActionRequest request;  // actor_id and to_user are filled in here
    std::optional<int64_t> expected_version;
    std::optional<std::string> to_user;  // transfer: the username
    bool confirmed = false;              // "confirm": executing in a protected environment
    // Runs first in the action's transaction (e.g. using up a one-click link): what it changes
    // commits or rolls back with the action; it may fail() to refuse the action.
    std::function<void(storage::Connection&)> in_transaction;
    // execute and retry: "emergency": true with a "reason", to run outside the change window
    // or during a hard freeze (needs change.emergency)
    bool emergency = false;
    std::string emergency_reason;
};
struct ActResult {
    // execute and retry: the execution queued and the ticket's status after the action.
    bool started_execution = false;
    int64_t execution_id = 0;
    domain::TicketStatus status = domain::TicketStatus::in_progress;
    // Other actions: the ticket after the action.
    std::optional<TicketView> ticket;
};

// PUT /tickets/{id}/window: the new window (both or neither).
struct WindowInput {
    std::optional<TimeMs> planned_start;
    std::optional<TimeMs> planned_end;
    std::optional<int64_t> expected_version;
};

struct PreviewVariable {
    std::string name;
    bool list = false;                // the value is a list (else one value, or none)
    std::vector<std::string> values;  // secrets masked
};
struct ExecutionPreview {
    int64_t ticket_id = 0;
    std::string ticket_sn;
    bool retry = false;                      // the action it would be: retry, else execute
    std::vector<PreviewVariable> variables;  // every chosen value, in the ticket's order
    RunPreview run;
};

// The caller reads every ticket (ticket.read_all or audit.read); others read the tickets they
// submitted or operate on (storage::can_read_ticket).
bool reads_all_tickets(const Caller& who);

// 403 (ticket.view_denied) when `view` is "all" and the caller may not read every ticket.
void check_ticket_view(const Caller& who, std::string_view view);

class Tickets {
  public:
    // wake_executions (may be empty) is called after a commit that queued an execution,
    // wake_windows (may be empty) after one that scheduled a ticket or gave it a window.
    Tickets(storage::Database& db, const Clock& clock, const TicketEngine& engine,
            const std::string& secret_key, const std::function<void()>& wake_executions,
            const std::function<void()>& wake_windows)
        : db_(db),
          clock_(clock),
          engine_(engine),
          secret_key_(secret_key),
          wake_executions_(wake_executions),
          wake_windows_(wake_windows) {}
    Tickets(const Tickets&) = delete;
    Tickets& operator=(const Tickets&) = delete;

    // REQUIRES (all but list's view check): a signed-in caller.
    // 422 when the Idempotency-Key was used for another request; else prepare_ticket's checks,
    // the engine's, and for "execute" the action's (409 freeze.active while a hard freeze holds
    // the environment, 409 in a protected environment without
    // confirmation). The ticket is read after the commit.
    Submitted submit(const Caller& who, const SubmitInput& in) const;
    // 404 when the ticket does not exist or the caller may not see it (no difference shown).
    TicketView get(const Caller& who, int64_t id) const;
    // Newest first: up to f.limit + 1 rows (one more tells there is a next page). f.user_id is
    // the caller; check_ticket_view, then the filter as given.
    std::vector<domain::TicketSummary> list(const Caller& who, domain::TicketFilter f) const;
    // For whoever may execute, retry or approve the ticket now: 404 as get, 403 for other readers,
    // 422 without a template, then the execution-time checks of revalidate_snapshot.
    ExecutionPreview execution_preview(const Caller& who, int64_t id) const;
    // 404 as get, 422 for an unknown to_user, then the engine's checks (execute and retry:
    // 409 window.not_open / window.closed outside the change window); execute and retry also
    // 409 freeze.active while a hard freeze holds the environment and 409 in a protected
    // environment without confirmation (judged after the action itself).
    // An emergency execute or retry: 403 (window.emergency_denied) without change.emergency,
    // 422 "reason" when it is blank; it passes the window and a hard freeze, and is audited as
    // ticket.emergency_execute or ticket.emergency_retry.
    ActResult act(const Caller& who, int64_t id, const ActInput& in) const;
    // The submitter changes (or removes) the ticket's change window: 404 as get, 403 for anyone
    // but the submitter, 409 on a stale version or when the ticket is not in_progress, approved
    // or scheduled (window.not_changeable), 422 as domain::check_window, and window.required
    // when removing a required one. Then TicketEngine::window_changed (an approved or scheduled
    // ticket goes back for approval).
    TicketView set_window(const Caller& who, int64_t id, const WindowInput& in) const;

  private:
    storage::Database& db_;
    const Clock& clock_;
    const TicketEngine& engine_;
    const std::string& secret_key_;
    const std::function<void()>& wake_executions_;
    const std::function<void()>& wake_windows_;
};

}  // namespace orderly::app
