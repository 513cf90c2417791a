// SQL for users, roles and businesses.
#include "storage/accounts_store.h"

#include "core/codes.h"
#include "core/json.h"

namespace orderly::storage {

namespace {

// chat_ids is a JSON object of strings; anything else reads as no ids.
std::map<std::string, std::string> chat_ids_from_json(const std::string& text) {
    std::map<std::string, std::string> out;
    json::Document doc;
    if (text.empty() || !json::parse_untrusted(text, doc) || !doc.IsObject()) return out;
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it)
        if (it->value.IsString())
            out[std::string(it->name.GetString(), it->name.GetStringLength())] =
                std::string(it->value.GetString(), it->value.GetStringLength());
    return out;
}

std::string chat_ids_json(const std::map<std::string, std::string>& ids) {
    json::Writer w;
    w.start_object();
    for (const auto& [platform, id] : ids) w.kv(platform, id);
    w.end_object();
    return w.take();
}

// The columns read_user() reads. A macro, so that statements using it stay string literals.
#define ORDERLY_USER_COLUMNS                                                                 \
    "id, username, display_name, email, disabled, created_at, updated_at, version, locale, " \
    "chat_ids, timezone"

constexpr const char* kUserByIdSql = "SELECT " ORDERLY_USER_COLUMNS " FROM users WHERE id = ?1";
constexpr const char* kUserByNameSql =
    "SELECT " ORDERLY_USER_COLUMNS " FROM users WHERE username = ?1";

constexpr const char* kRolesSql =
    "SELECT role_key FROM user_roles WHERE user_id = ?1 ORDER BY role_key";
constexpr const char* kRolesByNameSql =
    "SELECT r.role_key FROM user_roles r JOIN users u ON u.id = r.user_id "
    "WHERE u.username = ?1 ORDER BY r.role_key";
constexpr const char* kPermissionsSql =
    "SELECT DISTINCT rp.permission FROM user_roles ur JOIN role_permissions rp "
    "ON rp.role_key = ur.role_key WHERE ur.user_id = ?1";

std::vector<std::string> read_roles(Stmt& s) {
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

domain::User read_user(Stmt& s) {
    domain::User u;
    u.id = s.int64(0);
    u.username = s.text(1);
    u.display_name = s.text(2);
    u.email = s.opt_text(3);
    u.disabled = s.integer(4) != 0;
    u.created_at = s.int64(5);
    u.updated_at = s.int64(6);
    u.version = s.int64(7);
    u.locale = s.text(8);
    u.chat_ids = chat_ids_from_json(s.text(9));
    u.timezone = s.opt_text(10);
    return u;
}

// The user's roles are sent ahead of the user's row, so that on PostgreSQL both come back in
// one round trip (see Stmt::send). They are read even when there is no such user: a roles
// result left unread would answer a later read of the same roles in this transaction.
template <typename Key>
std::optional<domain::User> find_user_where(Connection& c, const char* user_sql,
                                            const char* roles_sql, const Key& key) {
    c.prepare(roles_sql).bind(1, key).send();
    auto s = c.prepare(user_sql);
    s.bind(1, key);
    std::optional<domain::User> u;
    if (s.step()) u = read_user(s);
    auto roles = c.prepare(roles_sql);
    roles.bind(1, key);
    auto role_keys = read_roles(roles);
    if (u) u->roles = std::move(role_keys);
    return u;
}

}  // namespace

std::vector<std::string> roles_of(Connection& c, int64_t user_id) {
    auto s = c.prepare(kRolesSql);
    s.bind(1, user_id);
    return read_roles(s);
}

std::optional<domain::User> find_user(Connection& c, int64_t id) {
    return find_user_where(c, kUserByIdSql, kRolesSql, id);
}

std::optional<domain::User> find_user_by_name(Connection& c, const std::string& username) {
    return find_user_where(c, kUserByNameSql, kRolesByNameSql, username);
}

std::optional<Credentials> find_credentials(Connection& c, const std::string& username) {
    auto s = c.prepare("SELECT id, password_hash, disabled FROM users WHERE username = ?1");
    s.bind(1, username);
    if (!s.step()) return std::nullopt;
    return Credentials{s.int64(0), s.text(1), s.integer(2) != 0};
}

std::optional<std::string> password_hash_of(Connection& c, int64_t user_id) {
    auto s = c.prepare("SELECT password_hash FROM users WHERE id = ?1");
    s.bind(1, user_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

Result<int64_t> insert_user(Connection& c, const domain::User& u,
                            const std::string& password_hash) {
    auto s = c.prepare(
        "INSERT INTO users (username, display_name, email, password_hash, disabled, created_at, "
        "updated_at, locale, chat_ids, timezone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9) "
        "ON CONFLICT DO NOTHING "
        "RETURNING id");
    s.bind(1, u.username)
        .bind(2, u.display_name)
        .bind(3, u.email)
        .bind(4, password_hash)
        .bind(5, u.disabled)
        .bind(6, u.created_at)
        .bind(7, u.locale)
        .bind(8, chat_ids_json(u.chat_ids))
        .bind(9, u.timezone);
    if (auto id = returned_id(std::move(s))) return *id;
    return Error::Conflict("the username \"" + u.username + "\" is already taken")
        .with(codes::user_username_taken, {{"username", u.username}});
}

Result<void> set_user_roles(Connection& c, int64_t user_id, const std::vector<std::string>& roles) {
    for (const auto& r : roles)
        if (!find_role(c, r))
            return Error::UnprocessableField("roles", "no role with key \"" + r + "\"",
                                             codes::role_unknown, {{"key", r}});
    auto del = c.prepare("DELETE FROM user_roles WHERE user_id = ?1");
    del.bind(1, user_id).exec();
    for (const auto& r : roles) {
        auto ins = c.prepare(
            "INSERT INTO user_roles (user_id, role_key) VALUES (?1, ?2) "
            "ON CONFLICT DO NOTHING");
        ins.bind(1, user_id).bind(2, r).exec();
    }
    return {};
}

void update_user(Connection& c, const domain::User& u, TimeMs now) {
    auto s = c.prepare(
        "UPDATE users SET display_name = ?2, email = ?3, disabled = ?4, updated_at = ?5, "
        "locale = ?6, chat_ids = ?7, timezone = ?8, version = version + 1 WHERE id = ?1");
    s.bind(1, u.id)
        .bind(2, u.display_name)
        .bind(3, u.email)
        .bind(4, u.disabled)
        .bind(5, now)
        .bind(6, u.locale)
        .bind(7, chat_ids_json(u.chat_ids))
        .bind(8, u.timezone)
        .exec();
}

void set_password_hash(Connection& c, int64_t user_id, const std::string& hash, TimeMs now) {
    auto s = c.prepare(
        "UPDATE users SET password_hash = ?2, updated_at = ?3, version = version + 1 WHERE id = "
        "?1");
    s.bind(1, user_id).bind(2, hash).bind(3, now).exec();
}

std::vector<domain::User> list_users(Connection& c, const std::optional<std::string>& q,
                                     int64_t after_id, int limit) {
    std::vector<domain::User> out;
    if (q && !q->empty()) {
        auto s = c.prepare(
            "SELECT " ORDERLY_USER_COLUMNS
            " FROM users WHERE id > ?1 AND (lower(username) LIKE lower(?2) ESCAPE '\\' OR "
            "lower(display_name) LIKE lower(?2) ESCAPE '\\' OR "
            "lower(email) LIKE lower(?2) ESCAPE '\\') "
            "ORDER BY id LIMIT ?3");
        s.bind(1, after_id).bind(2, like_anywhere(*q)).bind(3, limit);
        while (s.step()) out.push_back(read_user(s));
    } else {
        auto s = c.prepare("SELECT " ORDERLY_USER_COLUMNS
                           " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2");
        s.bind(1, after_id).bind(2, limit);
        while (s.step()) out.push_back(read_user(s));
    }
    for (auto& u : out) u.roles = roles_of(c, u.id);
    return out;
}

void send_permissions_of(Connection& c, int64_t user_id) {
    c.prepare(kPermissionsSql).bind(1, user_id).send();
}

std::set<std::string> permissions_of(Connection& c, int64_t user_id) {
    auto s = c.prepare(kPermissionsSql);
    s.bind(1, user_id);
    std::set<std::string> out;
    while (s.step()) out.insert(s.text(0));
    return out;
}

int64_t count_users(Connection& c) {
    auto s = c.prepare("SELECT count(*) FROM users");
    s.step();
    return s.int64(0);
}

int64_t count_active_admins(Connection& c) {
    auto s = c.prepare(
        "SELECT count(DISTINCT u.id) FROM users u JOIN user_roles ur ON ur.user_id = u.id "
        "JOIN role_permissions rp ON rp.role_key = ur.role_key "
        "WHERE u.disabled = 0 AND rp.permission = 'admin'");
    s.step();
    return s.int64(0);
}

std::vector<int64_t> users_with_role(Connection& c, const std::string& role) {
    auto s = c.prepare(
        "SELECT u.id FROM user_roles ur JOIN users u ON u.id = ur.user_id "
        "WHERE ur.role_key = ?1 AND u.disabled = 0 ORDER BY u.id");
    s.bind(1, role);
    std::vector<int64_t> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
}

// ---- roles

namespace {
std::vector<std::string> role_permissions(Connection& c, const std::string& key) {
    auto s = c.prepare(
        "SELECT permission FROM role_permissions WHERE role_key = ?1 ORDER BY permission");
    s.bind(1, key);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}
void write_role_permissions(Connection& c, const domain::Role& r) {
    auto del = c.prepare("DELETE FROM role_permissions WHERE role_key = ?1");
    del.bind(1, r.key).exec();
    for (const auto& p : r.permissions) {
        auto ins = c.prepare(
            "INSERT INTO role_permissions (role_key, permission) VALUES (?1, ?2) "
            "ON CONFLICT DO NOTHING");
        ins.bind(1, r.key).bind(2, p).exec();
    }
}
}  // namespace

std::vector<domain::Role> list_roles(Connection& c) {
    auto s = c.prepare("SELECT key, name, builtin, version FROM roles ORDER BY builtin DESC, key");
    std::vector<domain::Role> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), {}, s.integer(2) != 0, s.int64(3)});
    for (auto& r : out) r.permissions = role_permissions(c, r.key);
    return out;
}

