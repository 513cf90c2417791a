// The change-window side of the ticket engine: the window scheduler's work on a due ticket,
// and what a new window does to a ticket that waits for its execution.
#include "app/ticket_change.h"
#include "app/ticket_engine.h"

namespace orderly::app {

using namespace engine_detail;

std::optional<ActionOutcome> TicketEngine::run_due(
    TicketPorts& p, int64_t ticket_id,
    const std::function<int64_t(int64_t on_behalf_of)>& start_execution, TimeMs now) const {
    auto found = p.tickets.find(ticket_id);
    if (!found) return std::nullopt;
    Ticket t = std::move(*found);
    const domain::WindowDue due = domain::due_action(t.status, t.window, now);
    if (due == domain::WindowDue::nothing) return std::nullopt;
    const TicketFlow flow = domain::ticket_flow(p.versions, t);
    const domain::TicketState state = p.tickets.state_of(t);
    const auto [node_key, node_name] = active_node(flow, state);
    ActionOutcome out;
    out.before = t.status;
    out.node_name = node_name.value_or("");
    Change ch{p, t, flow, now, {}};
    json::Writer w;
    w.start_object();
    if (due == domain::WindowDue::start) {
        auto decided = domain::scheduled_start(flow.def(), state);
        if (!decided.ok()) return std::nullopt;
        t.status = *decided->status;
        out.execution_id = start_execution(t.creator_id);
        w.kv("execution_id", *out.execution_id).kv("on_behalf_of", t.creator).end_object();
        ch.step(node_key, node_name, "scheduled_start", std::nullopt,
                "started at the opening of its change window on behalf of " + t.creator,
                std::nullopt, w.take());
        out.summary = "scheduled start of " + t.sn + " on behalf of " + t.creator;
    } else {
        if (state.active && !p.tickets.close_activation(state.active->id, "terminated", now))
            return std::nullopt;
        t.status = TicketStatus::missed;
        w.kv("planned_start", format_rfc3339(t.window->start))
            .kv("planned_end", format_rfc3339(t.window->end))
            .end_object();
        ch.step(node_key, node_name, "missed", std::nullopt,
                "the change window passed without a start", std::nullopt, w.take());
        ch.notify("ticket.missed", node_name.value_or(""), "", "", {t.creator_id}, node_key);
        out.summary = t.sn + " missed its change window";
    }
    p.tickets.save_status(t, now, true);
    ch.flush(notices_, links_);
    domain::AuditEvent ev;
    ev.at = now;
    ev.action = due == domain::WindowDue::start ? "ticket.scheduled_start" : "ticket.missed";
    ev.object_type = "ticket";
    ev.object_id = std::to_string(t.id);
    ev.summary = out.summary;
    p.audit.append(ev);
    out.after = t.status;
    return out;
}

Result<ActionOutcome> TicketEngine::window_changed(TicketPorts& p, int64_t ticket_id,
                                                   int64_t actor_id, TimeMs now) const {
    auto found = p.tickets.find(ticket_id);
    if (!found)
        return Error::NotFound("no ticket with id " + std::to_string(ticket_id))
            .with(codes::ticket_not_found, {{"id", ticket_id}});
    Ticket t = std::move(*found);
    const TicketFlow flow = domain::ticket_flow(p.versions, t);
    const domain::TicketState state = p.tickets.state_of(t);
    ActionOutcome out;
    out.before = t.status;
    const auto [node_key, node_name] = active_node(flow, state);
    out.node_name = node_name.value_or("");
    const std::string actor = username_of(p.people, actor_id);
    Change ch{p, t, flow, now, {}};
    std::optional<std::string> back_to;
    const bool waits_to_run =
        t.status == TicketStatus::approved || t.status == TicketStatus::scheduled;
    if (waits_to_run)
        for (const auto& key : state.visited)
            if (const domain::Node* n = flow.def().find(key); n && n->type == NodeType::approval) {
                back_to = key;
                break;
            }
    json::Writer w;
    w.start_object();
    w.key("planned_start").opt_time(t.window ? std::optional(t.window->start) : std::nullopt);
    w.key("planned_end").opt_time(t.window ? std::optional(t.window->end) : std::nullopt);
    if (back_to) w.kv("to_node", *back_to);
    w.end_object();
    if (back_to && state.active && !p.tickets.close_activation(state.active->id, "returned", now))
        return changed_meanwhile();
    ch.step(node_key, node_name, "window_changed", actor_id, "", std::nullopt, w.take());
    if (back_to) {
        auto r = ch.enter(*back_to, actor);
        if (!r.ok()) return r.error();
    } else if (waits_to_run) {
        t.status = domain::status_at_execute(t.window, now);
    }
    p.tickets.save_status(t, now, true);
    ch.flush(notices_, links_);
    out.summary = "changed the window of " + t.sn + (back_to ? ", back to " + *back_to : "");
    out.after = t.status;
    return out;
}

}  // namespace orderly::app
