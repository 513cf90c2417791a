#include "domain/accounts.h"

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
        {"audit.read", "Read every execution, its log and every audit event"},
        {"notification.manage", "See notification deliveries and retry them; manage webhooks"},
    };
    return perms;
}

bool is_known_permission(std::string_view name) {
    for (const auto& p : all_permissions())
        if (p.name == name) return true;
    return false;
}

}  // namespace orderly::domain
