#include "support/fake_ticket_ports.h"

#include <cstdio>
#include <stdexcept>

namespace orderly::test {

using domain::AssigneeState;

int64_t FakeTicketStore::add_user(const std::string& username, std::vector<std::string> roles) {
    domain::User u;
    u.id = data.next_id++;
    u.username = username;
    u.display_name = username;
    u.roles = roles;
    for (const auto& r : roles) data.roles[r].push_back(u.id);
    data.users[u.id] = u;
    return u.id;
}

void FakeTicketStore::add_business_member(const std::string& business, const std::string& role,
                                          int64_t user_id) {
    data.business[{business, role}].push_back(user_id);
}

int64_t FakeTicketStore::deploy(domain::WorkflowDef def) {
    const int64_t id = data.next_id++;
    auto v = std::make_shared<domain::WorkflowVersion>();
    v->def = std::move(def);
    v->workflow_id = id;
    v->version = 1;
    data.versions[id] = std::move(v);
    return id;
}

std::vector<std::string> FakeTicketStore::step_actions(int64_t ticket_id) const {
    std::vector<std::string> out;
    for (const auto& s : data.steps)
        if (s.ticket_id == ticket_id) out.push_back(s.action);
    return out;
}

std::string FakeTicketStore::active_node(int64_t ticket_id) const {
    for (const auto& a : data.activations)
        if (a.a.ticket_id == ticket_id && a.state == "active") return a.a.node_key;
    return "";
}

std::vector<int64_t> FakeTicketStore::pending(int64_t ticket_id) const {
    std::vector<int64_t> out;
    for (const auto& a : data.activations) {
        if (a.a.ticket_id != ticket_id || a.state != "active") continue;
        for (const auto& s : data.assignees)
            if (s.activation_id == a.id && s.state == AssigneeState::pending)
                out.push_back(s.user_id);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<domain::TicketEvent> FakeTicketStore::events(const std::string& kind) const {
    std::vector<domain::TicketEvent> out;
    for (const auto& e : data.events)
        if (e.event == kind) out.push_back(e);
    return out;
}

FakeTicketData::Activation* FakeTicketStore::activation(int64_t id) {
    for (auto& a : data.activations)
        if (a.id == id) return &a;
    return nullptr;
}

// ---- TicketRepository

std::optional<domain::Ticket> FakeTicketStore::find(int64_t id) {
    auto it = data.tickets.find(id);
    if (it == data.tickets.end()) return std::nullopt;
    domain::Ticket t = it->second;
    if (auto u = user(t.creator_id)) {
        t.creator = u->username;
        t.creator_name = u->display_name;
    }
    return t;
}

domain::TicketState FakeTicketStore::state_of(const domain::Ticket& t) {
    domain::TicketState st;
    st.creator_id = t.creator_id;
    st.status = t.status;
    st.fields = t.fields;
    for (const auto& a : data.activations) {
        if (a.a.ticket_id != t.id) continue;
        if (a.state == "active") {
            st.active = domain::ActiveNode{a.id, a.a.node_key, {}};
        } else if (a.state == "done" && std::find(st.visited.begin(), st.visited.end(),
                                                  a.a.node_key) == st.visited.end()) {
            st.visited.push_back(a.a.node_key);
        }
    }
    for (const auto& s : data.assignees) {
        if (s.ticket_id != t.id) continue;
        st.operators_ever.insert(s.user_id);
        if (st.active && s.activation_id == st.active->id)
            st.active->assignees.push_back({s.user_id, s.state});
    }
    if (st.active)
        std::sort(st.active->assignees.begin(), st.active->assignees.end(),
                  [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
    return st;
}

std::string FakeTicketStore::next_serial(const std::string& prefix, TimeMs now) {
    const std::string date = format_rfc3339(now).substr(0, 10);
    const std::string day = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
    const int64_t n = ++data.counters[prefix + "-" + day];
    char num[32];
    std::snprintf(num, sizeof num, "%04lld", static_cast<long long>(n));
    return prefix + "-" + day + "-" + num;
}

int64_t FakeTicketStore::insert(const domain::Ticket& t) {
    domain::Ticket stored = t;
    stored.id = data.next_id++;
    stored.status = domain::TicketStatus::in_progress;
    stored.version = 1;
    data.tickets[stored.id] = stored;
    return stored.id;
}

std::optional<int64_t> FakeTicketStore::open_activation(const domain::NewActivation& a) {
    if (!a.done)
        for (const auto& x : data.activations)
            if (x.a.ticket_id == a.ticket_id && x.state == "active") return std::nullopt;
    FakeTicketData::Activation row{data.next_id++, a, a.done ? "done" : "active", std::nullopt};
    if (a.done) row.left_at = a.at;
    data.activations.push_back(row);
    return row.id;
}

void FakeTicketStore::add_assignee(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                                   AssigneeState state, TimeMs at) {
    for (const auto& s : data.assignees)
        if (s.activation_id == activation_id && s.user_id == user_id)
            throw std::logic_error("an operator was added twice to one activation");
    data.assignees.push_back({activation_id, ticket_id, user_id, state, at});
}

void FakeTicketStore::assign_pending(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                                     TimeMs at) {
    for (auto& s : data.assignees)
        if (s.activation_id == activation_id && s.user_id == user_id) {
            s.state = AssigneeState::pending;
            s.assigned_at = at;
            return;
        }
    data.assignees.push_back({activation_id, ticket_id, user_id, AssigneeState::pending, at});
}

bool FakeTicketStore::decide_assignee(int64_t activation_id, int64_t user_id, AssigneeState state,
                                      TimeMs) {
    for (auto& s : data.assignees)
        if (s.activation_id == activation_id && s.user_id == user_id &&
            s.state == AssigneeState::pending) {
            s.state = state;
            return true;
        }
    return false;
}

bool FakeTicketStore::close_activation(int64_t activation_id, const std::string& state, TimeMs at) {
    auto* a = activation(activation_id);
    if (!a || a->state != "active") return false;
    a->state = state;
    a->left_at = at;
    a->a.remind_at.reset();
    for (auto& s : data.assignees)
        if (s.activation_id == activation_id && s.state == AssigneeState::pending)
            s.state = AssigneeState::closed;
    return true;
}

void FakeTicketStore::save_fields(const domain::Ticket& t) {
    data.tickets.at(t.id).fields = t.fields;
    index(t);
}

void FakeTicketStore::save_status(const domain::Ticket& t, TimeMs now, bool bump_version) {
    auto& row = data.tickets.at(t.id);
    row.status = t.status;
    row.updated_at = now;
    if (domain::is_terminal(t.status)) {
        if (!row.finished_at) row.finished_at = now;
    } else {
        row.finished_at.reset();
    }
    if (bump_version) ++row.version;
}

void FakeTicketStore::add_step(const domain::NewStep& s) {
    data.steps.push_back(s);
}

void FakeTicketStore::index(const domain::Ticket& t) {
    std::string text = t.sn + "\n" + t.title;
    for (const auto& [k, v] : t.fields) text += "\n" + v.text();
    data.search[t.id] = text;
}

std::vector<domain::DueReminder> FakeTicketStore::due_reminders(TimeMs now, int limit) {
    std::vector<const FakeTicketData::Activation*> due;
    for (const auto& a : data.activations)
        if (a.state == "active" && a.a.remind_at && *a.a.remind_at <= now) due.push_back(&a);
    std::sort(due.begin(), due.end(),
              [](const auto* x, const auto* y) { return *x->a.remind_at < *y->a.remind_at; });
    std::vector<domain::DueReminder> out;
    for (const auto* a : due) {
        if (static_cast<int>(out.size()) == limit) break;
        out.push_back({a->id, a->a.ticket_id, a->a.remind_every_ms.value_or(0), a->a.node_name});
    }
    return out;
}

std::vector<int64_t> FakeTicketStore::pending_operators(int64_t activation_id) {
    std::vector<int64_t> out;
    for (const auto& s : data.assignees)
        if (s.activation_id == activation_id && s.state == AssigneeState::pending)
            out.push_back(s.user_id);
    return out;
}

void FakeTicketStore::set_remind_at(int64_t activation_id, TimeMs at) {
    if (auto* a = activation(activation_id)) a->a.remind_at = at;
}

// ---- People

std::optional<domain::User> FakeTicketStore::user(int64_t id) {
    auto it = data.users.find(id);
    if (it == data.users.end()) return std::nullopt;
    return it->second;
}

std::optional<domain::User> FakeTicketStore::user_named(const std::string& username) {
    for (const auto& [id, u] : data.users)
        if (u.username == username) return u;
    return std::nullopt;
}

std::vector<int64_t> FakeTicketStore::with_role(const std::string& role) {
    std::vector<int64_t> out;
    auto it = data.roles.find(role);
    if (it == data.roles.end()) return out;
    for (int64_t id : it->second)
        if (!data.users.at(id).disabled) out.push_back(id);
    return out;
}

bool FakeTicketStore::may_read(const domain::Ticket&, int64_t user_id) {
    return data.users.count(user_id) > 0;
}

std::vector<int64_t> FakeTicketStore::business_role_members(const std::string& business,
                                                            const std::string& role) {
    std::vector<int64_t> out;
    auto it = data.business.find({business, role});
    if (it == data.business.end()) return out;
    for (int64_t id : it->second)
        if (!data.users.at(id).disabled) out.push_back(id);
    return out;
}

// ---- WorkflowVersions, Outbox, AuditTrail

std::shared_ptr<const domain::WorkflowVersion> FakeTicketStore::version(int64_t version_id) {
    auto it = data.versions.find(version_id);
    return it == data.versions.end() ? nullptr : it->second;
}

void FakeTicketStore::ticket_event(const domain::TicketEvent& ev, const domain::NoticeSettings&,
                                   TimeMs) {
    data.events.push_back(ev);
}

void FakeTicketStore::append(const domain::AuditEvent& e) {
    data.audit.push_back(e);
}

}  // namespace orderly::test
