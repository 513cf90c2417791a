#pragma once
// SQL for users, roles, tokens, login throttling, businesses and the audit log. Functions take a
// Connection already inside a transaction (Database::write / Database::read). Defined by concern
// in users_store.cpp (users, roles, businesses), tokens_store.cpp (tokens, login throttling) and
// audit_store.cpp.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "domain/accounts.h"
#include "storage/sql.h"

namespace orderly::storage {

// ---- users
std::optional<domain::User> find_user(Connection& c, int64_t id);
std::optional<domain::User> find_user_by_name(Connection& c, const std::string& username);
struct Credentials {
    int64_t user_id;
    std::string password_hash;
    bool disabled;
};
std::optional<Credentials> find_credentials(Connection& c, const std::string& username);
std::optional<std::string> password_hash_of(Connection& c, int64_t user_id);
// 409 when the username is taken.
Result<int64_t> insert_user(Connection& c, const domain::User& u, const std::string& password_hash);
// 422 naming an unknown role.
Result<void> set_user_roles(Connection& c, int64_t user_id, const std::vector<std::string>& roles);
// Writes the profile fields and bumps the version.
void update_user(Connection& c, const domain::User& u, TimeMs now);
void set_password_hash(Connection& c, int64_t user_id, const std::string& hash, TimeMs now);
std::vector<domain::User> list_users(Connection& c, const std::optional<std::string>& q,
                                     int64_t after_id, int limit);
// Sends permissions_of's statement ahead of its use (see Stmt::send).
void send_permissions_of(Connection& c, int64_t user_id);
std::set<std::string> permissions_of(Connection& c, int64_t user_id);
std::vector<std::string> roles_of(Connection& c, int64_t user_id);
int64_t count_users(Connection& c);
// Enabled users holding the "admin" permission through any of their roles.
int64_t count_active_admins(Connection& c);
// Ids of the enabled users holding a role (globally).
std::vector<int64_t> users_with_role(Connection& c, const std::string& role);

// ---- roles
std::vector<domain::Role> list_roles(Connection& c);
std::optional<domain::Role> find_role(Connection& c, const std::string& key);
Result<void> insert_role(Connection& c, const domain::Role& r, TimeMs now);
void update_role(Connection& c, const domain::Role& r, TimeMs now);
void delete_role(Connection& c, const std::string& key);

// ---- tokens
struct TokenRecord {
    int64_t id = 0;
    int64_t user_id = 0;
    std::string kind;  // "session" | "api"
    std::optional<TimeMs> expires_at;
    std::optional<TimeMs> last_used_at;
    std::optional<TimeMs> revoked_at;
    bool user_disabled = false;
};
int64_t insert_token(Connection& c, int64_t user_id, const std::string& kind,
                     const std::string& name, const std::string& hash, const std::string& prefix,
                     TimeMs now, std::optional<TimeMs> expires_at);
std::optional<TokenRecord> find_token(Connection& c, const std::string& hash);
// The part of authentication that must be read on every request, in one indexed lookup: the
// token's state (revoked, expired, its user disabled) and the authorisation generation, which
// triggers bump whenever a user's name, a user's roles or a role's permissions change. A process
// may keep a user's roles and permissions (load_user_authz) for as long as the generation holds.
struct TokenCheck {
    TokenRecord token;
    int64_t authz_generation = 0;
};
std::optional<TokenCheck> check_token(Connection& c, const std::string& hash);
using UserAuthz = domain::UserAuthz;
std::optional<UserAuthz> load_user_authz(Connection& c, int64_t user_id);
// Returns false when no such live token of that user.
bool revoke_token(Connection& c, int64_t token_id, int64_t user_id, TimeMs now);
void revoke_user_tokens(Connection& c, int64_t user_id, TimeMs now);
// Ends the user's sign-in sessions (not their API tokens) but `keep` (0: none); returns how many.
int revoke_user_sessions(Connection& c, int64_t user_id, TimeMs now, int64_t keep = 0);
std::vector<domain::ApiToken> list_api_tokens(Connection& c, int64_t user_id);
std::optional<domain::ApiToken> find_api_token(Connection& c, int64_t id, int64_t user_id);
void touch_token(Connection& c, int64_t token_id, TimeMs now);

// ---- login throttling (kept in the database so every server process sees it)
// Failures since `since` from an address (by_address), or for a username from that address;
// *oldest = the time of the oldest of them (0 when none).
int count_login_failures(Connection& c, const std::string& username, const std::string& address,
                         TimeMs since, bool by_address, TimeMs* oldest);
void record_login_failure(Connection& c, const std::string& username, const std::string& address,
                          TimeMs now);
// Makes the login attempts from an address take turns: each writes the address's row of
// login_turns, so two concurrent ones conflict and the later runs again (on SQLite, writes take
// turns anyway). Call it first in the transaction that counts the failures.
void take_login_turn(Connection& c, const std::string& address, TimeMs now);
// After a sign-in: forgets that username's failures from that address, and every failure (and
// login turn) older than older_than.
void clear_login_failures(Connection& c, const std::string& username, const std::string& address,
                          TimeMs older_than);

// ---- businesses
std::vector<domain::Business> list_businesses(Connection& c);
// One page by key: up to `limit` businesses whose key sorts after `after_key`.
std::vector<domain::Business> list_businesses(Connection& c, const std::string& after_key,
                                              int limit);
std::optional<domain::Business> find_business(Connection& c, const std::string& key);
Result<void> insert_business(Connection& c, const domain::Business& b, TimeMs now);
void update_business(Connection& c, const domain::Business& b, TimeMs now);
void delete_business(Connection& c, const std::string& key);
// Replaces the members; 422 naming an unknown role or username.
Result<void> set_business_members(Connection& c, const std::string& key,
                                  const std::map<std::string, std::vector<std::string>>& members);
// Ids of the users holding role_key within business key.
std::vector<int64_t> business_role_members(Connection& c, const std::string& business,
                                           const std::string& role);

// ---- audit log
void append_audit(Connection& c, const domain::AuditEvent& e);
using AuditFilter = domain::AuditFilter;
std::vector<domain::AuditEvent> list_audit(Connection& c, const AuditFilter& f);

}  // namespace orderly::storage
