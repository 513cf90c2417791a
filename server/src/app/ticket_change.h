#pragma once
// The pieces of TicketEngine (app/ticket_engine.h) shared by the files that implement it:
// resolving a node's operators, and Change, one change to one ticket with the notifications it
// collects. Internal to the engine; nothing else includes it.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/ticket_engine.h"
#include "core/codes.h"
#include "core/json.h"
#include "domain/change_window.h"
#include "domain/chat.h"
#include "domain/ticket_ports.h"

namespace orderly::app::engine_detail {

using domain::AssigneeState;
using domain::NodeType;
using domain::Ticket;
using domain::TicketFlow;
using domain::TicketPorts;
using domain::TicketStatus;

inline bool user_enabled(domain::People& people, const std::string& username) {
    auto u = people.user_named(username);
    return u && !u->disabled;
}

inline std::string username_of(domain::People& people, int64_t user_id) {
    auto u = people.user(user_id);
    return u ? u->username : std::string();
}

// The operators of a node for this ticket, resolved now (users, roles, business roles, the
// submitter), enabled users only, sorted and unique.
inline std::vector<int64_t> resolve_operators(domain::People& people,
                                              const domain::WorkflowDef& def,
                                              const domain::Node& node, const Ticket& t) {
    if (node.type == NodeType::submit) return {t.creator_id};
    std::set<int64_t> ids;
    const auto& ops = node.operators;
    for (const auto& name : ops.users)
        if (auto u = people.user_named(name); u && !u->disabled) ids.insert(u->id);
    for (const auto& r : ops.roles)
        for (int64_t id : people.with_role(r)) ids.insert(id);
    if (t.business)
        for (const auto& r : ops.business_roles)
            for (int64_t id : people.business_role_members(*t.business, r)) ids.insert(id);
    if (ops.submitter || (node.type == NodeType::execute && ops.empty())) ids.insert(t.creator_id);
    if (node.type == NodeType::approval && !def.allow_self_approval) ids.erase(t.creator_id);
    return {ids.begin(), ids.end()};
}

// The active node of a ticket, its key and name (the key when the flow lacks it); none when the
// ticket waits at no node.
struct NodeAt {
    std::optional<std::string> key;
    std::optional<std::string> name;
};
inline NodeAt active_node(const TicketFlow& flow, const domain::TicketState& state) {
    if (!state.active) return {};
    const domain::Node* n = flow.def().find(state.active->node_key);
    return {state.active->node_key, n ? n->name : state.active->node_key};
}

inline Error changed_meanwhile() {
    return Error::Conflict("this node was already decided").with(codes::ticket_changed);
}

// One change to one ticket: the ports, the ticket as it is being changed, its flow, and the
// notifications collected on the way, queued at the end in the same unit of work (so a
// rolled-back change notifies nobody).
struct Change {
    TicketPorts& p;
    Ticket& t;
    const TicketFlow& flow;
    TimeMs now;
    std::vector<domain::TicketEvent> events;

