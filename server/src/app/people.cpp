#include "app/people.h"

#include <algorithm>

#include "app/time_zones.h"
#include "app/version_check.h"
#include "core/codes.h"
#include "domain/accounts_json.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/database.h"

namespace orderly::app {

namespace {

std::vector<std::string> unique_strings(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

Members unique_members(Members members) {
    for (auto& [role, names] : members) names = unique_strings(std::move(names));
    return members;
}

void check_permissions(const std::vector<std::string>& perms) {
    for (const auto& p : perms)
        if (!domain::is_known_permission(p))
            fail(Error::UnprocessableField(
                "permissions", "unknown permission \"" + p + "\" (see GET /api/v1/permissions)",
                codes::permission_unknown, {{"permission", p}}));
}

const domain::PermissionSet& permissions_of(const Caller& who) {
    static const domain::PermissionSet none;
    return who.principal ? who.principal->permissions : none;
}

domain::User load_user(storage::Connection& c, int64_t id) {
    auto u = storage::find_user(c, id);
    if (!u)
        fail(Error::NotFound("no user with id " + std::to_string(id))
                 .with(codes::user_not_found, {{"id", id}}));
    return *u;
}

domain::Role load_role(storage::Connection& c, const std::string& key) {
    auto r = storage::find_role(c, key);
    if (!r)
        fail(Error::NotFound("no role with key \"" + key + "\"")
                 .with(codes::role_not_found, {{"key", key}}));
    return *r;
}

// A role that changes: 404 when unknown, 409 when built in, 409 when the caller's version is
// stale (in that order).
domain::Role load_changeable_role(storage::Connection& c, const std::string& key,
                                  const std::optional<std::string>& if_match, const char* verb) {
    auto r = load_role(c, key);
    if (r.builtin)
        fail(Error::Conflict("the built-in role \"" + key + "\" cannot be " + verb)
                 .with(codes::role_builtin, {{"key", key}}));
    check_version(if_match, r.version, "role " + key);
    return r;
}

domain::Business load_business(storage::Connection& c, const std::string& key) {
    auto b = storage::find_business(c, key);
    if (!b)
        fail(Error::NotFound("no business with key \"" + key + "\"")
                 .with(codes::business_not_found, {{"key", key}}));
    return *b;
}

// The roles of `after` that are not in `before`, with their permissions. Unknown keys are left
// out here; set_user_roles answers 422 naming them.
std::vector<domain::Role> granted_roles(storage::Connection& c,
                                        const std::vector<std::string>& before,
                                        const std::vector<std::string>& after) {
    std::vector<domain::Role> out;
    for (const auto& key : after) {
        if (std::find(before.begin(), before.end(), key) != before.end()) continue;
        if (auto r = storage::find_role(c, key)) out.push_back(std::move(*r));
    }
    return out;
}

// The user, their roles and permissions: one round trip on PostgreSQL.
Me load_me(storage::Connection& c, int64_t user_id) {
    storage::send_permissions_of(c, user_id);
    auto u = storage::find_user(c, user_id);
    if (!u) fail(Error::NotFound("no such user").with(codes::user_not_found));
    return Me{std::move(*u), storage::permissions_of(c, user_id)};
}

void apply_profile(domain::User& u, const ProfilePatch& patch) {
    if (patch.timezone) check_timezone(*patch.timezone, "timezone", codes::user_timezone_unknown);
    if (patch.display_name) u.display_name = *patch.display_name;
    if (patch.clear_email)
        u.email.reset();
    else if (patch.email)
        u.email = patch.email->empty() ? std::nullopt : patch.email;
    if (patch.locale) u.locale = *patch.locale;
    if (patch.timezone)
        u.timezone =
            *patch.timezone && !(*patch.timezone)->empty() ? *patch.timezone : std::nullopt;
    if (patch.chat_ids) u.chat_ids = *patch.chat_ids;
}

// The session or API token the caller signed this request with (0 for none).
int64_t token_of(const Caller& who) {
    return who.principal ? who.principal->token_id : 0;
}

}  // namespace

// ---- users

std::vector<domain::User> People::list_users(const std::optional<std::string>& q, int64_t after_id,
                                             int limit) {
    return db_.read(
        [&](storage::Connection& c) { return storage::list_users(c, q, after_id, limit); });
}

domain::User People::user(int64_t id) {
    return db_.read([&](storage::Connection& c) { return load_user(c, id); });
}

domain::User People::create_user(const Caller& who, NewUser input) {
    domain::User& u = input.user;
    if (u.email && u.email->empty()) u.email.reset();
    check_timezone(u.timezone, "timezone", codes::user_timezone_unknown);
    if (u.timezone && u.timezone->empty()) u.timezone.reset();
    u.roles = unique_strings(std::move(u.roles));
    const std::string hash = crypto::hash_password(input.password);
    const TimeMs now = clock_.now_ms();
    u.created_at = u.updated_at = now;
    return db_.write([&](storage::Connection& c) {
        domain::UserChange change;
        change.granted_roles = granted_roles(c, {}, u.roles);
        change.roles_change = !u.roles.empty();
        unwrap(domain::check_user_change(permissions_of(who), change));
        int64_t id = unwrap(storage::insert_user(c, u, hash));
        unwrap(storage::set_user_roles(c, id, u.roles));
        auto created = load_user(c, id);
        audit(c, who, now, "user.create", "user", std::to_string(id), "created user " + u.username,
              std::nullopt, domain::user_json(created));
        return created;
    });
}

domain::User People::update_user(const Caller& who, int64_t id, const UserPatch& patch) {
    std::optional<std::string> hash;
    if (patch.password) hash = crypto::hash_password(*patch.password);
    std::optional<std::vector<std::string>> roles;
    if (patch.roles) roles = unique_strings(*patch.roles);
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto u = load_user(c, id);
        check_version(patch.profile.if_match, u.version, "user " + u.username);
        auto before = domain::user_json(u);
        apply_profile(u, patch.profile);
        const bool was_disabled = u.disabled;
        if (patch.disabled) u.disabled = *patch.disabled;
        const bool disables = u.disabled && !was_disabled;
        if (disables && who.user_id() == id)
            fail(Error::Conflict("you cannot disable yourself")
                     .with(codes::user_cannot_disable_self));
        domain::UserChange change;
        change.target_permissions = storage::permissions_of(c, id);
        if (roles) {
            change.granted_roles = granted_roles(c, u.roles, *roles);
            change.roles_change = unique_strings(u.roles) != *roles;
        }
        change.password_change = hash.has_value();
        change.active_change = u.disabled != was_disabled;
        unwrap(domain::check_user_change(permissions_of(who), change));
        const int64_t admins_before = storage::count_active_admins(c);
        if (roles) unwrap(storage::set_user_roles(c, id, *roles));
        storage::update_user(c, u, now);
        if (hash) storage::set_password_hash(c, id, *hash, now);
        // A disabled user's sessions and tokens stop working at once, in every process. A new
        // password ends the user's sessions (whoever knew the old one is signed out), but the
        // caller's own when they reset their own password here; API tokens are credentials of
        // their own and stay.
        if (disables)
            storage::revoke_user_tokens(c, id, now);
        else if (hash)
            storage::revoke_user_sessions(c, id, now, who.user_id() == id ? token_of(who) : 0);
        unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
        auto after = load_user(c, id);
        audit(c, who, now, "user.update", "user", std::to_string(id),
              "updated user " + u.username + (hash ? " (password reset)" : ""), before,
              domain::user_json(after));
        return after;
    });
}

