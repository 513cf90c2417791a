#include "storage/ticket_store.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "core/codes.h"
#include "core/json.h"
#include "storage/accounts_store.h"
#include "storage/execution_store.h"
#include "storage/notification_store.h"
#include "storage/workflow_store.h"

namespace orderly::storage {

using domain::Action;
using domain::AssigneeState;
using domain::FieldValues;
using domain::NodeType;
using domain::TicketStatus;

namespace {

TicketStatus status_from(const std::string& s) {
    auto st = domain::parse_ticket_status(s);
    if (!st) throw std::runtime_error("unknown ticket status in the database: " + s);
    return *st;
}

// The columns ticket_from() reads, of tickets t joined with users u (its creator). A macro, so
// that statements using it stay string literals.
#define ORDERLY_TICKET_COLUMNS                                                                   \
    "t.id, t.sn, t.title, t.status, t.service_id, t.template_id, t.workflow_version_id, "        \
    "t.business, t.environment, t.purpose, t.creator_id, u.username, u.display_name, t.fields, " \
    "t.variables, t.template_snapshot, t.created_at, t.updated_at, t.finished_at, t.version, "   \
    "t.planned_start, t.planned_end"

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
    t.fields = domain::parse_stored_field_values(s.text(13));
    t.variables_json = s.text(14);
    t.template_snapshot = s.opt_text(15);
    t.created_at = s.int64(16);
    t.updated_at = s.int64(17);
    t.finished_at = s.opt_int64(18);
    t.version = s.int64(19);
    if (auto start = s.opt_int64(20), end = s.opt_int64(21); start && end)
        t.window = domain::ChangeWindow{*start, *end};
    return t;
}

std::string search_body(const std::string& sn, const FieldValues& fields) {
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
    c.dialect().index_ticket(c, id, domain::search_text(title), search_body(sn, fields));
}

std::string next_serial(Connection& c, const std::string& prefix, TimeMs now) {
    const std::string date = format_rfc3339(now).substr(0, 10);  // YYYY-MM-DD (UTC)
    const std::string day = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
    // In a transaction of its own where writers run side by side: every submission increments
    // this one row, and inside the submission's transaction each would collide with the others.
    int64_t n = 0;
    c.run_autonomous([&](Connection& a) {
        auto s = a.prepare(
            "INSERT INTO ticket_counters (prefix, day, n) VALUES (?1, ?2, 1) "
            "ON CONFLICT (prefix, day) DO UPDATE SET n = ticket_counters.n + 1 RETURNING n");
        s.bind(1, prefix).bind(2, day);
        if (!s.step()) throw std::runtime_error("ticket counter returned nothing");
        n = s.int64(0);
    });
    char num[32];
    std::snprintf(num, sizeof num, "%04lld", static_cast<long long>(n));
    return prefix + "-" + day + "-" + num;
}

}  // namespace

// ---- reading

namespace {
// The statements of a ticket's state and view that need only its id (see prefetch_ticket_state
// and prefetch_ticket_view).
constexpr const char* kFindTicketSql = "SELECT " ORDERLY_TICKET_COLUMNS
                                       " FROM tickets t JOIN users u ON u.id = t.creator_id "
                                       "WHERE t.id = ?1";
constexpr const char* kActivationsSql =
    "SELECT id, node_key, CASE WHEN state = 'active' THEN 1 ELSE 0 END, node_name, node_type, "
    "entered_at FROM ticket_nodes WHERE ticket_id = ?1 AND state IN ('active', 'done') ORDER BY id";
constexpr const char* kAssigneesSql =
    "SELECT a.user_id, a.node_id, a.state, a.assigned_at, u.username, u.display_name "
    "FROM ticket_assignees a LEFT JOIN users u ON u.id = a.user_id WHERE a.ticket_id = ?1";
constexpr const char* kStepsSql =
    "SELECT s.id, s.node_key, s.node_name, s.action, u.username, u.display_name, s.comment, "
    "s.fields, s.detail, s.at FROM ticket_steps s LEFT JOIN users u ON u.id = s.actor_id "
    "WHERE s.ticket_id = ?1 ORDER BY s.id";
}  // namespace

void prefetch_ticket_state(Connection& c, int64_t id) {
    for (const char* sql : {kFindTicketSql, kActivationsSql, kAssigneesSql})
        c.prepare(sql).bind(1, id).send();
}

void prefetch_ticket_view(Connection& c, int64_t id) {
    for (const char* sql : {kActivationsSql, kAssigneesSql, kStepsSql})
        c.prepare(sql).bind(1, id).send();
    send_ticket_executions(c, id);
}

