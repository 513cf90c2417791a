#pragma once
// What the API handlers share: the database, the clock, configuration. main.cpp builds one App
// and registers every group of routes on the Server.
#include <memory>
#include <string>

#include "core/time.h"
#include "http/request.h"
#include "http/server.h"
#include "storage/sqlite.h"

namespace orderly::domain {
struct AuditEvent;
}

namespace orderly::http {

struct AppConfig {
    TimeMs session_ttl_ms = 12LL * 3600 * 1000;
    std::string base_url = "http://127.0.0.1:8080";
};

struct App {
    storage::Database& db;
    const Clock& clock;
    AppConfig config;
    Server* server = nullptr;
};

// Appends an audit event for the current request (actor, address, request id) inside the
// caller's write transaction.
void audit(storage::Connection& c, const Request& req, TimeMs now, std::string action,
           std::string object_type, std::string object_id, std::string summary,
           std::optional<std::string> before = std::nullopt,
           std::optional<std::string> after = std::nullopt);

// Checks an If-Match header against the stored version: 409 when stale.
void check_version(const Request& req, int64_t current_version, const std::string& what);

std::string etag(int64_t version);

void register_system_routes(App& app, Server& s);
void register_auth_routes(App& app, Server& s);
void register_people_routes(App& app, Server& s);
void register_audit_routes(App& app, Server& s);

// The authenticator the server uses for every non-public route.
Authenticator make_authenticator(App& app);

}  // namespace orderly::http