void People::delete_user(const Caller& who, int64_t id,
                         const std::optional<std::string>& if_match) {
    if (who.user_id() == id)
        fail(Error::Conflict("you cannot delete yourself").with(codes::user_cannot_delete_self));
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto u = load_user(c, id);
        check_version(if_match, u.version, "user " + u.username);
        auto before = domain::user_json(u);
        domain::UserChange change;
        change.target_permissions = storage::permissions_of(c, id);
        change.active_change = true;
        unwrap(domain::check_user_change(permissions_of(who), change));
        const int64_t admins_before = storage::count_active_admins(c);
        u.disabled = true;
        storage::update_user(c, u, now);
        storage::revoke_user_tokens(c, id, now);
        unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
        audit(c, who, now, "user.delete", "user", std::to_string(id),
              "deactivated user " + u.username, before, domain::user_json(u));
    });
}

// ---- the caller's own profile

Me People::me(const Caller& who) {
    return db_.read([&](storage::Connection& c) { return load_me(c, who.user_id()); });
}

Me People::update_me(const Caller& who, const MePatch& patch) {
    const int64_t user_id = who.user_id();
    std::optional<std::string> new_hash;
    if (patch.password) {
        if (!patch.current_password)
            fail(Error::UnprocessableField("current_password", "is required to change the password",
                                           codes::auth_current_password_required));
        auto hash =
            db_.read([&](storage::Connection& c) { return storage::password_hash_of(c, user_id); });
        if (!hash || !crypto::verify_password(*hash, *patch.current_password))
            fail(Error::UnprocessableField("current_password", "is not your current password",
                                           codes::auth_current_password_wrong));
        new_hash = crypto::hash_password(*patch.password);
    }
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto u = storage::find_user(c, user_id);
        if (!u) fail(Error::NotFound("no such user").with(codes::user_not_found));
        check_version(patch.profile.if_match, u->version, "your profile");
        auto before = domain::user_json(*u);
        apply_profile(*u, patch.profile);
        storage::update_user(c, *u, now);
        int ended = 0;
        if (new_hash) {
            storage::set_password_hash(c, u->id, *new_hash, now);
            // Every other session of theirs ends; the one that changed it goes on.
            ended = storage::revoke_user_sessions(c, u->id, now, token_of(who));
        }
        audit(c, who, now, "user.update_self", "user", std::to_string(u->id),
              u->username + " updated their profile" +
                  (new_hash
                       ? " and password (" + std::to_string(ended) + " other session(s) signed out)"
                       : ""),
              before, domain::user_json(*u));
        return load_me(c, user_id);
    });
}

