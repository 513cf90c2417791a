#pragma once
// Who calls a use case: the authenticated principal (null before sign-in), and where the request
// came from, for permission checks and the audit log. The HTTP layer builds one per request
// (http::caller); background workers act as the system (no principal).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace orderly::storage {
class Connection;
}

namespace orderly::app {

struct Principal {
    int64_t user_id = 0;
    std::string username;
    std::string display_name;
    int64_t token_id = 0;
    bool api_token = false;
    std::vector<std::string> roles;
    std::set<std::string> permissions;
    // admin holds every permission.
    bool can(std::string_view perm) const {
        return permissions.count("admin") > 0 || permissions.count(std::string(perm)) > 0;
    }
};

struct Caller {
    const Principal* principal = nullptr;  // null: not signed in, or the system
    std::string_view address;              // peer IP
    std::string_view request_id;

    bool can(std::string_view perm) const { return principal && principal->can(perm); }
    int64_t user_id() const { return principal ? principal->user_id : 0; }
    std::string username() const { return principal ? principal->username : std::string(); }
};

// Appends an audit event for the caller (actor, address, request id) inside the caller's write
// transaction: the event commits or rolls back with the change it records.
void audit(storage::Connection& c, const Caller& who, TimeMs now, std::string action,
           std::string object_type, std::string object_id, std::string summary,
           std::optional<std::string> before = std::nullopt,
           std::optional<std::string> after = std::nullopt);

}  // namespace orderly::app
