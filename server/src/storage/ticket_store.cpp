#include "storage/ticket_store.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <variant>

#include "core/codes.h"
#include "core/json.h"
#include "domain/ticket_search.h"
#include "storage/accounts_store.h"
#include "storage/notification_store.h"
#include "storage/workflow_store.h"

namespace orderly::storage {

using domain::Action;
using domain::AssigneeState;
using domain::FieldValues;
using domain::NodeType;
using domain::TicketStatus;

namespace {

std::mutex g_base_mu;
std::string g_base_url = "http://127.0.0.1:8080";

std::string link_base() {
    std::lock_guard lock(g_base_mu);
    return g_base_url;
}

constexpr const char* kTicketSelect =
    "SELECT t.id, t.sn, t.title, t.status, t.service_id, t.template_id, t.workflow_version_id, "
    "t.business, t.environment, t.purpose, t.creator_id, u.username, u.display_name, t.fields, "
    "t.variables, t.template_snapshot, t.created_at, t.updated_at, t.finished_at, t.version "
    "FROM tickets t JOIN users u ON u.id = t.creator_id ";

TicketStatus status_from(const std::string& s) {
    auto st = domain::parse_ticket_status(s);
    if (!st) throw std::runtime_error("unknown ticket status in the database: " + s);
    return *st;
}

Ticket ticket_from(Stmt& s) {
    Ticket t;
    t.id = s.int64(0);
    t.sn = s.text(1);
    t.title = s.text(2);
    t.status = status_from(s.text(3));
    t.service_id = s.opt_int64(4);
    t.template_id = s.opt_int64(5);
    t.workflow_version_id = s.opt_int64(6);
    t.business = s.opt_text(7);
    t.environment = s.opt_text(8);
    t.purpose = s.opt_text(9);
    t.creator_id = s.int64(10);
    t.creator = s.text(11);
    t.creator_name = s.text(12);
    t.fields = parse_stored_field_values(s.text(13));
    t.variables_json = s.text(14);
    t.template_snapshot = s.opt_text(15);
    t.created_at = s.int64(16);
    t.updated_at = s.int64(17);
    t.finished_at = s.opt_int64(18);
    t.version = s.int64(19);
    return t;
}

std::string fts_body(const std::string& sn, const FieldValues& fields) {
    std::string body = sn;
    for (const auto& [k, v] : fields) {
        std::string text = v.text();
        if (text.empty()) continue;
        body += "\n";
        body += text;
    }
    return domain::search_text(body);
}

void index_ticket(Connection& c, int64_t id, const std::string& sn, const std::string& title,
                  const FieldValues& fields) {
    auto del = c.prepare("DELETE FROM tickets_fts WHERE rowid = ?1");
    del.bind(1, id).exec();
    auto ins = c.prepare("INSERT INTO tickets_fts (rowid, title, body) VALUES (?1, ?2, ?3)");
    ins.bind(1, id).bind(2, domain::search_text(title)).bind(3, fts_body(sn, fields)).exec();
}

std::string next_serial(Connection& c, const std::string& prefix, TimeMs now) {
    const std::string date = format_rfc3339(now).substr(0, 10);  // YYYY-MM-DD (UTC)
    const std::string day = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
    auto s = c.prepare(
        "INSERT INTO ticket_counters (prefix, day, n) VALUES (?1, ?2, 1) "
        "ON CONFLICT (prefix, day) DO UPDATE SET n = n + 1 RETURNING n");
    s.bind(1, prefix).bind(2, day);
    if (!s.step()) throw std::runtime_error("ticket counter returned nothing");
    char num[32];
    std::snprintf(num, sizeof num, "%04lld", static_cast<long long>(s.int64(0)));
    return prefix + "-" + day + "-" + num;
}

bool user_enabled(Connection& c, const std::string& username) {
    auto u = find_user_by_name(c, username);
    return u && !u->disabled;
}

// The operators of a node for this ticket, resolved now (users, roles, business roles, the
// submitter), enabled users only, sorted and unique.
std::vector<int64_t> resolve_operators(Connection& c, const domain::WorkflowDef& def,
                                       const domain::Node& node, const Ticket& t) {
    std::set<int64_t> ids;
    const auto& ops = node.operators;
    if (node.type == NodeType::submit) return {t.creator_id};
    for (const auto& name : ops.users)
        if (auto u = find_user_by_name(c, name); u && !u->disabled) ids.insert(u->id);
    for (const auto& r : ops.roles)
        for (int64_t id : users_with_role(c, r)) ids.insert(id);
    if (t.business)
        for (const auto& r : ops.business_roles)
            for (int64_t id : business_role_members(c, *t.business, r)) ids.insert(id);
    if (ops.submitter || (node.type == NodeType::execute && ops.empty())) ids.insert(t.creator_id);
    if (node.type == NodeType::approval && !def.allow_self_approval) ids.erase(t.creator_id);
    return {ids.begin(), ids.end()};
}

// Notifications are collected while a change is applied and queued at its end, in the same
// transaction (so a rolled-back change notifies nobody).
struct Notices {
    std::vector<TicketEvent> events;
    void add(const Ticket& t, const TicketFlow& flow, std::string event, TicketStatus status,
             std::string node_name, std::string actor, std::string reason,
             std::vector<int64_t> recipients) {
        // Queued even without recipients: webhook subscriptions want every event.
        TicketEvent ev;
        ev.event = std::move(event);
        ev.ticket_id = t.id;
        ev.ticket_sn = t.sn;
        ev.title = t.title;
        ev.status = std::string(domain::to_string(status));
        ev.node_name = std::move(node_name);
        ev.actor = std::move(actor);
        ev.reason = std::move(reason);
        ev.workflow_id = flow.workflow_id;
        ev.recipients = std::move(recipients);
        ev.channels = flow.def.notify.channels;
        events.push_back(std::move(ev));
    }
    void flush(Connection& c, TimeMs now) {
        const std::string base = link_base();
        for (const auto& ev : events) enqueue_ticket_event(c, base, ev, now);
        events.clear();
    }
};

// Writes the ticket row's state once per change, at the end: the status the change left in t
// (finished_at set when it became terminal), updated_at, and the version bump that makes the
// ticket's ETag change. Everything runs inside one BEGIN IMMEDIATE write transaction that read
// the ticket, so nothing else can have changed the row in between.
void save_ticket_row(Connection& c, const Ticket& t, TimeMs now, bool bump_version) {
    auto u = c.prepare(
        "UPDATE tickets SET status = ?2, updated_at = ?3, "
        "finished_at = CASE WHEN ?4 THEN coalesce(finished_at, ?3) ELSE NULL END, "
        "version = version + ?5 WHERE id = ?1");
    u.bind(1, t.id).bind(2, domain::to_string(t.status)).bind(3, now);
    u.bind(4, domain::is_terminal(t.status)).bind(5, bump_version ? 1 : 0).exec();
}

// Enters a node: an end node finishes the ticket; any other gets an activation with its
// operators (422 when there are none) and sets the status for waiting there.
Result<void> enter_node(Connection& c, Ticket& t, const TicketFlow& flow, const std::string& key,
                        TimeMs now, const std::string& actor, Notices& notices) {
    const domain::Node* node = flow.def.find(key);
    if (!node) return Error::Internal("enter_node: no node " + key).with(codes::internal);
    if (node->type == NodeType::end) {
        t.status = TicketStatus::finished;  // written by the caller's save_ticket_row
        return {};
    }
    auto ops = resolve_operators(c, flow.def, *node, t);
    if (ops.empty())
        return Error::Unprocessable(
                   "node \"" + node->name + "\" (" + node->key +
                   ") has nobody who can act on it for this ticket: check the node's operators" +
                   (node->operators.business_roles.empty() ? "" : " and the business's members"))
            .with(codes::workflow_node_has_nobody, {{"node", node->name}});
    std::optional<int64_t> every, remind_at;
    if (flow.def.notify.policy == "repeat" && flow.def.notify.repeat_minutes > 0) {
        every = static_cast<int64_t>(flow.def.notify.repeat_minutes) * 60'000;
        remind_at = now + *every;
    }
    auto ins = c.prepare(
        "INSERT INTO ticket_nodes (ticket_id, node_key, node_name, node_type, state, entered_at, "
        "remind_every_ms, remind_at) VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6, ?7)");
    ins.bind(1, t.id).bind(2, node->key).bind(3, node->name).bind(4, domain::to_string(node->type));
    ins.bind(5, now).bind(6, every).bind(7, remind_at);
    if (auto rc = ins.exec_checked(); rc != ExecResult::ok) {
        if (is_unique_violation(rc))
            return Error::Conflict("the ticket was changed at the same time; reload and retry")
                .with(codes::ticket_changed);
        throw DbError(rc, "entering a node failed");
    }
    const int64_t activation = c.last_insert_rowid();
    for (int64_t uid : ops) {
        auto a = c.prepare(
            "INSERT INTO ticket_assignees (node_id, user_id, ticket_id, state, assigned_at) "
            "VALUES (?1, ?2, ?3, 'pending', ?4)");
        a.bind(1, activation).bind(2, uid).bind(3, t.id).bind(4, now).exec();
    }
    const TicketStatus st = domain::status_at(node->type);
    t.status = st;  // written by the caller's save_ticket_row
    if (node->type == NodeType::execute) {
        notices.add(t, flow, "ticket.approved", st, node->name, actor, "", {t.creator_id});
        ops.erase(std::remove(ops.begin(), ops.end(), t.creator_id), ops.end());
    }
    notices.add(t, flow, "node.waiting", st, node->name, actor, "", ops);
    return {};
}

void insert_step(Connection& c, int64_t ticket_id, const std::optional<std::string>& node_key,
                 const std::optional<std::string>& node_name, const std::string& action,
                 std::optional<int64_t> actor_id, const std::string& comment,
                 const std::optional<std::string>& fields_json,
                 const std::optional<std::string>& detail_json, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO ticket_steps (ticket_id, node_key, node_name, action, actor_id, comment, "
        "fields, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, ticket_id).bind(2, node_key).bind(3, node_name).bind(4, action).bind(5, actor_id);
    s.bind(6, comment).bind(7, fields_json).bind(8, detail_json).bind(9, now).exec();
}

Result<void> close_activation(Connection& c, int64_t activation_id, const std::string& state,
                              TimeMs now) {
    auto u = c.prepare(
        "UPDATE ticket_nodes SET state = ?2, left_at = ?3, remind_at = NULL "
        "WHERE id = ?1 AND state = 'active'");
    u.bind(1, activation_id).bind(2, state).bind(3, now).exec();
    if (c.changes() != 1)
        return Error::Conflict("this node was already decided").with(codes::ticket_changed);
    auto a = c.prepare(
        "UPDATE ticket_assignees SET state = 'closed' WHERE node_id = ?1 AND state = 'pending'");
    a.bind(1, activation_id).exec();
    return {};
}

std::string username_of(Connection& c, int64_t user_id) {
    auto u = find_user(c, user_id);
    return u ? u->username : std::string();
}

}  // namespace

void set_ticket_link_base_url(std::string base_url) {
    std::lock_guard lock(g_base_mu);
    g_base_url = std::move(base_url);
}

// ---- reading

std::optional<Ticket> find_ticket(Connection& c, int64_t id) {
    auto s = c.prepare(std::string(kTicketSelect) + "WHERE t.id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return ticket_from(s);
}

// Keyed by the database file and the version id; bounded.
std::shared_ptr<const CachedVersion> cached_version(Connection& c, int64_t version_id) {
    static std::mutex mu;
    static std::unordered_map<std::string, std::shared_ptr<const CachedVersion>> cache;
    std::string key = c.path() + "#" + std::to_string(version_id);
    {
        std::lock_guard lock(mu);
        auto it = cache.find(key);
        if (it != cache.end()) return it->second;
    }
    auto v = find_workflow_version(c, version_id);
    if (!v) return nullptr;
    auto entry = std::make_shared<const CachedVersion>(
        CachedVersion{std::move(v->def), v->workflow_id, v->version});
    std::lock_guard lock(mu);
    if (cache.size() >= 4096) cache.clear();
    cache.emplace(std::move(key), entry);
    return entry;
}

TicketFlow ticket_flow(Connection& c, const Ticket& t) {
    if (!t.workflow_version_id)
        return {domain::direct_execution_flow(), std::nullopt, std::nullopt};
    auto v = cached_version(c, *t.workflow_version_id);
    if (!v) throw std::runtime_error("ticket's workflow version is missing");
    TicketFlow f{v->def, v->workflow_id, v->version};
    if (t.template_id) f.def = domain::with_execute_step(std::move(f.def));
    return f;
}

// Two statements: the ticket's activations (the active one and the visited nodes), then every
// assignee it ever had (who may see it, and who acts on the active node).
domain::TicketState load_ticket_state(Connection& c, const Ticket& t) {
    domain::TicketState st;
    st.creator_id = t.creator_id;
    st.status = t.status;
    st.fields = t.fields;
    {
        auto s = c.prepare(
            "SELECT id, node_key, state = 'active' FROM ticket_nodes "
            "WHERE ticket_id = ?1 AND state IN ('active', 'done') ORDER BY id");
        s.bind(1, t.id);
        while (s.step()) {
            std::string k = s.text(1);
            if (s.integer(2)) {
                domain::ActiveNode a;
                a.id = s.int64(0);
                a.node_key = std::move(k);
                st.active = std::move(a);
            } else if (std::find(st.visited.begin(), st.visited.end(), k) == st.visited.end()) {
                st.visited.push_back(std::move(k));
            }
        }
    }
    {
        auto s =
            c.prepare("SELECT user_id, node_id, state FROM ticket_assignees WHERE ticket_id = ?1");
        s.bind(1, t.id);
        while (s.step()) {
            const int64_t user = s.int64(0);
            st.operators_ever.insert(user);
            if (st.active && s.int64(1) == st.active->id) {
                auto state = domain::parse_assignee_state(s.text(2));
                st.active->assignees.push_back({user, state.value_or(AssigneeState::closed)});
            }
        }
    }
    // In user order, sorted here: an ORDER BY would cost SQLite a temporary b-tree per call.
    if (st.active)
        std::sort(st.active->assignees.begin(), st.active->assignees.end(),
                  [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
    return st;
}

bool can_read_ticket(Connection& c, const Ticket& t, int64_t user_id, bool read_all) {
    if (read_all || t.creator_id == user_id) return true;
    auto s =
        c.prepare("SELECT 1 FROM ticket_assignees WHERE ticket_id = ?1 AND user_id = ?2 LIMIT 1");
    s.bind(1, t.id).bind(2, user_id);
    return s.step();
}

std::optional<NodeView> current_node(Connection& c, int64_t ticket_id) {
    auto s = c.prepare(
        "SELECT n.id, n.node_key, n.node_name, n.node_type, n.entered_at, a.user_id, u.username, "
        "u.display_name, a.state, a.assigned_at FROM ticket_nodes n "
        "LEFT JOIN ticket_assignees a ON a.node_id = n.id "
        "LEFT JOIN users u ON u.id = a.user_id "
        "WHERE n.ticket_id = ?1 AND n.state = 'active'");
    s.bind(1, ticket_id);
    if (!s.step()) return std::nullopt;
    NodeView n;
    n.activation_id = s.int64(0);
    n.key = s.text(1);
    n.name = s.text(2);
    n.type = s.text(3);
    n.entered_at = s.int64(4);
    std::vector<std::pair<std::pair<TimeMs, int64_t>, size_t>> order;  // (assigned_at, user)
    do {
        if (s.is_null(5)) continue;
        order.push_back({{s.int64(9), s.int64(5)}, n.assignees.size()});
        n.assignees.push_back({s.int64(5), s.text(6), s.text(7), s.text(8)});
    } while (s.step());
    // In the order they were assigned, sorted here rather than by a temporary b-tree in SQLite.
    std::sort(order.begin(), order.end());
    std::vector<AssigneeView> sorted;
    sorted.reserve(order.size());
    for (const auto& o : order) sorted.push_back(std::move(n.assignees[o.second]));
    n.assignees = std::move(sorted);
    return n;
}

std::vector<StepView> ticket_steps(Connection& c, int64_t ticket_id) {
    auto s = c.prepare(
        "SELECT s.id, s.node_key, s.node_name, s.action, u.username, u.display_name, s.comment, "
        "s.fields, s.detail, s.at FROM ticket_steps s LEFT JOIN users u ON u.id = s.actor_id "
        "WHERE s.ticket_id = ?1 ORDER BY s.id");
    s.bind(1, ticket_id);
    std::vector<StepView> out;
    while (s.step()) {
        StepView v;
        v.id = s.int64(0);
        v.node_key = s.opt_text(1);
        v.node_name = s.opt_text(2);
        v.action = s.text(3);
        v.actor = s.opt_text(4);
        v.actor_name = s.opt_text(5);
        v.comment = s.text(6);
        v.fields_json = s.opt_text(7);
        v.detail_json = s.opt_text(8);
        v.at = s.int64(9);
        out.push_back(std::move(v));
    }
    return out;
}

namespace {
using Param = std::variant<int64_t, std::string>;

}  // namespace

std::vector<TicketSummary> list_tickets(Connection& c, const TicketFilter& f) {
    std::vector<Param> params;
    auto p = [&](Param v) {
        params.push_back(std::move(v));
        return "?" + std::to_string(params.size());
    };
    std::string where = " WHERE 1 = 1";
    if (f.view == "todo") {
        // A running execution waits for nobody.
        where +=
            " AND t.id IN (SELECT ticket_id FROM ticket_assignees WHERE user_id = " + p(f.user_id) +
            " AND state = 'pending') AND t.status != 'executing'";
    } else if (f.view == "mine") {
        where += " AND t.creator_id = " + p(f.user_id);
    } else if (f.view == "involved") {
        const std::string me = p(f.user_id);
        where += " AND (t.creator_id = " + me +
                 " OR t.id IN (SELECT ticket_id FROM ticket_assignees WHERE user_id = " + me + "))";
    }
    if (f.status) where += " AND t.status = " + p(*f.status);
    if (f.environment) where += " AND t.environment = " + p(*f.environment);
    if (f.purpose) where += " AND t.purpose = " + p(*f.purpose);
    if (f.business) where += " AND t.business = " + p(*f.business);
    if (f.service_id) where += " AND t.service_id = " + p(*f.service_id);
    if (f.template_id) where += " AND t.template_id = " + p(*f.template_id);
    if (f.creator)
        where +=
            " AND t.creator_id = (SELECT id FROM users WHERE username = " + p(*f.creator) + ")";
    if (f.from) where += " AND t.created_at >= " + p(*f.from);
    if (f.to) where += " AND t.created_at < " + p(*f.to);
    // A search walks the full-text index newest first (FTS5 yields rowids in order and stops at
    // the limit), checking the other filters on the way: a common word costs no more than a
    // rare one.
    const std::string match =
        f.q ? c.dialect().full_text_query(domain::search_terms(*f.q)) : std::string();
    const std::string id = match.empty() ? "t.id" : "f.rowid";
    if (f.before_id > 0) where += " AND " + id + " < " + p(f.before_id);
    if (!match.empty()) where += " AND tickets_fts MATCH " + p(match);
    const std::string sql =
        "SELECT t.id, t.sn, t.title, t.status, t.service_id, t.template_id, t.business, "
        "t.environment, t.purpose, u.username, u.display_name, n.node_key, n.node_name, "
        "n.node_type, t.created_at, t.updated_at, t.version FROM " +
        std::string(match.empty() ? "tickets t"
                                  : "tickets_fts f JOIN tickets t ON t.id = f.rowid") +
        " JOIN users u ON u.id = t.creator_id "
        "LEFT JOIN ticket_nodes n ON n.ticket_id = t.id AND n.state = 'active'" +
        where + " ORDER BY " + id + " DESC LIMIT " + p(static_cast<int64_t>(f.limit));
    auto s = c.prepare(sql);
    for (size_t i = 0; i < params.size(); ++i) {
        const int idx = static_cast<int>(i + 1);
        if (const auto* n = std::get_if<int64_t>(&params[i]))
            s.bind(idx, *n);
        else
            s.bind(idx, std::get<std::string>(params[i]));
    }
    std::vector<TicketSummary> out;
    while (s.step()) {
        TicketSummary t;
        t.id = s.int64(0);
        t.sn = s.text(1);
        t.title = s.text(2);
        t.status = s.text(3);
        t.service_id = s.opt_int64(4);
        t.template_id = s.opt_int64(5);
        t.business = s.opt_text(6);
        t.environment = s.opt_text(7);
        t.purpose = s.opt_text(8);
        t.creator = s.text(9);
        t.creator_name = s.text(10);
        t.node_key = s.opt_text(11);
        t.node_name = s.opt_text(12);
        t.node_type = s.opt_text(13);
        t.created_at = s.int64(14);
        t.updated_at = s.int64(15);
        t.version = s.int64(16);
        out.push_back(std::move(t));
    }
    return out;
}

// ---- creating

Result<int64_t> create_ticket(Connection& c, const NewTicket& nt, TimeMs now) {
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
    const TicketFlow flow = ticket_flow(c, t);
    const domain::Node* start = flow.def.start();
    if (!start)
        return Error::Unprocessable("the workflow has no submit node")
            .with(codes::workflow_submit_node_missing);
    auto accepted = domain::check_fields(start->fields, nt.fields, {},
                                         [&](const std::string& u) { return user_enabled(c, u); });
    if (!accepted.ok()) return accepted.error();
    t.fields = std::move(*accepted);
    t.sn = next_serial(c, nt.serial_prefix, now);

    auto ins = c.prepare(
        "INSERT INTO tickets (sn, title, status, service_id, template_id, workflow_version_id, "
        "business, environment, purpose, creator_id, fields, variables, template_snapshot, "
        "created_at, updated_at) VALUES (?1, ?2, 'in_progress', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13, ?13)");
    ins.bind(1, t.sn).bind(2, t.title).bind(3, t.service_id).bind(4, t.template_id);
    ins.bind(5, t.workflow_version_id).bind(6, t.business).bind(7, t.environment);
    ins.bind(8, t.purpose).bind(9, t.creator_id).bind(10, field_values_json(t.fields));
    ins.bind(11, t.variables_json).bind(12, t.template_snapshot).bind(13, now).exec();
    t.id = c.last_insert_rowid();
    t.created_at = t.updated_at = now;
    t.creator = username_of(c, t.creator_id);

    // The submit node is passed by submitting: an activation already done, for the timeline and
    // as a target of "return".
    auto n = c.prepare(
        "INSERT INTO ticket_nodes (ticket_id, node_key, node_name, node_type, state, entered_at, "
        "left_at) VALUES (?1, ?2, ?3, 'submit', 'done', ?4, ?4)");
    n.bind(1, t.id).bind(2, start->key).bind(3, start->name).bind(4, now).exec();
    auto a = c.prepare(
        "INSERT INTO ticket_assignees (node_id, user_id, ticket_id, state, assigned_at, acted_at) "
        "VALUES (?1, ?2, ?3, 'done', ?4, ?4)");
    a.bind(1, c.last_insert_rowid()).bind(2, t.creator_id).bind(3, t.id).bind(4, now).exec();
    insert_step(c, t.id, start->key, start->name, "submit", t.creator_id, "",
                field_values_json(t.fields), std::nullopt, now);
    index_ticket(c, t.id, t.sn, t.title, t.fields);

    auto next = domain::next_node(flow.def, start->key, t.fields);
    if (!next)
        return Error::Unprocessable("no transition out of node \"" + start->name +
                                    "\" matches the ticket's fields")
            .with(codes::workflow_no_transition, {{"node", start->name}});
    Notices notices;
    auto r = enter_node(c, t, flow, *next, now, t.creator, notices);
    if (!r.ok()) return r.error();
    if (t.status != TicketStatus::in_progress) save_ticket_row(c, t, now, false);
    notices.flush(c, now);
    return t.id;
}

std::optional<IdempotencyHit> find_idempotency_key(Connection& c, int64_t user_id,
                                                   const std::string& key,
                                                   const std::string& request_hash) {
    auto s = c.prepare(
        "SELECT ticket_id, request_hash FROM ticket_idempotency WHERE user_id = ?1 AND key = ?2");
    s.bind(1, user_id).bind(2, key);
    if (!s.step()) return std::nullopt;
    return IdempotencyHit{s.int64(0), s.text(1) == request_hash};
}

void remember_idempotency_key(Connection& c, int64_t user_id, const std::string& key,
                              const std::string& request_hash, int64_t ticket_id, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO ticket_idempotency (user_id, key, request_hash, ticket_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, user_id).bind(2, key).bind(3, request_hash).bind(4, ticket_id).bind(5, now).exec();
}

// ---- acting

Result<ActionOutcome> apply_ticket_action(Connection& c, int64_t ticket_id, const ActionInput& in,
                                          TimeMs now) {
    std::optional<Ticket> found;
    if (in.loaded && in.loaded->id == ticket_id)
        found = *in.loaded;
    else
        found = find_ticket(c, ticket_id);
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
    const TicketFlow flow = ticket_flow(c, t);
    const domain::TicketState state = load_ticket_state(c, t);
    const auto& req = in.request;
    auto decided = domain::decide(flow.def, state, req,
                                  [&](const std::string& u) { return user_enabled(c, u); });
    if (!decided.ok()) return decided.error();
    const domain::Effects& e = *decided;

    ActionOutcome out;
    out.before = t.status;
    std::optional<std::string> node_key;
    std::optional<std::string> node_name;
    if (state.active) {
        node_key = state.active->node_key;
        const domain::Node* n = flow.def.find(state.active->node_key);
        node_name = n ? n->name : state.active->node_key;
        out.node_name = *node_name;
    }
    const std::string action(domain::to_string(req.action));
    const std::string actor = username_of(c, req.actor_id);
    out.summary = action + " " + t.sn + (node_name ? " at node " + *node_name : "");

    if (!e.changes_state) {  // a comment
        insert_step(c, t.id, node_key, node_name, action, req.actor_id, req.text, std::nullopt,
                    std::nullopt, now);
        out.after = t.status;
        return out;
    }

    Notices notices;

    if (e.actor_state) {
        auto u = c.prepare(
            "UPDATE ticket_assignees SET state = ?3, acted_at = ?4 WHERE node_id = ?1 AND "
            "user_id = ?2 AND state = 'pending'");
        u.bind(1, state.active->id)
            .bind(2, req.actor_id)
            .bind(3, domain::to_string(*e.actor_state));
        u.bind(4, now).exec();
        if (c.changes() != 1)
            return Error::Conflict("this node was already decided").with(codes::ticket_changed);
    }
    std::optional<std::string> detail;
    if (e.add_assignee) {
        auto u = c.prepare(
            "INSERT INTO ticket_assignees (node_id, user_id, ticket_id, state, assigned_at) "
            "VALUES (?1, ?2, ?3, 'pending', ?4) ON CONFLICT (node_id, user_id) DO UPDATE SET "
            "state = 'pending', assigned_at = ?4, acted_at = NULL");
        u.bind(1, state.active->id).bind(2, *e.add_assignee).bind(3, t.id).bind(4, now).exec();
        const std::string to = username_of(c, *e.add_assignee);
        json::Writer w;
        w.start_object().kv("to_user", to).end_object();
        detail = w.take();
        out.summary += " to " + to;
        notices.add(t, flow, "ticket.transferred", t.status, node_name.value_or(""), actor,
                    req.text, {*e.add_assignee});
    }
    std::vector<int64_t> pending_before;
    if (state.active)
        for (const auto& a : state.active->assignees)
            if (a.state == AssigneeState::pending && a.user_id != req.actor_id)
                pending_before.push_back(a.user_id);
    if (e.close_active) {
        auto r = close_activation(c, state.active->id, *e.close_active, now);
        if (!r.ok()) return r.error();
    }
    if (!e.fields.empty()) {
        for (const auto& [k, v] : e.fields) t.fields[k] = v;
        auto u = c.prepare("UPDATE tickets SET fields = ?2 WHERE id = ?1");
        u.bind(1, t.id).bind(2, field_values_json(t.fields)).exec();
        index_ticket(c, t.id, t.sn, t.title, t.fields);
    }
    if (req.action == Action::execute || req.action == Action::retry) {
        if (!in.start_execution)
            return Error::Unavailable("the execution engine is not available; try again later")
                .with(codes::execution_engine_unavailable);
        out.execution_id = in.start_execution();
        json::Writer w;
        w.start_object().kv("execution_id", *out.execution_id).end_object();
        detail = w.take();
    }
    if (req.action == Action::return_to) {
        json::Writer w;
        w.start_object().kv("to_node", req.to_node).end_object();
        detail = w.take();
        out.summary += " back to " + req.to_node;
    }
    if (e.status) t.status = *e.status;
    insert_step(c, t.id, node_key, node_name, action, req.actor_id, req.text,
                e.fields.empty() ? std::nullopt : std::optional(field_values_json(e.fields)),
                detail, now);
    if (e.enter) {
        auto r = enter_node(c, t, flow, *e.enter, now, actor, notices);
        if (!r.ok()) return r.error();
    }
    if (req.action == Action::reject)
        notices.add(t, flow, "ticket.rejected", t.status, node_name.value_or(""), actor, req.text,
                    {t.creator_id});
    if (req.action == Action::withdraw)
        notices.add(t, flow, "ticket.withdrawn", t.status, node_name.value_or(""), actor, req.text,
                    pending_before);
    save_ticket_row(c, t, now, true);
    notices.flush(c, now);
    out.after = t.status;
    return out;
}

void on_execution_finished(Connection& c, int64_t ticket_id, int64_t execution_id, bool succeeded,
                           TimeMs now) {
    auto found = find_ticket(c, ticket_id);
    if (!found) return;
    Ticket t = std::move(*found);
    const TicketFlow flow = ticket_flow(c, t);
    const domain::TicketState state = load_ticket_state(c, t);
    auto decided = domain::execution_finished(flow.def, state, succeeded);
    if (!decided.ok()) return;  // not executing any more (withdrawn meanwhile, ...): nothing to do
    const domain::Effects& e = *decided;
    const std::string before(domain::to_string(t.status));
    std::optional<std::string> node_key, node_name;
    if (state.active) {
        node_key = state.active->node_key;
        const domain::Node* n = flow.def.find(*node_key);
        node_name = n ? n->name : *node_key;
    }
    Notices notices;
    if (e.close_active && !close_activation(c, state.active->id, *e.close_active, now).ok()) {
        save_ticket_row(c, t, now, true);
        return;
    }
    if (e.status) t.status = *e.status;
    json::Writer w;
    w.start_object().kv("execution_id", execution_id).kv("succeeded", succeeded).end_object();
    insert_step(c, t.id, node_key, node_name,
                succeeded ? "execution_succeeded" : "execution_failed", std::nullopt, "",
                std::nullopt, w.take(), now);
    if (e.enter && !enter_node(c, t, flow, *e.enter, now, "", notices).ok()) {
        // The node after the execute node has nobody who can act on it. The execution did
        // succeed, so the ticket cannot go back: it is terminated, visibly, rather than left
        // half-moved.
        t.status = TicketStatus::terminated;
        insert_step(c, t.id, e.enter, e.enter, "terminate", std::nullopt,
                    "the next node has nobody who can act on it", std::nullopt, std::nullopt, now);
    }
    save_ticket_row(c, t, now, true);
    notices.add(t, flow, "execution.finished", t.status, node_name.value_or(""), "",
                succeeded ? "succeeded" : "failed", {t.creator_id});
    notices.flush(c, now);
    domain::AuditEvent ev;
    ev.at = now;
    ev.action = "ticket.execution_finished";
    ev.object_type = "ticket";
    ev.object_id = std::to_string(t.id);
    ev.summary = "execution " + std::to_string(execution_id) + " of " + t.sn +
                 (succeeded ? " succeeded" : " failed") + ": " + before + " -> " +
                 std::string(domain::to_string(t.status));
    append_audit(c, ev);
}

int enqueue_due_reminders(Connection& c, TimeMs now) {
    struct Due {
        int64_t node_id, ticket_id, every;
        std::string node_name;
    };
    std::vector<Due> due;
    {
        auto s = c.prepare(
            "SELECT id, ticket_id, remind_every_ms, node_name FROM ticket_nodes "
            "WHERE state = 'active' AND remind_at IS NOT NULL AND remind_at <= ?1 "
            "ORDER BY remind_at LIMIT 500");
        s.bind(1, now);
        while (s.step()) due.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3)});
    }
    int reminded = 0;
    for (const auto& d : due) {
        auto t = find_ticket(c, d.ticket_id);
        if (!t) continue;
        std::vector<int64_t> pending;
        {
            auto s = c.prepare(
                "SELECT user_id FROM ticket_assignees WHERE node_id = ?1 AND state = 'pending'");
            s.bind(1, d.node_id);
            while (s.step()) pending.push_back(s.int64(0));
        }
        if (!pending.empty() && t->status != TicketStatus::executing) {
            const TicketFlow flow = ticket_flow(c, *t);
            Notices notices;
            notices.add(*t, flow, "node.reminder", t->status, d.node_name, "", "", pending);
            notices.flush(c, now);
            ++reminded;
        }
        auto u = c.prepare("UPDATE ticket_nodes SET remind_at = ?2 WHERE id = ?1");
        u.bind(1, d.node_id).bind(2, now + std::max<int64_t>(d.every, 60'000)).exec();
    }
    return reminded;
}

}  // namespace orderly::storage
