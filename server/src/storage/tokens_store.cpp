// SQL for tokens (sessions and API tokens) and login throttling.
#include <algorithm>

#include "storage/accounts_store.h"

namespace orderly::storage {

// ---- tokens

int64_t insert_token(Connection& c, int64_t user_id, const std::string& kind,
                     const std::string& name, const std::string& hash, const std::string& prefix,
                     TimeMs now, std::optional<TimeMs> expires_at) {
    auto s = c.prepare(
        "INSERT INTO tokens (user_id, kind, name, token_hash, prefix, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    s.bind(1, user_id)
        .bind(2, kind)
        .bind(3, name)
        .bind(4, hash)
        .bind(5, prefix)
        .bind(6, now)
        .bind(7, expires_at);
    return inserted_id(std::move(s));
}

std::optional<TokenRecord> find_token(Connection& c, const std::string& hash) {
    auto s = c.prepare(
        "SELECT t.id, t.user_id, t.kind, t.expires_at, t.last_used_at, t.revoked_at, u.disabled "
        "FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1");
    s.bind(1, hash);
    if (!s.step()) return std::nullopt;
    return TokenRecord{s.int64(0),     s.int64(1),     s.text(2),        s.opt_int64(3),
                       s.opt_int64(4), s.opt_int64(5), s.integer(6) != 0};
}

std::optional<TokenCheck> check_token(Connection& c, const std::string& hash) {
    auto s = c.prepare(
        "SELECT t.id, t.user_id, t.kind, t.expires_at, t.last_used_at, t.revoked_at, u.disabled, "
        "(SELECT value FROM authz_generation WHERE id = 1) "
        "FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1");
    s.bind(1, hash);
    if (!s.step()) return std::nullopt;
    return TokenCheck{TokenRecord{s.int64(0), s.int64(1), s.text(2), s.opt_int64(3), s.opt_int64(4),
                                  s.opt_int64(5), s.integer(6) != 0},
                      s.int64(7)};
}

// One statement: the user's row (kind 0), then a row per role (1) and per permission (2).
std::optional<UserAuthz> load_user_authz(Connection& c, int64_t user_id) {
    auto s = c.prepare(
        "SELECT 0, username, display_name FROM users WHERE id = ?1 "
        "UNION ALL SELECT 1, role_key, '' FROM user_roles WHERE user_id = ?1 "
        "UNION ALL SELECT DISTINCT 2, rp.permission, '' FROM user_roles ur "
        "JOIN role_permissions rp ON rp.role_key = ur.role_key WHERE ur.user_id = ?1");
    s.bind(1, user_id);
    UserAuthz a;
    bool found = false;
    while (s.step()) {
        switch (s.int64(0)) {
            case 0:
                found = true;
                a.username = s.text(1);
                a.display_name = s.text(2);
                break;
            case 1:
                a.roles.push_back(s.text(1));
                break;
            default:
                a.permissions.insert(s.text(1));
        }
    }
    if (!found) return std::nullopt;
    std::sort(a.roles.begin(), a.roles.end());  // by byte, whatever the engine's collation
    return a;
}

bool revoke_token(Connection& c, int64_t token_id, int64_t user_id, TimeMs now) {
    auto s = c.prepare(
        "UPDATE tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL");
    s.bind(1, token_id).bind(2, user_id).bind(3, now).exec();
    return c.changes() > 0;
}

void revoke_user_tokens(Connection& c, int64_t user_id, TimeMs now) {
    auto s =
        c.prepare("UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL");
    s.bind(1, user_id).bind(2, now).exec();
}

int revoke_user_sessions(Connection& c, int64_t user_id, TimeMs now, int64_t keep) {
    auto s = c.prepare(
        "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND kind = 'session' AND "
        "revoked_at IS NULL AND id != ?3");
    s.bind(1, user_id).bind(2, now).bind(3, keep).exec();
    return c.changes();
}

std::vector<domain::ApiToken> list_api_tokens(Connection& c, int64_t user_id) {
    auto s = c.prepare(
        "SELECT id, name, prefix, created_at, expires_at, last_used_at FROM tokens "
        "WHERE user_id = ?1 AND kind = 'api' AND revoked_at IS NULL ORDER BY id");
    s.bind(1, user_id);
    std::vector<domain::ApiToken> out;
    while (s.step())
        out.push_back(
            {s.int64(0), s.text(1), s.text(2), s.int64(3), s.opt_int64(4), s.opt_int64(5)});
    return out;
}

std::optional<domain::ApiToken> find_api_token(Connection& c, int64_t id, int64_t user_id) {
    auto s = c.prepare(
        "SELECT id, name, prefix, created_at, expires_at, last_used_at FROM tokens "
        "WHERE id = ?1 AND user_id = ?2 AND kind = 'api' AND revoked_at IS NULL");
    s.bind(1, id).bind(2, user_id);
    if (!s.step()) return std::nullopt;
    return domain::ApiToken{s.int64(0), s.text(1),      s.text(2),
                            s.int64(3), s.opt_int64(4), s.opt_int64(5)};
}

void touch_token(Connection& c, int64_t token_id, TimeMs now) {
    auto s = c.prepare("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1");
    s.bind(1, token_id).bind(2, now).exec();
}

// ---- login throttling

int count_login_failures(Connection& c, const std::string& username, const std::string& address,
                         TimeMs since, bool by_address, TimeMs* oldest) {
    auto s =
        by_address
            ? c.prepare(
                  "SELECT count(*), min(at) FROM login_failures WHERE address = ?1 AND at >= ?2")
            : c.prepare(
                  "SELECT count(*), min(at) FROM login_failures WHERE username = ?1 AND at >= ?2 "
                  "AND address = ?3");
    s.bind(1, by_address ? address : username).bind(2, since);
    if (!by_address) s.bind(3, address);
    s.step();
    if (oldest) *oldest = s.is_null(1) ? 0 : s.int64(1);
    return s.integer(0);
}

void record_login_failure(Connection& c, const std::string& username, const std::string& address,
                          TimeMs now) {
    auto s = c.prepare("INSERT INTO login_failures (username, address, at) VALUES (?1, ?2, ?3)");
    s.bind(1, username).bind(2, address).bind(3, now).exec();
}

void take_login_turn(Connection& c, const std::string& address, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO login_turns (address, at) VALUES (?1, ?2) "
        "ON CONFLICT (address) DO UPDATE SET at = excluded.at");
    s.bind(1, address).bind(2, now).exec();
}

void clear_login_failures(Connection& c, const std::string& username, const std::string& address,
                          TimeMs older_than) {
    auto s =
        c.prepare("DELETE FROM login_failures WHERE (username = ?1 AND address = ?3) OR at < ?2");
    s.bind(1, username).bind(2, older_than).bind(3, address).exec();
    c.prepare("DELETE FROM login_turns WHERE at < ?1").bind(1, older_than).exec();
}

}  // namespace orderly::storage
