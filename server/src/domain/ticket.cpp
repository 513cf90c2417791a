#include "domain/ticket.h"

#include <algorithm>

#include "core/codes.h"
#include "core/enum_names.h"

namespace orderly::domain {

namespace {
constexpr std::pair<TicketStatus, std::string_view> kStatuses[] = {
    {TicketStatus::in_progress, "in_progress"}, {TicketStatus::approved, "approved"},
    {TicketStatus::executing, "executing"},     {TicketStatus::finished, "finished"},
    {TicketStatus::rejected, "rejected"},       {TicketStatus::withdrawn, "withdrawn"},
    {TicketStatus::failed, "failed"},           {TicketStatus::terminated, "terminated"},
    {TicketStatus::scheduled, "scheduled"},     {TicketStatus::missed, "missed"},
};
constexpr std::pair<AssigneeState, std::string_view> kAssigneeStates[] = {
    {AssigneeState::pending, "pending"},         {AssigneeState::approved, "approved"},
    {AssigneeState::rejected, "rejected"},       {AssigneeState::done, "done"},
    {AssigneeState::transferred, "transferred"}, {AssigneeState::closed, "closed"},
};
constexpr std::pair<Action, std::string_view> kActions[] = {
    {Action::approve, "approve"},   {Action::reject, "reject"},     {Action::fill, "fill"},
    {Action::evaluate, "evaluate"}, {Action::execute, "execute"},   {Action::retry, "retry"},
    {Action::withdraw, "withdraw"}, {Action::transfer, "transfer"}, {Action::comment, "comment"},
    {Action::return_to, "return"},
};

bool blank(const std::string& s) {
    return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

std::string node_label(const Node& n) {
    return "\"" + (n.name.empty() ? n.key : n.name) + "\"";
}
}  // namespace

std::string_view to_string(TicketStatus s) {
    return enum_name(kStatuses, s);
}
std::optional<TicketStatus> parse_ticket_status(std::string_view s) {
    return enum_from_name(kStatuses, s);
}
bool is_terminal(TicketStatus s) {
    return s == TicketStatus::finished || s == TicketStatus::rejected ||
           s == TicketStatus::withdrawn || s == TicketStatus::terminated ||
           s == TicketStatus::missed;
}
TicketStatus status_at(NodeType t) {
    switch (t) {
        case NodeType::execute:
            return TicketStatus::approved;
        case NodeType::end:
            return TicketStatus::finished;
        default:
            return TicketStatus::in_progress;
    }
}
std::string_view to_string(AssigneeState s) {
    return enum_name(kAssigneeStates, s);
}
std::optional<AssigneeState> parse_assignee_state(std::string_view s) {
    return enum_from_name(kAssigneeStates, s);
}
std::string_view to_string(Action a) {
    return enum_name(kActions, a);
}
std::optional<Action> parse_action(std::string_view s) {
    return enum_from_name(kActions, s);
}

const Assignee* ActiveNode::find(int64_t user_id) const {
    for (const auto& a : assignees)
        if (a.user_id == user_id) return &a;
    return nullptr;
}
bool ActiveNode::pending_for(int64_t user_id) const {
    const Assignee* a = find(user_id);
    return a && a->state == AssigneeState::pending;
}
int ActiveNode::approvals() const {
    return static_cast<int>(std::count_if(assignees.begin(), assignees.end(), [](const auto& a) {
        return a.state == AssigneeState::approved;
    }));
}
int ActiveNode::eligible() const {
    return static_cast<int>(std::count_if(assignees.begin(), assignees.end(), [](const auto& a) {
        return a.state == AssigneeState::pending || a.state == AssigneeState::approved;
    }));
}

namespace {

// Leaves the active node: the next node by the transitions, given the fields after this step.
Result<void> advance(const WorkflowDef& flow, const std::string& from, const FieldValues& fields,
                     Effects& e) {
    auto next = next_node(flow, from, fields);
    if (!next) {
        const Node* n = flow.find(from);
        return Error::Unprocessable("no transition out of node " + (n ? node_label(*n) : from) +
                                    " matches the ticket's fields")
            .with(codes::workflow_no_transition, {{"node", n ? n->name : from}});
    }
    const Node* to = flow.find(*next);
    if (!to) return Error::Internal("transition to unknown node " + *next).with(codes::internal);
    e.close_active = "done";
    e.enter = *next;
    e.status = status_at(to->type);
    return {};
}

bool node_takes(NodeType type, Action a) {
    switch (a) {
        case Action::approve:
        case Action::reject:
            return type == NodeType::approval;
        case Action::fill:
            return type == NodeType::fill || type == NodeType::submit;
        case Action::evaluate:
            return type == NodeType::evaluate;
        case Action::execute:
        case Action::retry:
            return type == NodeType::execute;
        default:
            return true;
    }
}

bool can_return(const TicketState& t) {
    return std::any_of(t.visited.begin(), t.visited.end(),
                       [&](const std::string& k) { return k != t.active->node_key; });
}

}  // namespace

Result<Effects> decide(const WorkflowDef& flow, const TicketState& t, const ActionRequest& req,
                       const std::function<bool(const std::string&)>& user_exists) {
    Effects e;
    const std::string status(to_string(t.status));
    if (req.action == Action::comment) {
        if (blank(req.text))
            return Error::UnprocessableField("text", "a comment needs text",
                                             codes::ticket_comment_required);
        e.changes_state = false;
        return e;
    }
    if (is_terminal(t.status))
        return Error::Conflict("the ticket is " + status + "; nothing more can be done with it")
            .with(codes::ticket_closed, {{"status", status}});

    if (req.action == Action::withdraw) {
        if (req.actor_id != t.creator_id)
            return Error::Forbidden("only the submitter can withdraw a ticket")
                .with(codes::ticket_not_submitter);
        if (t.status == TicketStatus::executing)
            return Error::Conflict("the ticket's task is running; wait for it to end first")
                .with(codes::ticket_task_running);
        if (t.active) e.close_active = "withdrawn";
        e.status = TicketStatus::withdrawn;
        return e;
    }

    if (!t.active)
        return Error::Conflict("the ticket is " + status + " and waits at no node")
            .with(codes::ticket_not_waiting, {{"status", status}});
    const Node* node = flow.find(t.active->node_key);
    if (!node)
        return Error::Internal("active node missing from the flow: " + t.active->node_key)
            .with(codes::internal);

    if (!t.active->pending_for(req.actor_id)) {
        if (req.action == Action::approve && node->type == NodeType::approval &&
            req.actor_id == t.creator_id && !flow.allow_self_approval)
            return Error::Forbidden(
                       "you cannot approve your own ticket: this workflow does not allow "
                       "self-approval")
                .with(codes::ticket_self_approval);
        if (t.operators_ever.count(req.actor_id))
            return Error::Conflict("nothing waits for you on this ticket any more: node " +
                                   node_label(*node) + " was already decided or is not yours")
                .with(codes::ticket_already_decided, {{"node", node->name}});
        return Error::Forbidden("you are not an operator of node " + node_label(*node))
            .with(codes::ticket_not_operator, {{"node", node->name}});
    }
    if (!node_takes(node->type, req.action))
        return Error::Conflict("the ticket waits at " + std::string(to_string(node->type)) +
                               " node " + node_label(*node) + "; \"" +
                               std::string(to_string(req.action)) + "\" does not apply there")
            .with(codes::ticket_action_not_applicable,
                  {{"node", node->name},
                   {"node_type", std::string(to_string(node->type))},
                   {"action", std::string(to_string(req.action))}});

    switch (req.action) {
        case Action::approve: {
            e.actor_state = AssigneeState::approved;
            if (rule_satisfied(node->rule, t.active->eligible(), t.active->approvals() + 1)) {
                auto r = advance(flow, node->key, t.fields, e);
                if (!r.ok()) return r.error();
            }
            return e;
        }
        case Action::reject:
            if (blank(req.text))
                return Error::UnprocessableField("reason", "a rejection needs a reason",
                                                 codes::ticket_reason_required);
            e.actor_state = AssigneeState::rejected;
            e.close_active = "rejected";
            e.status = TicketStatus::rejected;
            return e;
        case Action::fill:
        case Action::evaluate: {
            auto accepted = check_fields(node->fields, req.fields, t.fields, user_exists);
            if (!accepted.ok()) return accepted.error();
            FieldValues merged = t.fields;
            for (const auto& [k, v] : *accepted) merged[k] = v;
            e.actor_state = AssigneeState::done;
            e.fields = std::move(*accepted);
            auto r = advance(flow, node->key, merged, e);
            if (!r.ok()) return r.error();
            return e;
        }
        case Action::execute:
            if (t.status == TicketStatus::executing)
                return Error::Conflict("the ticket's task is already running")
                    .with(codes::ticket_task_running);
            if (t.status == TicketStatus::failed)
                return Error::Conflict("the last execution failed; use retry")
                    .with(codes::ticket_execution_failed);
            // A scheduled ticket may be executed before its window only as an emergency: the
            // caller checks the window (app::TicketEngine::act).
            if (t.status != TicketStatus::approved && t.status != TicketStatus::scheduled)
                return Error::Conflict("the ticket is " + status + ", not approved")
                    .with(codes::ticket_not_approved, {{"status", status}});
            e.status = TicketStatus::executing;
            return e;
        case Action::retry:
            if (t.status != TicketStatus::failed)
                return Error::Conflict(
                           "only a ticket whose execution failed can be retried (it "
                           "is " +
                           status + ")")
                    .with(codes::ticket_not_retryable, {{"status", status}});
            e.status = TicketStatus::executing;
            return e;
        case Action::transfer: {
            if (t.status == TicketStatus::executing)
                return Error::Conflict("the ticket's task is running; it cannot be transferred")
                    .with(codes::ticket_task_running);
            if (req.to_user == req.actor_id)
                return Error::UnprocessableField("to_user", "you cannot transfer to yourself",
                                                 codes::ticket_transfer_to_self);
            if (node->type == NodeType::approval && req.to_user == t.creator_id &&
                !flow.allow_self_approval)
                return Error::UnprocessableField(
                    "to_user", "the submitter cannot approve their own ticket in this workflow",
                    codes::ticket_transfer_to_submitter);
            if (const Assignee* a = t.active->find(req.to_user);
                a && a->state != AssigneeState::transferred)
                return Error::UnprocessableField("to_user", "is already an operator of this node",
                                                 codes::ticket_already_operator);
            e.actor_state = AssigneeState::transferred;
            e.add_assignee = req.to_user;
            return e;
        }
        case Action::return_to: {
            if (t.status == TicketStatus::executing)
                return Error::Conflict("the ticket's task is running; it cannot be returned")
                    .with(codes::ticket_task_running);
            if (blank(req.text))
                return Error::UnprocessableField("reason", "a return needs a reason",
                                                 codes::ticket_reason_required);
            if (req.to_node == node->key ||
                std::find(t.visited.begin(), t.visited.end(), req.to_node) == t.visited.end())
                return Error::UnprocessableField(
                    "to_node",
                    "must be a node this ticket has already passed (\"" + req.to_node +
                        "\" is not)",
                    codes::ticket_return_node_invalid, {{"node", req.to_node}});
            const Node* to = flow.find(req.to_node);
            if (!to)
                return Error::UnprocessableField("to_node", "no such node",
                                                 codes::ticket_node_unknown);
            e.actor_state = AssigneeState::done;
            e.close_active = "returned";
            e.enter = to->key;
            e.status = status_at(to->type);
            return e;
        }
        default:
            return Error::Internal("unhandled action").with(codes::internal);
    }
}

Result<Effects> scheduled_start(const WorkflowDef& flow, const TicketState& t) {
    if (t.status != TicketStatus::scheduled || !t.active)
        return Error::Conflict("the ticket is " + std::string(to_string(t.status)) +
                               ", not scheduled")
            .with(codes::ticket_not_approved, {{"status", std::string(to_string(t.status))}});
    const Node* node = flow.find(t.active->node_key);
    if (!node || node->type != NodeType::execute)
        return Error::Conflict("the ticket does not wait at an execute node")
            .with(codes::ticket_not_at_execute_node);
    Effects e;
    e.status = TicketStatus::executing;
    return e;
}

Result<Effects> execution_finished(const WorkflowDef& flow, const TicketState& t, bool succeeded) {
    if (t.status != TicketStatus::executing || !t.active)
        return Error::Conflict("the ticket is " + std::string(to_string(t.status)) +
                               ", not executing")
            .with(codes::ticket_not_executing, {{"status", std::string(to_string(t.status))}});
    const Node* node = flow.find(t.active->node_key);
    if (!node || node->type != NodeType::execute)
        return Error::Conflict("the ticket does not wait at an execute node")
            .with(codes::ticket_not_at_execute_node);
    Effects e;
    if (!succeeded) {
        e.status = TicketStatus::failed;
        return e;
    }
    auto r = advance(flow, node->key, t.fields, e);
    if (!r.ok()) return r.error();
    return e;
}

std::vector<Action> allowed_actions(const WorkflowDef& flow, const TicketState& t,
                                    int64_t user_id) {
    std::vector<Action> out;
    if (!is_terminal(t.status) && t.active && t.active->pending_for(user_id)) {
        const Node* node = flow.find(t.active->node_key);
        if (node) {
            const bool running = t.status == TicketStatus::executing;
            switch (node->type) {
                case NodeType::approval:
                    if (user_id != t.creator_id || flow.allow_self_approval)
                        out.push_back(Action::approve);
                    out.push_back(Action::reject);
                    break;
                case NodeType::submit:
                case NodeType::fill:
                    out.push_back(Action::fill);
                    break;
                case NodeType::evaluate:
                    out.push_back(Action::evaluate);
                    break;
                case NodeType::execute:
                    if (t.status == TicketStatus::approved || t.status == TicketStatus::scheduled)
                        out.push_back(Action::execute);
                    if (t.status == TicketStatus::failed) out.push_back(Action::retry);
                    break;
                case NodeType::end:
                    break;
            }
            if (!running) {
                out.push_back(Action::transfer);
                if (can_return(t)) out.push_back(Action::return_to);
            }
        }
    }
    if (user_id == t.creator_id && !is_terminal(t.status) && t.status != TicketStatus::executing)
        out.push_back(Action::withdraw);
    out.push_back(Action::comment);
    return out;
}

}  // namespace orderly::domain