// ---- roles

std::vector<domain::Role> People::list_roles() {
    return db_.read([&](storage::Connection& c) { return storage::list_roles(c); });
}

domain::Role People::role(const std::string& key) {
    auto r = db_.read([&](storage::Connection& c) { return storage::find_role(c, key); });
    if (!r)
        fail(Error::NotFound("no role with key \"" + key + "\"")
                 .with(codes::role_not_found, {{"key", key}}));
    return *r;
}

domain::Role People::create_role(const Caller& who, domain::Role r) {
    r.permissions = unique_strings(std::move(r.permissions));
    check_permissions(r.permissions);
    unwrap(domain::check_role_change(permissions_of(who), {}, r.permissions));
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        unwrap(storage::insert_role(c, r, now));
        auto created = *storage::find_role(c, r.key);
        audit(c, who, now, "role.create", "role", r.key, "created role " + r.key, std::nullopt,
              domain::role_json(created));
        return created;
    });
}

domain::Role People::update_role(const Caller& who, const std::string& key,
                                 const RolePatch& patch) {
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto r = load_changeable_role(c, key, patch.if_match, "changed");
        auto before = domain::role_json(r);
        if (patch.name) r.name = *patch.name;
        if (patch.permissions) {
            auto perms = unique_strings(*patch.permissions);
            check_permissions(perms);
            unwrap(domain::check_role_change(permissions_of(who), r.permissions, perms));
            r.permissions = std::move(perms);
        }
        const int64_t admins_before = storage::count_active_admins(c);
        storage::update_role(c, r, now);
        unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
        auto after = *storage::find_role(c, key);
        audit(c, who, now, "role.update", "role", key, "updated role " + key, before,
              domain::role_json(after));
        return after;
    });
}

void People::delete_role(const Caller& who, const std::string& key,
                         const std::optional<std::string>& if_match) {
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto r = load_changeable_role(c, key, if_match, "deleted");
        unwrap(domain::check_role_change(permissions_of(who), r.permissions, {}));
        const int64_t admins_before = storage::count_active_admins(c);
        storage::delete_role(c, key);
        unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
        audit(c, who, now, "role.delete", "role", key, "deleted role " + key, domain::role_json(r));
    });
}

// ---- businesses

std::vector<domain::Business> People::list_businesses(const std::string& after_key, int limit) {
    return db_.read(
        [&](storage::Connection& c) { return storage::list_businesses(c, after_key, limit); });
}

domain::Business People::business(const std::string& key) {
    return db_.read([&](storage::Connection& c) { return load_business(c, key); });
}

domain::Business People::create_business(const Caller& who, domain::Business b,
                                         const Members& members) {
    const Members unique = unique_members(members);
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        unwrap(storage::insert_business(c, b, now));
        unwrap(storage::set_business_members(c, b.key, unique));
        auto created = *storage::find_business(c, b.key);
        audit(c, who, now, "business.create", "business", b.key, "created business " + b.key,
              std::nullopt, domain::business_json(created));
        return created;
    });
}

domain::Business People::update_business(const Caller& who, const std::string& key,
                                         const BusinessPatch& patch) {
    std::optional<Members> members;
    if (patch.members) members = unique_members(*patch.members);
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto b = load_business(c, key);
        check_version(patch.if_match, b.version, "business " + key);
        auto before = domain::business_json(b);
        if (patch.name) b.name = *patch.name;
        if (patch.description) b.description = *patch.description;
        storage::update_business(c, b, now);
        if (members) unwrap(storage::set_business_members(c, key, *members));
        auto after = *storage::find_business(c, key);
        audit(c, who, now, "business.update", "business", key, "updated business " + key, before,
              domain::business_json(after));
        return after;
    });
}

void People::delete_business(const Caller& who, const std::string& key,
                             const std::optional<std::string>& if_match) {
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto b = load_business(c, key);
        check_version(if_match, b.version, "business " + key);
        storage::delete_business(c, key);
        audit(c, who, now, "business.delete", "business", key, "deleted business " + key,
              domain::business_json(b));
    });
}

}  // namespace orderly::app
