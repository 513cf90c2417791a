// The config center: entries and their revisions. Secret values arrive sealed and leave sealed
// (app/config_secrets.h encrypts and decrypts them): no clear secret passes through here.
#include <cstdint>

#include "storage/catalog_store.h"

namespace orderly::storage {

namespace {

void bind_value(Stmt& s, int clear_col, int sealed_col, const StoredValue& v) {
    s.bind(clear_col, v.clear);
    if (v.sealed)
        s.bind_blob(sealed_col, v.sealed->data(), v.sealed->size());
    else
        s.bind_null(sealed_col);
}

StoredValue read_value(Stmt& s, int clear_col, int sealed_col) {
    StoredValue v;
    if (!s.is_null(clear_col))
        v.clear = s.text(clear_col);
    else if (!s.is_null(sealed_col))
        v.sealed = std::string(s.blob(sealed_col));
    return v;
}

constexpr const char* kConfigCols =
    "env, key, value, value_enc, secret, description, revision, version, created_at, "
    "updated_at, updated_by";

StoredConfigEntry read_config(Stmt& s) {
    StoredConfigEntry row;
    auto& e = row.entry;
    e.env = s.text(0);
    e.key = s.text(1);
    row.value = read_value(s, 2, 3);
    e.secret = s.integer(4) != 0;
    e.description = s.text(5);
    e.revision = s.int64(6);
    e.version = s.int64(7);
    e.created_at = s.int64(8);
    e.updated_at = s.int64(9);
    e.updated_by = s.opt_text(10);
    return row;
}

constexpr const char* kRevisionCols =
    "revision, action, value, value_enc, secret, description, rollback_of, actor, at";

StoredConfigRevision read_revision(Stmt& s) {
    StoredConfigRevision row;
    auto& r = row.revision;
    r.revision = s.int64(0);
    r.action = s.text(1);
    row.value = read_value(s, 2, 3);
    r.secret = s.integer(4) != 0;
    r.description = s.text(5);
    r.rollback_of = s.opt_int64(6);
    r.actor = s.opt_text(7);
    r.at = s.int64(8);
    return row;
}

int64_t next_revision(Connection& c, const std::string& env, const std::string& key) {
    auto s = c.prepare(
        "SELECT coalesce(max(revision), 0) + 1 FROM config_revisions WHERE env = ?1 AND key = ?2");
    s.bind(1, env).bind(2, key);
    s.step();
    return s.int64(0);
}

}  // namespace

std::vector<StoredConfigEntry> list_config(Connection& c, const std::string& env) {
    auto s = c.prepare(std::string("SELECT ") + kConfigCols +
                       " FROM config_entries WHERE env = ?1 ORDER BY key");
    s.bind(1, env);
    std::vector<StoredConfigEntry> out;
    while (s.step()) out.push_back(read_config(s));
    return out;
}

std::optional<StoredConfigEntry> find_config(Connection& c, const std::string& env,
                                             const std::string& key) {
    auto s = c.prepare(std::string("SELECT ") + kConfigCols +
                       " FROM config_entries WHERE env = ?1 AND key = ?2");
    s.bind(1, env).bind(2, key);
    if (!s.step()) return std::nullopt;
    return read_config(s);
}

std::vector<std::string> config_keys(Connection& c, const std::string& env) {
    auto s = c.prepare("SELECT key FROM config_entries WHERE env = ?1 ORDER BY key");
    s.bind(1, env);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

int64_t put_config(Connection& c, const domain::ConfigEntry& e, const StoredValue& entry_value,
                   const StoredValue& revision_value, const std::string& action,
                   std::optional<int64_t> rollback_of, const std::optional<std::string>& actor,
                   TimeMs now) {
    const int64_t rev = next_revision(c, e.env, e.key);
    auto s = c.prepare(
        "INSERT INTO config_entries (env, key, value, value_enc, secret, description, revision, "
        "created_at, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) "
        "ON CONFLICT (env, key) DO UPDATE SET value = excluded.value, value_enc = "
        "excluded.value_enc, secret = excluded.secret, description = excluded.description, "
        "revision = excluded.revision, updated_at = excluded.updated_at, updated_by = "
        "excluded.updated_by, version = config_entries.version + 1");
    s.bind(1, e.env).bind(2, e.key);
    bind_value(s, 3, 4, entry_value);
    s.bind(5, e.secret).bind(6, e.description).bind(7, rev).bind(8, now).bind(9, actor);
    s.exec();

    auto r = c.prepare(
        "INSERT INTO config_revisions (env, key, revision, action, value, value_enc, secret, "
        "description, rollback_of, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11)");
    r.bind(1, e.env).bind(2, e.key).bind(3, rev).bind(4, action);
    bind_value(r, 5, 6, revision_value);
    r.bind(7, e.secret).bind(8, e.description).bind(9, rollback_of).bind(10, actor).bind(11, now);
    r.exec();
    return rev;
}

int64_t delete_config(Connection& c, const std::string& env, const std::string& key,
                      const std::optional<std::string>& actor, TimeMs now) {
    const int64_t rev = next_revision(c, env, key);
    auto d = c.prepare("DELETE FROM config_entries WHERE env = ?1 AND key = ?2");
    d.bind(1, env).bind(2, key).exec();
    auto r = c.prepare(
        "INSERT INTO config_revisions (env, key, revision, action, secret, actor, at) "
        "VALUES (?1, ?2, ?3, 'delete', 0, ?4, ?5)");
    r.bind(1, env).bind(2, key).bind(3, rev).bind(4, actor).bind(5, now).exec();
    return rev;
}

std::vector<StoredConfigRevision> list_config_revisions(Connection& c, const std::string& env,
                                                        const std::string& key,
                                                        int64_t before_revision, int limit) {
    auto s = c.prepare(std::string("SELECT ") + kRevisionCols +
                       " FROM config_revisions WHERE env = ?1 AND key = ?2 AND revision < ?3 "
                       "ORDER BY revision DESC LIMIT ?4");
    s.bind(1, env).bind(2, key);
    s.bind(3, before_revision > 0 ? before_revision : INT64_MAX).bind(4, limit);
    std::vector<StoredConfigRevision> out;
    while (s.step()) out.push_back(read_revision(s));
    return out;
}

std::optional<StoredConfigRevision> find_config_revision(Connection& c, const std::string& env,
                                                         const std::string& key, int64_t revision) {
    auto s = c.prepare(std::string("SELECT ") + kRevisionCols +
                       " FROM config_revisions WHERE env = ?1 AND key = ?2 AND revision = ?3");
    s.bind(1, env).bind(2, key).bind(3, revision);
    if (!s.step()) return std::nullopt;
    return read_revision(s);
}

std::optional<StoredValue> config_value(Connection& c, const std::string& env,
                                        const std::string& key) {
    auto s = c.prepare("SELECT value, value_enc FROM config_entries WHERE env = ?1 AND key = ?2");
    s.bind(1, env).bind(2, key);
    if (!s.step()) return std::nullopt;
    return read_value(s, 0, 1);
}

std::vector<StoredValue> secret_config_values(Connection& c, const std::string& env) {
    auto s = c.prepare(
        "SELECT value, value_enc FROM config_entries WHERE env = ?1 AND secret = 1 ORDER BY key");
    s.bind(1, env);
    std::vector<StoredValue> out;
    while (s.step()) out.push_back(read_value(s, 0, 1));
    return out;
}

}  // namespace orderly::storage
