#include "domain/accounts.h"

#include "core/codes.h"

namespace orderly::domain {

const std::vector<PermissionInfo>& all_permissions() {
    static const std::vector<PermissionInfo> perms = {
        {"admin", "Everything, including every permission below"},
        {"user.manage", "Manage users, roles and businesses"},
        {"catalog.manage",
         "Manage environments, purposes, the config center, variables, task templates, services "
         "and the service catalog"},
        {"workflow.manage", "Design, deploy and retire workflows"},
        {"config.read", "Read config center values, secrets in clear (for scripts)"},
        {"variables.register", "Register a variable's option list (PUT /variables/{name}/options)"},
        {"ticket.submit", "Submit tickets"},
        {"ticket.read_all", "See every ticket (the \"all\" view)"},
        {"change.emergency",
         "Execute a ticket before its change window opens (an emergency, audited with a reason)"},
        {"audit.read", "Read every execution, its log and every audit event"},
        {"notification.manage", "See notification deliveries and retry them; manage webhooks"},
        {"change.freeze", "Manage freeze windows (periods when changes may not run)"},
    };
    return perms;
}

bool is_known_permission(std::string_view name) {
    for (const auto& p : all_permissions())
        if (p.name == name) return true;
    return false;
}

bool holds(const PermissionSet& perms, std::string_view perm) {
    return perms.count("admin") > 0 || perms.count(std::string(perm)) > 0;
}

std::vector<std::string> not_held(const PermissionSet& actor, const PermissionSet& needed) {
    std::vector<std::string> out;
    if (needed.count("admin") && !holds(actor, "admin")) out.emplace_back("admin");
    for (const auto& p : needed)
        if (p != "admin" && !holds(actor, p)) out.push_back(p);
    return out;
}

namespace {
std::string quoted_list(const std::vector<std::string>& perms) {
    std::string out;
    for (size_t i = 0; i < perms.size(); ++i) out += (i ? ", \"" : "\"") + perms[i] + "\"";
    return out;
}
Error lacks(const std::vector<std::string>& missing, const std::string& what) {
    std::string list;
    for (size_t i = 0; i < missing.size(); ++i) list += (i ? ", " : "") + missing[i];
    return Error::Forbidden(what + " needs the permission " + quoted_list(missing) +
                            ", which you do not hold")
        .with(codes::permission_not_held, {{"permissions", list}});
}
}  // namespace

Result<void> check_user_change(const PermissionSet& actor, const UserChange& change) {
    for (const auto& role : change.granted_roles) {
        auto missing =
            not_held(actor, PermissionSet(role.permissions.begin(), role.permissions.end()));
        if (!missing.empty()) return lacks(missing, "granting the role \"" + role.key + "\"");
    }
    const bool target_admin = change.target_permissions.count("admin") > 0;
    if (target_admin && !holds(actor, "admin")) {
        if (change.password_change) return lacks({"admin"}, "setting an admin's password");
        if (change.roles_change) return lacks({"admin"}, "changing an admin's roles");
        if (change.active_change)
            return lacks({"admin"}, "disabling, enabling or deleting an admin");
    }
    if (change.password_change) {
        auto missing = not_held(actor, change.target_permissions);
        if (!missing.empty()) return lacks(missing, "setting the password of this user");
    }
    return {};
}

Result<void> check_role_change(const PermissionSet& actor, const std::vector<std::string>& before,
                               const std::vector<std::string>& after) {
    const PermissionSet b(before.begin(), before.end()), a(after.begin(), after.end());
    PermissionSet changed;
    for (const auto& p : a)
        if (!b.count(p)) changed.insert(p);
    for (const auto& p : b)
        if (!a.count(p)) changed.insert(p);
    auto missing = not_held(actor, changed);
    if (!missing.empty())
        return lacks(missing, "putting a permission into a role or taking it out");
    return {};
}

Result<void> check_admin_remains(int64_t admins_before, int64_t admins_after) {
    if (admins_before > 0 && admins_after <= 0)
        return Error::Conflict(
                   "this would leave no enabled user holding \"admin\"; make someone else an admin "
                   "first")
            .with(codes::user_last_admin);
    return {};
}

std::optional<std::string> email_problem(std::string_view email) {
    if (email.size() > kMaxEmailBytes)
        return "is longer than " + std::to_string(kMaxEmailBytes) + " bytes";
    for (size_t i = 0; i < email.size(); ++i) {
        const auto ch = static_cast<unsigned char>(email[i]);
        // C0 controls, space and DEL; C1 controls are U+0080..U+009F, "\xC2\x80".."\xC2\x9F".
        const bool c1 = ch == 0xC2 && i + 1 < email.size() &&
                        (static_cast<unsigned char>(email[i + 1]) & 0xE0) == 0x80;
        if (ch <= 0x20 || ch == 0x7F || c1) return "must not contain spaces or control characters";
    }
    const auto at = email.find('@');
    if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos)
        return "must contain exactly one \"@\"";
    if (at == 0) return "needs a name before the \"@\"";
    if (at + 1 == email.size()) return "needs a domain after the \"@\"";
    return std::nullopt;
}

}  // namespace orderly::domain
