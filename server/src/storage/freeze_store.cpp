#include "storage/freeze_store.h"

#include <map>

namespace orderly::storage {

namespace {

constexpr const char* kFreezeCols =
    "id, name, reason, kind, start_at, end_at, rrule, duration_s, timezone, created_at, "
    "updated_at, version";

domain::FreezeWindow read_freeze(Stmt& s) {
    domain::FreezeWindow w;
    w.id = s.int64(0);
    w.name = s.text(1);
    w.reason = s.text(2);
    w.kind = domain::parse_freeze_kind(s.text(3)).value_or(domain::FreezeKind::hard);
    w.start = s.opt_int64(4);
    w.end = s.opt_int64(5);
    if (auto rule = s.opt_text(6))
        w.recurrence =
            domain::FreezeRecurrence{*rule, s.opt_int64(7).value_or(0), s.opt_text(8).value_or("")};
    w.created_at = s.int64(9);
    w.updated_at = s.int64(10);
    w.version = s.int64(11);
    return w;
}

void set_environments(Connection& c, int64_t id, const std::vector<std::string>& keys) {
    auto d = c.prepare("DELETE FROM freeze_window_environments WHERE freeze_id = ?1");
    d.bind(1, id);
    d.exec();
    for (const auto& key : keys) {
        auto s = c.prepare(
            "INSERT INTO freeze_window_environments (freeze_id, environment_key) VALUES (?1, ?2) "
            "ON CONFLICT DO NOTHING");
        s.bind(1, id).bind(2, key);
        s.exec();
    }
}

// ?2..?9: the window's members.
void bind_members(Stmt& s, const domain::FreezeWindow& w) {
    const auto& rule = w.recurrence;
    s.bind(2, w.name).bind(3, w.reason).bind(4, domain::to_string(w.kind));
    s.bind(5, w.start).bind(6, w.end);
    if (rule) {
        s.bind(7, rule->rrule).bind(8, rule->duration_s).bind(9, rule->timezone);
    } else {
        s.bind_null(7).bind_null(8).bind_null(9);
    }
}

}  // namespace

std::vector<domain::FreezeWindow> list_freeze_windows(Connection& c) {
    auto s = c.prepare(std::string("SELECT ") + kFreezeCols + " FROM freeze_windows ORDER BY id");
    std::vector<domain::FreezeWindow> out;
    while (s.step()) out.push_back(read_freeze(s));
    std::map<int64_t, domain::FreezeWindow*> by_id;
    for (auto& w : out) by_id[w.id] = &w;
    auto e = c.prepare(
        "SELECT freeze_id, environment_key FROM freeze_window_environments "
        "ORDER BY freeze_id, environment_key");
    while (e.step())
        if (auto it = by_id.find(e.int64(0)); it != by_id.end())
            it->second->environments.push_back(e.text(1));
    return out;
}

std::optional<domain::FreezeWindow> find_freeze_window(Connection& c, int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + kFreezeCols + " FROM freeze_windows WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    auto w = read_freeze(s);
    auto e = c.prepare(
        "SELECT environment_key FROM freeze_window_environments WHERE freeze_id = ?1 "
        "ORDER BY environment_key");
    e.bind(1, id);
    while (e.step()) w.environments.push_back(e.text(0));
    return w;
}

int64_t insert_freeze_window(Connection& c, const domain::FreezeWindow& w, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO freeze_windows (name, reason, kind, start_at, end_at, rrule, duration_s, "
        "timezone, created_at, updated_at) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?1, ?1) "
        "RETURNING id");
    s.bind(1, now);
    bind_members(s, w);
    const int64_t id = inserted_id(std::move(s));
    set_environments(c, id, w.environments);
    return id;
}

void update_freeze_window(Connection& c, const domain::FreezeWindow& w, TimeMs now) {
    auto s = c.prepare(
        "UPDATE freeze_windows SET name = ?2, reason = ?3, kind = ?4, start_at = ?5, end_at = ?6, "
        "rrule = ?7, duration_s = ?8, timezone = ?9, updated_at = ?10, version = version + 1 "
        "WHERE id = ?1");
    s.bind(1, w.id);
    bind_members(s, w);
    s.bind(10, now);
    s.exec();
    set_environments(c, w.id, w.environments);
}

void delete_freeze_window(Connection& c, int64_t id) {
    auto s = c.prepare("DELETE FROM freeze_windows WHERE id = ?1");
    s.bind(1, id);
    s.exec();
}

}  // namespace orderly::storage
