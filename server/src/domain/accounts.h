#pragma once
// Accounts, roles, businesses and audit events as plain values (no storage or HTTP types).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// One entry of the append-only audit log.
struct AuditEvent {
    int64_t id = 0;
    TimeMs at = 0;
    std::optional<std::string> actor;
    std::string action;       // "user.create", "ticket.approve", ...
    std::string object_type;  // "user", "ticket", ...
    std::string object_id;
    std::string summary;
    std::optional<std::string> before_json;  // never secrets or password hashes
    std::optional<std::string> after_json;
    std::string address;
    std::string request_id;
};

struct PermissionInfo {
    std::string_view name;
    std::string_view description;
};

// Every permission Orderly knows. "admin" implies all of them.
const std::vector<PermissionInfo>& all_permissions();
bool is_known_permission(std::string_view name);

// Login throttling: at most this many failures per window, per username and per address.
struct ThrottlePolicy {
    int max_per_user = 5;
    int max_per_address = 20;
    TimeMs window_ms = 15 * 60 * 1000;
};

}  // namespace orderly::domain
