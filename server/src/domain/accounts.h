#pragma once
// Accounts, roles, businesses and audit events as plain values (no storage or HTTP types).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace orderly::domain {

struct User {
    int64_t id = 0;
    std::string username;
    std::string display_name;
    std::optional<std::string> email;
    std::vector<std::string> roles;
    bool disabled = false;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
    std::string locale = "zh-CN";  // the language of the user's emails: "zh-CN" or "en"
    // The IANA time zone the user's emails write times in; nullopt = the server's
    // (ORDERLY_TIMEZONE).
    std::optional<std::string> timezone;
    // Ids on chat platforms ("wecom", "dingtalk", "feishu", "slack") to @-mention the user.
    std::map<std::string, std::string> chat_ids;
};

struct Role {
    std::string key;
    std::string name;
    std::vector<std::string> permissions;
    bool builtin = false;
    int64_t version = 1;
};

struct Business {
    std::string key;
    std::string name;
    std::string description;
    std::map<std::string, std::vector<std::string>> members;  // role key -> usernames
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
};

struct ApiToken {
    int64_t id = 0;
    std::string name;
    std::string prefix;
    TimeMs created_at = 0;
    std::optional<TimeMs> expires_at;
    std::optional<TimeMs> last_used_at;
};

// A user's name, roles and permissions: what authentication attaches to every request.
struct UserAuthz {
    std::string username;
    std::string display_name;
    std::vector<std::string> roles;
    std::set<std::string> permissions;
};

// One entry of the append-only audit log.
struct AuditEvent {
    int64_t id = 0;
    TimeMs at = 0;
    std::optional<std::string> actor;
    std::optional<std::string> actor_name;  // the actor's display name, when it has one
    std::string action;                     // "user.create", "ticket.approve", ...
    std::string object_type;                // "user", "ticket", ...
    std::string object_id;
    std::string summary;
    std::optional<std::string> before_json;  // never secrets or password hashes
    std::optional<std::string> after_json;
    std::string address;
    std::string request_id;
};

// Which audit events to list: newest first, filtered by the fields that are set.
struct AuditFilter {
    std::optional<std::string> actor, action, object_type, object_id;
    std::optional<TimeMs> from, to;
    int64_t before_id = 0;  // cursor: newest first, ids below this
    int limit = 50;
};

struct PermissionInfo {
    std::string_view name;
    std::string_view description;
};

// Every permission Orderly knows. "admin" implies all of them.
const std::vector<PermissionInfo>& all_permissions();
bool is_known_permission(std::string_view name);

// ---- Who may change accounts: nobody grants what they do not hold.
// Each check answers 403 naming the permission the actor lacks, or 409 for the last admin. The
// handlers gather the facts (inside the write transaction) and call these; the rule lives here.
using PermissionSet = std::set<std::string>;

// True when perms hold perm, directly or through "admin".
bool holds(const PermissionSet& perms, std::string_view perm);
// Every permission of `needed` that `actor` does not hold, "admin" first.
std::vector<std::string> not_held(const PermissionSet& actor, const PermissionSet& needed);

// A change to a user account, as the rules need to see it.
struct UserChange {
    PermissionSet target_permissions;  // what the user holds before the change (empty: new user)
    std::vector<Role> granted_roles;   // roles the user gains (with their permissions)
    bool roles_change = false;         // the role list changes at all
    bool password_change = false;      // someone else sets the user's password
    bool active_change = false;        // disabled flag flips, or the user is deleted
};
// - Granting a role needs every permission of that role.
// - Changing an admin's roles, password or active flag, or deleting an admin, needs "admin".
// - Setting another user's password hands over everything they hold, so it needs every
//   permission they hold.
Result<void> check_user_change(const PermissionSet& actor, const UserChange& change);

// Creating, changing or deleting a role: every permission put into it or taken out of it must be
// held by the actor (so only an admin adds "admin" to a role, or removes it).
Result<void> check_role_change(const PermissionSet& actor, const std::vector<std::string>& before,
                               const std::vector<std::string>& after);

// The last enabled holder of "admin" cannot be disabled, deleted or demoted: 409 when a change
// takes the number of enabled admins from at least one to none.
Result<void> check_admin_remains(int64_t admins_before, int64_t admins_after);

// ---- Email addresses (users create/patch, /me): exactly one "@", non-empty local and domain
// parts, no spaces or control characters, at most 254 bytes. Returns what is wrong, or nullopt.
inline constexpr size_t kMaxEmailBytes = 254;
std::optional<std::string> email_problem(std::string_view email);

// Login throttling, per client address (an IPv6 client's /64): within a window, at most
// max_per_address failures from an address, and at most max_per_account failures for one username
// from an address. Past either, that address gets 429 (for every username, or for that username)
// until the window has moved on. Failures never lock the account itself: its owner signs in from
// any other address, so an anonymous client cannot lock anyone out.
struct ThrottlePolicy {
    int max_per_account = 5;
    int max_per_address = 20;
    TimeMs window_ms = 15 * 60 * 1000;
};

}  // namespace orderly::domain