    // `node_key` names the node whose own notify.channels apply (nodes may share a name); without
    // it, the node of that name.
    void notify(std::string event, std::string node_name, std::string actor, std::string reason,
                std::vector<int64_t> recipients,
                const std::optional<std::string>& node_key = std::nullopt) {
        // Queued even without recipients: webhook subscriptions want every event.
        domain::TicketEvent ev;
        ev.event = std::move(event);
        ev.ticket_id = t.id;
        ev.ticket_sn = t.sn;
        ev.title = t.title;
        ev.status = std::string(domain::to_string(t.status));
        ev.node_name = std::move(node_name);
        ev.actor = std::move(actor);
        ev.reason = std::move(reason);
        ev.workflow_id = flow.workflow_id;
        ev.environment = t.environment;
        ev.window = t.window;
        ev.recipients = std::move(recipients);
        // A node with channels of its own overrides the workflow's for what happens there.
        ev.channels = flow.def().notify.channels;
        for (const auto& node : flow.def().nodes)
            if ((node_key ? node.key == *node_key : node.name == ev.node_name) &&
                node.notify_channels) {
                ev.channels = *node.notify_channels;
                break;
            }
        events.push_back(std::move(ev));
    }
    // "ticket.mentioned" to each enabled user the comment names as "@username" who may read
    // the ticket, other than its author, once.
    void mention(const std::string& node_name, const std::string& actor, int64_t actor_id,
                 const std::string& text) {
        std::vector<int64_t> ids;
        for (const auto& name : domain::mentioned_names(text)) {
            auto u = p.people.user_named(name);
            if (!u || u->disabled || u->id == actor_id || !p.people.may_read(t, u->id)) continue;
            if (std::find(ids.begin(), ids.end(), u->id) == ids.end()) ids.push_back(u->id);
        }
        if (!ids.empty()) notify("ticket.mentioned", node_name, actor, text, std::move(ids));
    }
    void flush(const domain::NoticeSettings& notices, const TicketEngine::LinkMinter& links) {
        for (auto& ev : events) {
            // Links are minted here, once the event's recipients are final.
            if (ev.node_id && links.mint) {
                const bool to_chat = std::any_of(
                    ev.channels.begin(), ev.channels.end(),
                    [](const std::string& ch) { return domain::chat_channel_ref(ch).has_value(); });
                for (int64_t uid : ev.recipients) {
                    ev.links.push_back({uid, links.mint(), now + links.ttl_ms});
                    if (to_chat) ev.chat_links.push_back({uid, links.mint(), now + links.ttl_ms});
                }
            }
            p.outbox.ticket_event(ev, notices, now);
        }
        events.clear();
    }

    // Enters a node: an end node finishes the ticket; any other gets an activation with its
    // operators (422 when there are none) and sets the status for waiting there.
    Result<void> enter(const std::string& key, const std::string& actor) {
        const domain::Node* node = flow.def().find(key);
        if (!node) return Error::Internal("enter: no node " + key).with(codes::internal);
        if (node->type == NodeType::end) {
            t.status = TicketStatus::finished;
            return {};
        }
        auto ops = resolve_operators(p.people, flow.def(), *node, t);
        if (ops.empty())
            return Error::Unprocessable(
                       "node \"" + node->name + "\" (" + node->key +
                       ") has nobody who can act on it for this ticket: check the node's "
                       "operators" +
                       (node->operators.business_roles.empty() ? ""
                                                               : " and the business's members"))
                .with(codes::workflow_node_has_nobody, {{"node", node->name}});
        domain::NewActivation a{t.id, node->key, node->name, node->type, false, now, {}, {}};
        if (flow.def().notify.policy == "repeat" && flow.def().notify.repeat_minutes > 0) {
            a.remind_every_ms = static_cast<int64_t>(flow.def().notify.repeat_minutes) * 60'000;
            a.remind_at = now + *a.remind_every_ms;
        }
        auto activation = p.tickets.open_activation(a);
        if (!activation)
            return Error::Conflict("the ticket was changed at the same time; reload and retry")
                .with(codes::ticket_changed);
        for (int64_t uid : ops)
            p.tickets.add_assignee(*activation, t.id, uid, AssigneeState::pending, now);
        // At an execute node, a ticket whose change window has yet to open is "scheduled".
        t.status = node->type == NodeType::execute ? domain::status_at_execute(t.window, now)
                                                   : domain::status_at(node->type);
        if (node->type == NodeType::execute) {
            notify("ticket.approved", node->name, actor, "", {t.creator_id}, node->key);
            ops.erase(std::remove(ops.begin(), ops.end(), t.creator_id), ops.end());
        }
        notify("node.waiting", node->name, actor, "", ops, node->key);
        if (node->type == NodeType::approval) events.back().node_id = *activation;
        return {};
    }

    void step(const std::optional<std::string>& node_key,
              const std::optional<std::string>& node_name, std::string action,
              std::optional<int64_t> actor_id, std::string comment,
              std::optional<std::string> fields, std::optional<std::string> detail) {
        p.tickets.add_step({t.id, node_key, node_name, std::move(action), actor_id,
                            std::move(comment), std::move(fields), std::move(detail), now});
    }
};

inline std::string detail_json(const char* key, const std::string& value) {
    json::Writer w;
    w.start_object().kv(key, value).end_object();
    return w.take();
}

}  // namespace orderly::app::engine_detail