void lock_ticket(Connection& c, int64_t id) {
    const std::string lock = c.dialect().lock_rows();
    if (lock.empty()) return;
    auto s = c.prepare("SELECT id FROM tickets WHERE id = ?1" + lock);
    s.bind(1, id);
    s.step();
}

std::optional<Ticket> find_ticket(Connection& c, int64_t id) {
    auto s = c.prepare(kFindTicketSql);
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return ticket_from(s);
}

std::optional<Ticket> find_ticket(Connection& c, int64_t id, domain::TicketNames& names) {
    // The names come with the ticket, and so does the service's directory (one statement); its
    // parents one statement each: the hot path of a ticket read asks for them on every request.
    std::optional<int64_t> dir;
    std::optional<Ticket> t;
    names.catalog_path.clear();
    {
        auto s = c.prepare("SELECT " ORDERLY_TICKET_COLUMNS
                           ", sv.name, sv.catalog_id, tp.name, e.name, e.protected, cd.id, "
                           "cd.name, cd.parent_id FROM tickets t JOIN users u ON u.id = "
                           "t.creator_id LEFT JOIN services sv ON sv.id = t.service_id AND "
                           "sv.deleted = 0 LEFT JOIN templates tp ON tp.id = t.template_id "
                           "LEFT JOIN environments e ON e.key = t.environment "
                           "LEFT JOIN catalog_dirs cd ON cd.id = sv.catalog_id WHERE t.id = ?1");
        s.bind(1, id);
        if (!s.step()) return std::nullopt;
        t = ticket_from(s);
        names.service_name = s.opt_text(22);
        names.template_name = s.opt_text(24);
        names.environment_name = s.opt_text(25);
        names.environment_protected = s.opt_int64(26).value_or(0) != 0;
        // Column 27 is NULL without a service or when its directory is gone.
        if (s.opt_int64(23) && s.opt_int64(27)) {
            names.catalog_path.push_back(s.text(28));
            dir = s.opt_int64(29);
        }
    }
    // The parents: 64 directories at most, as a guard against a cycle.
    auto s = c.prepare("SELECT name, parent_id FROM catalog_dirs WHERE id = ?1");
    for (int depth = 1; dir && depth < 64; ++depth) {
        s.bind(1, *dir);
        if (!s.step()) break;
        names.catalog_path.push_back(s.text(0));
        dir = s.opt_int64(1);
        s.reset();
    }
    std::reverse(names.catalog_path.begin(), names.catalog_path.end());
    return t;
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

// Two statements: the ticket's activations (the active one and the visited nodes), then every
// assignee it ever had (who may see it, and who acts on the active node) with their names.
TicketProgress ticket_progress(Connection& c, const Ticket& t) {
    TicketProgress out;
    domain::TicketState& st = out.state;
    st.creator_id = t.creator_id;
    st.status = t.status;
    st.fields = t.fields;
    {
        auto s = c.prepare(kActivationsSql);
        s.bind(1, t.id);
        while (s.step()) {
            std::string k = s.text(1);
            if (s.integer(2)) {
                NodeView n;
                n.activation_id = s.int64(0);
                n.key = k;
                n.name = s.text(3);
                n.type = s.text(4);
                n.entered_at = s.int64(5);
                out.node = std::move(n);
                domain::ActiveNode a;
                a.id = s.int64(0);
                a.node_key = std::move(k);
                st.active = std::move(a);
            } else if (std::find(st.visited.begin(), st.visited.end(), k) == st.visited.end()) {
                st.visited.push_back(std::move(k));
            }
        }
    }
    std::vector<std::pair<std::pair<TimeMs, int64_t>, AssigneeView>> shown;  // (assigned_at, user)
    {
        auto s = c.prepare(kAssigneesSql);
        s.bind(1, t.id);
        while (s.step()) {
            const int64_t user = s.int64(0);
            st.operators_ever.insert(user);
            if (st.active && s.int64(1) == st.active->id) {
                std::string state = s.text(2);
                auto parsed = domain::parse_assignee_state(state);
                st.active->assignees.push_back({user, parsed.value_or(AssigneeState::closed)});
                shown.push_back(
                    {{s.int64(3), user}, {user, s.text(4), s.text(5), std::move(state)}});
            }
        }
    }
    // Sorted here: an ORDER BY would cost SQLite a temporary b-tree per call. The engine takes
    // the assignees in user order, a reader in the order they were assigned.
    if (st.active)
        std::sort(st.active->assignees.begin(), st.active->assignees.end(),
                  [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
    if (out.node) {
        std::sort(shown.begin(), shown.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& a : shown) out.node->assignees.push_back(std::move(a.second));
    }
    return out;
}

domain::TicketState load_ticket_state(Connection& c, const Ticket& t) {
    return ticket_progress(c, t).state;
}

bool can_read_ticket(Connection& c, const Ticket& t, int64_t user_id, bool read_all) {
    if (read_all || t.creator_id == user_id) return true;
    auto s =
        c.prepare("SELECT 1 FROM ticket_assignees WHERE ticket_id = ?1 AND user_id = ?2 LIMIT 1");
    s.bind(1, t.id).bind(2, user_id);
    return s.step();
}

std::vector<StepView> ticket_steps(Connection& c, int64_t ticket_id) {
    auto s = c.prepare(kStepsSql);
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

// ---- the ticket engine's repositories

std::optional<Ticket> SqlTicketRepository::find(int64_t id) {
    return find_ticket(c_, id);
}

domain::TicketState SqlTicketRepository::state_of(const Ticket& t) {
    return load_ticket_state(c_, t);
}

std::string SqlTicketRepository::next_serial(const std::string& prefix, TimeMs now) {
    return storage::next_serial(c_, prefix, now);
}

int64_t SqlTicketRepository::insert(const Ticket& t) {
    auto ins = c_.prepare(
        "INSERT INTO tickets (sn, title, status, service_id, template_id, workflow_version_id, "
        "business, environment, purpose, creator_id, fields, variables, template_snapshot, "
        "created_at, updated_at, planned_start, planned_end) VALUES (?1, ?2, 'in_progress', ?3, "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15) RETURNING id");
    ins.bind(1, t.sn).bind(2, t.title).bind(3, t.service_id).bind(4, t.template_id);
    ins.bind(5, t.workflow_version_id).bind(6, t.business).bind(7, t.environment);
    ins.bind(8, t.purpose).bind(9, t.creator_id).bind(10, domain::field_values_json(t.fields));
    ins.bind(11, t.variables_json).bind(12, t.template_snapshot).bind(13, t.created_at);
    ins.bind(14, t.window ? std::optional(t.window->start) : std::nullopt);
    ins.bind(15, t.window ? std::optional(t.window->end) : std::nullopt);
    return inserted_id(std::move(ins));
}

// At most one activation of a ticket is active (a unique index): a concurrent change that
// entered a node first makes this insert do nothing, and the caller answers 409.
std::optional<int64_t> SqlTicketRepository::open_activation(const domain::NewActivation& a) {
    auto ins = c_.prepare(
        "INSERT INTO ticket_nodes (ticket_id, node_key, node_name, node_type, state, entered_at, "
        "left_at, remind_every_ms, remind_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT DO NOTHING RETURNING id");
    ins.bind(1, a.ticket_id).bind(2, a.node_key).bind(3, a.node_name);
    ins.bind(4, domain::to_string(a.node_type)).bind(5, a.done ? "done" : "active");
    ins.bind(6, a.at).bind(7, a.done ? std::optional<TimeMs>(a.at) : std::nullopt);
    ins.bind(8, a.remind_every_ms).bind(9, a.remind_at);
    return returned_id(std::move(ins));
}

void SqlTicketRepository::add_assignee(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                                       AssigneeState state, TimeMs at) {
    auto a = c_.prepare(
        "INSERT INTO ticket_assignees (node_id, user_id, ticket_id, state, assigned_at, acted_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    a.bind(1, activation_id).bind(2, user_id).bind(3, ticket_id).bind(4, domain::to_string(state));
    a.bind(5, at).bind(6, state == AssigneeState::pending ? std::nullopt : std::optional(at));
    a.exec();
}

void SqlTicketRepository::assign_pending(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                                         TimeMs at) {
    auto u = c_.prepare(
        "INSERT INTO ticket_assignees (node_id, user_id, ticket_id, state, assigned_at) "
        "VALUES (?1, ?2, ?3, 'pending', ?4) ON CONFLICT (node_id, user_id) DO UPDATE SET "
        "state = 'pending', assigned_at = ?4, acted_at = NULL");
    u.bind(1, activation_id).bind(2, user_id).bind(3, ticket_id).bind(4, at).exec();
}

bool SqlTicketRepository::decide_assignee(int64_t activation_id, int64_t user_id,
                                          AssigneeState state, TimeMs at) {
    auto u = c_.prepare(
        "UPDATE ticket_assignees SET state = ?3, acted_at = ?4 WHERE node_id = ?1 AND "
        "user_id = ?2 AND state = 'pending'");
    u.bind(1, activation_id).bind(2, user_id).bind(3, domain::to_string(state)).bind(4, at);
    u.exec();
    return c_.changes() == 1;
}

bool SqlTicketRepository::close_activation(int64_t activation_id, const std::string& state,
                                           TimeMs at) {
    auto u = c_.prepare(
        "UPDATE ticket_nodes SET state = ?2, left_at = ?3, remind_at = NULL "
        "WHERE id = ?1 AND state = 'active'");
    u.bind(1, activation_id).bind(2, state).bind(3, at).exec();
    if (c_.changes() != 1) return false;
    auto a = c_.prepare(
        "UPDATE ticket_assignees SET state = 'closed' WHERE node_id = ?1 AND state = 'pending'");
    a.bind(1, activation_id).exec();
    return true;
}

void SqlTicketRepository::save_fields(const Ticket& t) {
    auto u = c_.prepare("UPDATE tickets SET fields = ?2 WHERE id = ?1");
    u.bind(1, t.id).bind(2, domain::field_values_json(t.fields)).exec();
    index(t);
}

// The ticket row's state is written once per change, at its end: the status (finished_at set
// when it became terminal), updated_at, the version bump that changes the ticket's ETag, and
// when the window scheduler next has something to do with it (domain::window_due).
void SqlTicketRepository::save_status(const Ticket& t, TimeMs now, bool bump_version) {
    auto u = c_.prepare(
        "UPDATE tickets SET status = ?2, updated_at = ?3, "
        "finished_at = CASE WHEN CAST(?4 AS BIGINT) = 1 THEN coalesce(finished_at, ?3) ELSE NULL "
        "END, "
        "version = version + ?5, run_at = ?6 WHERE id = ?1");
    u.bind(1, t.id).bind(2, domain::to_string(t.status)).bind(3, now);
    u.bind(4, domain::is_terminal(t.status)).bind(5, bump_version ? 1 : 0);
    u.bind(6, domain::window_due(t.status, t.window)).exec();
}

void SqlTicketRepository::add_step(const domain::NewStep& st) {
    auto s = c_.prepare(
        "INSERT INTO ticket_steps (ticket_id, node_key, node_name, action, actor_id, comment, "
        "fields, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, st.ticket_id).bind(2, st.node_key).bind(3, st.node_name).bind(4, st.action);
    s.bind(5, st.actor_id).bind(6, st.comment).bind(7, st.fields_json).bind(8, st.detail_json);
    s.bind(9, st.at).exec();
}

void SqlTicketRepository::index(const Ticket& t) {
    index_ticket(c_, t.id, t.sn, t.title, t.fields);
}

std::vector<domain::DueReminder> SqlTicketRepository::due_reminders(TimeMs now, int limit) {
    auto s = c_.prepare(
        "SELECT id, ticket_id, remind_every_ms, node_name FROM ticket_nodes "
        "WHERE state = 'active' AND remind_at IS NOT NULL AND remind_at <= ?1 "
        "ORDER BY remind_at LIMIT ?2");
    s.bind(1, now).bind(2, static_cast<int64_t>(limit));
    std::vector<domain::DueReminder> due;
    while (s.step()) due.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3)});
    return due;
}

std::vector<int64_t> SqlTicketRepository::pending_operators(int64_t activation_id) {
    auto s =
        c_.prepare("SELECT user_id FROM ticket_assignees WHERE node_id = ?1 AND state = 'pending'");
    s.bind(1, activation_id);
    std::vector<int64_t> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
}

void SqlTicketRepository::set_remind_at(int64_t activation_id, TimeMs at) {
    auto u = c_.prepare("UPDATE ticket_nodes SET remind_at = ?2 WHERE id = ?1");
    u.bind(1, activation_id).bind(2, at).exec();
}

std::optional<domain::User> SqlPeople::user(int64_t id) {
    return find_user(c_, id);
}
std::optional<domain::User> SqlPeople::user_named(const std::string& username) {
    return find_user_by_name(c_, username);
}
std::vector<int64_t> SqlPeople::with_role(const std::string& role) {
    return users_with_role(c_, role);
}
std::vector<int64_t> SqlPeople::business_role_members(const std::string& business,
                                                      const std::string& role) {
    return storage::business_role_members(c_, business, role);
}

bool SqlPeople::may_read(const domain::Ticket& t, int64_t user_id) {
    const auto perms = permissions_of(c_, user_id);
    const bool read_all =
        domain::holds(perms, "ticket.read_all") || domain::holds(perms, "audit.read");
    return can_read_ticket(c_, t, user_id, read_all);
}

std::shared_ptr<const domain::WorkflowVersion> SqlWorkflowVersions::version(int64_t version_id) {
    return cached_version(c_, version_id);
}

void SqlOutbox::ticket_event(const domain::TicketEvent& ev, const domain::NoticeSettings& notices,
                             TimeMs now) {
    enqueue_ticket_event(c_, notices, ev, now);
}

void SqlAuditTrail::append(const domain::AuditEvent& e) {
    append_audit(c_, e);
}

TicketFlow ticket_flow(Connection& c, const Ticket& t) {
    SqlWorkflowVersions versions(c);
    return domain::ticket_flow(versions, t);
}

}  // namespace orderly::storage
