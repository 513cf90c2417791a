#pragma once
// The ticket state machine (工单), pure: given a ticket's flow, where it stands and who asks for
// what, decide what happens. Storage loads the state, calls decide(), and applies the Effects in
// one transaction; nothing here does I/O.
//
// Status (TicketStatus in api-spec/openapi.yaml): in_progress (waiting at a node), approved
// (waiting at an execute node), executing, finished, rejected, withdrawn, failed (the last
// execution failed; retry allowed), terminated, scheduled (approved, waiting at an execute node
// for its change window to open; the window scheduler starts it), missed (the window passed
// without a start). Terminal: finished, rejected, withdrawn, terminated, missed.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "domain/workflow.h"

namespace orderly::domain {

enum class TicketStatus {
    in_progress,
    approved,
    executing,
    finished,
    rejected,
    withdrawn,
    failed,
    terminated,
    scheduled,
    missed
};
std::string_view to_string(TicketStatus s);
std::optional<TicketStatus> parse_ticket_status(std::string_view s);
bool is_terminal(TicketStatus s);
// The status of a ticket that has just entered a node of this type.
TicketStatus status_at(NodeType t);

// One operator's standing on one activation of a node.
enum class AssigneeState { pending, approved, rejected, done, transferred, closed };
std::string_view to_string(AssigneeState s);
std::optional<AssigneeState> parse_assignee_state(std::string_view s);

struct Assignee {
    int64_t user_id = 0;
    AssigneeState state = AssigneeState::pending;
};

// The node a ticket currently waits at (one activation: a node entered again, e.g. after a
// return, is a new activation with fresh operators).
struct ActiveNode {
    int64_t id = 0;
    std::string node_key;
    std::vector<Assignee> assignees;
    const Assignee* find(int64_t user_id) const;
    bool pending_for(int64_t user_id) const;
    int approvals() const;
    // Operators still counted by the approval rule (not transferred away).
    int eligible() const;
};

struct TicketState {
    int64_t creator_id = 0;
    TicketStatus status = TicketStatus::in_progress;
    std::optional<ActiveNode> active;
    std::vector<std::string> visited;  // keys of nodes completed so far, first completion order
    std::set<int64_t> operators_ever;  // everyone who was ever an operator of this ticket
    FieldValues fields;
};

enum class Action {
    approve,
    reject,
    fill,
    evaluate,
    execute,
    retry,
    withdraw,
    transfer,
    comment,
    return_to,  // "return"
};
std::string_view to_string(Action a);
std::optional<Action> parse_action(std::string_view s);

struct ActionRequest {
    Action action = Action::comment;
    int64_t actor_id = 0;
    std::string text;     // comment (approve, transfer, comment) or reason (reject, return, ...)
    FieldValues fields;   // fill / evaluate
    std::string to_node;  // return
    int64_t to_user = 0;  // transfer (an existing, enabled user; storage checks)
    // How the decision came: "link" through a one-click approval link (shown in the timeline and
    // the audit log); empty through the API or the web UI.
    std::string via;
};

// What an action does; storage applies it in this order: the actor's row, the added operator,
// closing the active node, merging fields, entering the next node, the status.
struct Effects {
    std::optional<AssigneeState> actor_state;
    std::optional<int64_t> add_assignee;
    // End the active activation: "done", "rejected", "returned" or "withdrawn".
    std::optional<std::string> close_active;
    FieldValues fields;                // accepted values, merged into the ticket's fields
    std::optional<std::string> enter;  // node to enter next (an end node finishes the ticket)
    std::optional<TicketStatus> status;
    bool changes_state = true;  // false for comments: no version bump
};

// Decides an action. Errors: 403 (not the submitter / not an operator / self-approval),
// 409 (terminal, already decided, the node does not take this action, executing),
// 422 (blank reason, bad fields, bad return target or transfer, no transition matches).
// user_exists checks "user" fields.
Result<Effects> decide(const WorkflowDef& flow, const TicketState& t, const ActionRequest& req,
                       const std::function<bool(const std::string&)>& user_exists);

// What the window scheduler's start of a scheduled ticket does: the ticket starts executing as
// if its execute node's operator had executed it. 409 when it is not scheduled at an execute
// node (executed, withdrawn... meanwhile).
Result<Effects> scheduled_start(const WorkflowDef& flow, const TicketState& t);

// What the end of an execution does: success leaves the execute node (the ticket finishes when
// an end node follows), failure makes the ticket "failed" (retry allowed). 409 when the ticket
// is not executing.
Result<Effects> execution_finished(const WorkflowDef& flow, const TicketState& t, bool succeeded);

// The actions the user may take now, in a stable order. "comment" is always offered: the caller
// is expected to have checked that the user may read the ticket.
std::vector<Action> allowed_actions(const WorkflowDef& flow, const TicketState& t, int64_t user_id);

}  // namespace orderly::domain
