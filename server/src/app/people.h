#pragma once
// Accounts: users, roles and businesses. Each change runs in one write transaction with its
// permission rules (domain::check_user_change, check_role_change, check_admin_remains) and its
// audit event.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/time.h"
#include "domain/accounts.h"

namespace orderly::storage {
class Database;
class Connection;
}  // namespace orderly::storage

namespace orderly::app {

using Members = std::map<std::string, std::vector<std::string>>;  // role key -> usernames

// A new user: the profile and the password in clear.
struct NewUser {
    domain::User user;
    std::string password;
};

// A change to a user's profile; unset fields stay as they are. Every change carries the If-Match
// value it was sent with, checked where the use case reaches the version (app/version_check.h).
struct ProfilePatch {
    std::optional<std::string> if_match;
    std::optional<std::string> display_name;
    bool clear_email = false;          // "email": null
    std::optional<std::string> email;  // "" clears it too
    std::optional<std::string> locale;
    // The IANA time zone of the user's emails; "" or "timezone": null = the server's. 422
    // user.timezone_unknown for a zone the system does not know.
    std::optional<std::optional<std::string>> timezone;
    // The user's ids on chat platforms; given = replaces them all.
    std::optional<std::map<std::string, std::string>> chat_ids;
};

// A change to a user by someone who manages users.
struct UserPatch {
    ProfilePatch profile;
    std::optional<bool> disabled;
    std::optional<std::vector<std::string>> roles;
    std::optional<std::string> password;  // someone else's new password, in clear
};

// The caller's own account as /me shows it: the profile and every permission its roles give.
struct Me {
    domain::User user;
    domain::PermissionSet permissions;
};

// A change to the caller's own profile. A new password needs the current one.
struct MePatch {
    ProfilePatch profile;
    std::optional<std::string> password;
    std::optional<std::string> current_password;
};

struct RolePatch {
    std::optional<std::string> if_match;
    std::optional<std::string> name;
    std::optional<std::vector<std::string>> permissions;
};

struct BusinessPatch {
    std::optional<std::string> if_match;
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<Members> members;  // replaces every member when set
};

// Role lists, permission lists and member lists may hold duplicates: they are sorted and made
// unique here.
class People {
  public:
    People(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    // ---- users (404 user_not_found for an unknown id)
    // One page by id: up to `limit` users after `after_id`, matching q when set.
    std::vector<domain::User> list_users(const std::optional<std::string>& q, int64_t after_id,
                                         int limit);
    domain::User user(int64_t id);
    domain::User create_user(const Caller& who, NewUser input);
    domain::User update_user(const Caller& who, int64_t id, const UserPatch& patch);
    // Disables the user and revokes their sessions and tokens; nobody deletes themselves.
    void delete_user(const Caller& who, int64_t id, const std::optional<std::string>& if_match);

    // ---- the caller's own profile (404 user_not_found when the account is gone)
    Me me(const Caller& who);
    // 422 auth_current_password_required / auth_current_password_wrong on "current_password".
    Me update_me(const Caller& who, const MePatch& patch);

    // ---- roles (404 role_not_found for an unknown key; built-in roles do not change)
    std::vector<domain::Role> list_roles();
    domain::Role role(const std::string& key);
    domain::Role create_role(const Caller& who, domain::Role role);
    domain::Role update_role(const Caller& who, const std::string& key, const RolePatch& patch);
    void delete_role(const Caller& who, const std::string& key,
                     const std::optional<std::string>& if_match);

    // ---- businesses (404 business_not_found for an unknown key)
    // One page by key: up to `limit` businesses whose key sorts after `after_key`.
    std::vector<domain::Business> list_businesses(const std::string& after_key, int limit);
    domain::Business business(const std::string& key);
    domain::Business create_business(const Caller& who, domain::Business b, const Members& members);
    domain::Business update_business(const Caller& who, const std::string& key,
                                     const BusinessPatch& patch);
    void delete_business(const Caller& who, const std::string& key,
                         const std::optional<std::string>& if_match);

  private:
    storage::Database& db_;
    const Clock& clock_;
};

}  // namespace orderly::app