std::optional<domain::Role> find_role(Connection& c, const std::string& key) {
    auto s = c.prepare("SELECT key, name, builtin, version FROM roles WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    domain::Role r{s.text(0), s.text(1), {}, s.integer(2) != 0, s.int64(3)};
    r.permissions = role_permissions(c, r.key);
    return r;
}

Result<void> insert_role(Connection& c, const domain::Role& r, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO roles (key, name, builtin, created_at, updated_at) VALUES (?1, ?2, 0, ?3, "
        "?3) ON CONFLICT DO NOTHING");
    s.bind(1, r.key).bind(2, r.name).bind(3, now).exec();
    if (c.changes() == 0)
        return Error::Conflict("a role with key \"" + r.key + "\" already exists")
            .with(codes::role_key_exists, {{"key", r.key}});
    write_role_permissions(c, r);
    return {};
}

void update_role(Connection& c, const domain::Role& r, TimeMs now) {
    auto s = c.prepare(
        "UPDATE roles SET name = ?2, updated_at = ?3, version = version + 1 WHERE key = ?1");
    s.bind(1, r.key).bind(2, r.name).bind(3, now).exec();
    write_role_permissions(c, r);
}

void delete_role(Connection& c, const std::string& key) {
    auto s = c.prepare("DELETE FROM roles WHERE key = ?1");
    s.bind(1, key).exec();
}

// ---- businesses

namespace {
std::map<std::string, std::vector<std::string>> members_of(Connection& c, const std::string& key) {
    auto s = c.prepare(
        "SELECT m.role_key, u.username FROM business_members m JOIN users u ON u.id = m.user_id "
        "WHERE m.business_key = ?1 ORDER BY m.role_key, u.username");
    s.bind(1, key);
    std::map<std::string, std::vector<std::string>> out;
    while (s.step()) out[s.text(0)].push_back(s.text(1));
    return out;
}
}  // namespace

std::vector<domain::Business> list_businesses(Connection& c) {
    auto s = c.prepare(
        "SELECT key, name, description, created_at, updated_at, version FROM businesses ORDER BY "
        "key");
    std::vector<domain::Business> out;
    while (s.step())
        out.push_back({s.text(0), s.text(1), s.text(2), {}, s.int64(3), s.int64(4), s.int64(5)});
    for (auto& b : out) b.members = members_of(c, b.key);
    return out;
}

std::vector<domain::Business> list_businesses(Connection& c, const std::string& after_key,
                                              int limit) {
    auto s = c.prepare(
        "SELECT key, name, description, created_at, updated_at, version FROM businesses WHERE key "
        "> ?1 ORDER BY key LIMIT ?2");
    s.bind(1, after_key).bind(2, static_cast<int64_t>(limit));
    std::vector<domain::Business> out;
    while (s.step())
        out.push_back({s.text(0), s.text(1), s.text(2), {}, s.int64(3), s.int64(4), s.int64(5)});
    for (auto& b : out) b.members = members_of(c, b.key);
    return out;
}

std::optional<domain::Business> find_business(Connection& c, const std::string& key) {
    auto s = c.prepare(
        "SELECT key, name, description, created_at, updated_at, version FROM businesses WHERE key "
        "= ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    domain::Business b{s.text(0), s.text(1), s.text(2), {}, s.int64(3), s.int64(4), s.int64(5)};
    b.members = members_of(c, b.key);
    return b;
}

Result<void> insert_business(Connection& c, const domain::Business& b, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO businesses (key, name, description, created_at, updated_at) VALUES (?1, ?2, "
        "?3, ?4, ?4) ON CONFLICT DO NOTHING");
    s.bind(1, b.key).bind(2, b.name).bind(3, b.description).bind(4, now).exec();
    if (c.changes() == 0)
        return Error::Conflict("a business with key \"" + b.key + "\" already exists")
            .with(codes::business_key_exists, {{"key", b.key}});
    return {};
}

void update_business(Connection& c, const domain::Business& b, TimeMs now) {
    auto s = c.prepare(
        "UPDATE businesses SET name = ?2, description = ?3, updated_at = ?4, version = version + 1 "
        "WHERE key = ?1");
    s.bind(1, b.key).bind(2, b.name).bind(3, b.description).bind(4, now).exec();
}

void delete_business(Connection& c, const std::string& key) {
    auto s = c.prepare("DELETE FROM businesses WHERE key = ?1");
    s.bind(1, key).exec();
}

Result<void> set_business_members(Connection& c, const std::string& key,
                                  const std::map<std::string, std::vector<std::string>>& members) {
    std::vector<std::pair<std::string, int64_t>> rows;
    for (const auto& [role, names] : members) {
        if (!find_role(c, role))
            return Error::UnprocessableField("members." + role, "no role with key \"" + role + "\"",
                                             codes::role_unknown, {{"key", role}});
        for (const auto& n : names) {
            auto cr = find_credentials(c, n);
            if (!cr)
                return Error::UnprocessableField("members." + role, "no user named \"" + n + "\"",
                                                 codes::user_unknown, {{"username", n}});
            rows.emplace_back(role, cr->user_id);
        }
    }
    auto del = c.prepare("DELETE FROM business_members WHERE business_key = ?1");
    del.bind(1, key).exec();
    for (const auto& [role, uid] : rows) {
        auto ins = c.prepare(
            "INSERT INTO business_members (business_key, role_key, user_id) VALUES (?1, ?2, ?3) "
            "ON CONFLICT DO NOTHING");
        ins.bind(1, key).bind(2, role).bind(3, uid).exec();
    }
    return {};
}

std::vector<int64_t> business_role_members(Connection& c, const std::string& business,
                                           const std::string& role) {
    auto s = c.prepare(
        "SELECT m.user_id FROM business_members m JOIN users u ON u.id = m.user_id "
        "WHERE m.business_key = ?1 AND m.role_key = ?2 AND u.disabled = 0 ORDER BY m.user_id");
    s.bind(1, business).bind(2, role);
    std::vector<int64_t> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
}

}  // namespace orderly::storage
