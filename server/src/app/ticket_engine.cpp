#include "app/ticket_engine.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "app/ticket_change.h"
#include "core/codes.h"
#include "core/json.h"
#include "domain/workflow_json.h"

namespace orderly::app {

using domain::Action;
using namespace engine_detail;  // with the domain names it uses

Result<int64_t> TicketEngine::create(TicketPorts& p, const NewTicket& nt, TimeMs now) const {
    Ticket t;
    t.title = nt.title;
    t.service_id = nt.service_id;
    t.template_id = nt.template_id;
    t.workflow_version_id = nt.workflow_version_id;
    t.business = nt.business;
    t.environment = nt.environment;
    t.purpose = nt.purpose;
    t.creator_id = nt.creator_id;
    t.variables_json = nt.variables_json;
    t.template_snapshot = nt.template_snapshot;
    t.window = nt.window;
    const TicketFlow flow = domain::ticket_flow(p.versions, t);
    const domain::Node* start = flow.def().start();
    if (!start)
        return Error::Unprocessable("the workflow has no submit node")
            .with(codes::workflow_submit_node_missing);
    auto accepted = domain::check_fields(start->fields, nt.fields, {}, [&](const std::string& u) {
        return user_enabled(p.people, u);
    });
    if (!accepted.ok()) return accepted.error();
    t.fields = std::move(*accepted);
    t.sn = p.tickets.next_serial(nt.serial_prefix, now);
    t.created_at = t.updated_at = now;
    t.id = p.tickets.insert(t);
    t.creator = username_of(p.people, t.creator_id);

    // The submit node is passed by submitting: an activation already done, for the timeline and
    // as a target of "return".
    auto submitted = p.tickets.open_activation(
        {t.id, start->key, start->name, NodeType::submit, true, now, {}, {}});
    if (!submitted) throw std::runtime_error("a new ticket already had an active node");
    p.tickets.add_assignee(*submitted, t.id, t.creator_id, AssigneeState::done, now);
    Change ch{p, t, flow, now, {}};
    ch.step(start->key, start->name, "submit", t.creator_id, "",
            domain::field_values_json(t.fields), std::nullopt);
    p.tickets.index(t);

    auto next = domain::next_node(flow.def(), start->key, t.fields);
    if (!next)
        return Error::Unprocessable("no transition out of node \"" + start->name +
                                    "\" matches the ticket's fields")
            .with(codes::workflow_no_transition, {{"node", start->name}});
    auto r = ch.enter(*next, t.creator);
    if (!r.ok()) return r.error();
    if (t.status != TicketStatus::in_progress) p.tickets.save_status(t, now, false);
    ch.flush(notices_, links_);
    return t.id;
}

// Applying the Effects of one decision in the order domain::Effects documents; the branches
// are the action kinds, and keeping them in one place keeps that order readable.
Result<ActionOutcome> TicketEngine::act(TicketPorts& p, int64_t ticket_id, const ActionInput& in,
                                        TimeMs now) const {
    std::optional<Ticket> found;
    if (in.loaded && in.loaded->id == ticket_id)
        found = *in.loaded;
    else
        found = p.tickets.find(ticket_id);
    if (!found)
        return Error::NotFound("no ticket with id " + std::to_string(ticket_id))
            .with(codes::ticket_not_found, {{"id", ticket_id}});
    Ticket t = std::move(*found);
    if (in.expected_version && *in.expected_version != t.version)
        return Error::Conflict("the ticket changed since you loaded it (version " +
                               std::to_string(t.version) + ", you sent " +
                               std::to_string(*in.expected_version) + "); reload and try again")
            .with(codes::request_version_conflict,
                  {{"what", t.sn}, {"current", t.version}, {"sent", *in.expected_version}});
    const TicketFlow flow = domain::ticket_flow(p.versions, t);
    const domain::TicketState state = p.tickets.state_of(t);
    const auto& req = in.request;
    auto decided = domain::decide(flow.def(), state, req,
                                  [&](const std::string& u) { return user_enabled(p.people, u); });
    if (!decided.ok()) return decided.error();
    const domain::Effects& e = *decided;

    ActionOutcome out;
    if (req.action == Action::execute || req.action == Action::retry) {
        // A task starts by hand inside its window only, unless as an emergency, which is
        // recorded as one whatever it passed (the window, or a freeze the caller judges).
        if (auto outside = domain::outside_window(t.window, now); outside && !in.emergency_reason)
            return std::move(*outside);
        out.emergency = in.emergency_reason.has_value();
    }
    out.before = t.status;
    std::optional<std::string> node_key;
    std::optional<std::string> node_name;
    if (state.active) {
        node_key = state.active->node_key;
        const domain::Node* n = flow.def().find(state.active->node_key);
        node_name = n ? n->name : state.active->node_key;
        out.node_name = *node_name;
    }
    const std::string action(domain::to_string(req.action));
    const std::string actor = username_of(p.people, req.actor_id);
    out.summary = (out.emergency ? "emergency " : "") + action + " " + t.sn +
                  (node_name ? " at node " + *node_name : "");
    Change ch{p, t, flow, now, {}};

    if (!e.changes_state) {  // a comment
        ch.step(node_key, node_name, action, req.actor_id, req.text, std::nullopt, std::nullopt);
        ch.mention(node_name.value_or(""), actor, req.actor_id, req.text);
        ch.flush(notices_, links_);
        out.after = t.status;
        return out;
    }
    if (e.actor_state &&
        !p.tickets.decide_assignee(state.active->id, req.actor_id, *e.actor_state, now))
        return changed_meanwhile();
    std::optional<std::string> detail;
    if (e.add_assignee) {
        p.tickets.assign_pending(state.active->id, t.id, *e.add_assignee, now);
        const std::string to = username_of(p.people, *e.add_assignee);
        detail = detail_json("to_user", to);
        out.summary += " to " + to;
        ch.notify("ticket.transferred", node_name.value_or(""), actor, req.text, {*e.add_assignee},
                  node_key);
        // The new approver of an approval node gets a one-click link like the others did.
        const domain::Node* at = flow.def().find(state.active->node_key);
        if (at && at->type == NodeType::approval) ch.events.back().node_id = state.active->id;
    }
    std::vector<int64_t> pending_before;
    if (state.active)
        for (const auto& a : state.active->assignees)
            if (a.state == AssigneeState::pending && a.user_id != req.actor_id)
                pending_before.push_back(a.user_id);
    if (e.close_active && !p.tickets.close_activation(state.active->id, *e.close_active, now))
        return changed_meanwhile();
    if (!e.fields.empty()) {
        for (const auto& [k, v] : e.fields) t.fields[k] = v;
        p.tickets.save_fields(t);
    }
    if (req.action == Action::execute || req.action == Action::retry) {
        if (!in.start_execution)
            return Error::Unavailable("the execution engine is not available; try again later")
                .with(codes::execution_engine_unavailable);
        out.execution_id = in.start_execution();
        json::Writer w;
        w.start_object().kv("execution_id", *out.execution_id);
        if (out.emergency) {
            w.kv("emergency", true).kv("reason", *in.emergency_reason);
            out.summary += ": " + *in.emergency_reason;
        }
        w.end_object();
        detail = w.take();
    }
    if (req.action == Action::return_to) {
        detail = detail_json("to_node", req.to_node);
        out.summary += " back to " + req.to_node;
    }
    if (!req.via.empty()) {
        if (!detail) detail = detail_json("via", req.via);
        out.summary += " (through a one-click link)";
    }
    if (e.status) t.status = *e.status;
    // An emergency run says why in the timeline's own words, not only in its detail.
    ch.step(node_key, node_name, action, req.actor_id,
            out.emergency ? "emergency: " + *in.emergency_reason : req.text,
            e.fields.empty() ? std::nullopt : std::optional(domain::field_values_json(e.fields)),
            detail);
    if (e.enter) {
        auto r = ch.enter(*e.enter, actor);
        if (!r.ok()) return r.error();
    }
    if (req.action == Action::reject)
        ch.notify("ticket.rejected", node_name.value_or(""), actor, req.text, {t.creator_id},
                  node_key);
    if (req.action == Action::withdraw)
        ch.notify("ticket.withdrawn", node_name.value_or(""), actor, req.text, pending_before,
                  node_key);
    p.tickets.save_status(t, now, true);
    ch.flush(notices_, links_);
    out.after = t.status;
    return out;
}

void TicketEngine::execution_finished(TicketPorts& p, int64_t ticket_id, int64_t execution_id,
                                      bool succeeded, TimeMs now) const {
    auto found = p.tickets.find(ticket_id);
    if (!found) return;
    Ticket t = std::move(*found);
    const TicketFlow flow = domain::ticket_flow(p.versions, t);
    const domain::TicketState state = p.tickets.state_of(t);
    auto decided = domain::execution_finished(flow.def(), state, succeeded);
    if (!decided.ok()) return;  // not executing any more (withdrawn meanwhile, ...): nothing to do
    const domain::Effects& e = *decided;
    const std::string before(domain::to_string(t.status));
    const auto [node_key, node_name] = active_node(flow, state);
    Change ch{p, t, flow, now, {}};
    if (e.close_active && !p.tickets.close_activation(state.active->id, *e.close_active, now)) {
        p.tickets.save_status(t, now, true);
        return;
    }
    if (e.status) t.status = *e.status;
    json::Writer w;
    w.start_object().kv("execution_id", execution_id).kv("succeeded", succeeded).end_object();
    ch.step(node_key, node_name, succeeded ? "execution_succeeded" : "execution_failed",
            std::nullopt, "", std::nullopt, w.take());
    if (e.enter && !ch.enter(*e.enter, "").ok()) {
        // The node after the execute node has nobody who can act on it. The execution did
        // succeed, so the ticket cannot go back: it is terminated, visibly, rather than left
        // half-moved.
        t.status = TicketStatus::terminated;
        ch.step(e.enter, e.enter, "terminate", std::nullopt,
                "the next node has nobody who can act on it", std::nullopt, std::nullopt);
    }
    p.tickets.save_status(t, now, true);
    ch.notify("execution.finished", node_name.value_or(""), "", succeeded ? "succeeded" : "failed",
              {t.creator_id}, node_key);
    ch.flush(notices_, links_);
    domain::AuditEvent ev;
    ev.at = now;
    ev.action = "ticket.execution_finished";
    ev.object_type = "ticket";
    ev.object_id = std::to_string(t.id);
    ev.summary = "execution " + std::to_string(execution_id) + " of " + t.sn +
                 (succeeded ? " succeeded" : " failed") + ": " + before + " -> " +
                 std::string(domain::to_string(t.status));
    p.audit.append(ev);
}

int TicketEngine::send_due_reminders(TicketPorts& p, TimeMs now) const {
    int reminded = 0;
    for (const auto& d : p.tickets.due_reminders(now, 500)) {
        auto t = p.tickets.find(d.ticket_id);
        if (!t) continue;
        const auto pending = p.tickets.pending_operators(d.activation_id);
        if (!pending.empty() && t->status != TicketStatus::executing) {
            const TicketFlow flow = domain::ticket_flow(p.versions, *t);
            Change ch{p, *t, flow, now, {}};
            ch.notify("node.reminder", d.node_name, "", "", pending);
            ch.flush(notices_, links_);
            ++reminded;
        }
        p.tickets.set_remind_at(d.activation_id, now + std::max<int64_t>(d.every_ms, 60'000));
    }
    return reminded;
}

}  // namespace orderly::app
