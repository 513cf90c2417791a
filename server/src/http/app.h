#pragma once
// What the API handlers share: the database, the clock, configuration. main.cpp builds one App
// and registers every group of routes on the Server.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "app/catalog.h"
#include "app/config_center.h"
#include "app/services.h"
#include "app/submitter.h"
#include "app/ticket_engine.h"
#include "app/variables.h"
#include "core/time.h"
#include "http/request.h"
#include "http/server.h"
#include "storage/database.h"

namespace orderly::domain {
struct AuditEvent;
}

namespace orderly::http {

struct AppConfig {
    TimeMs session_ttl_ms = 12LL * 3600 * 1000;
    std::string base_url = "http://127.0.0.1:8080";
};

// Notifications: what the handlers need of the background notifier.
struct NotifierHandle {
    // Looks for due notifications now.
    std::function<void()> wake;
    // Why this server sends no email; an empty code = it does.
    Problem email_problem;
    // How long a test email call waits for the first attempt's result.
    std::chrono::milliseconds test_wait{15000};
};

// Executions: what the handlers need of the execution engine (app/execution_engine.h).
// Functions are empty when no engine runs.
struct ExecutionsHandle {
    // Call after a transaction that enqueued executions (storage::enqueue_execution) commits,
    // so that a worker starts them now instead of at its next poll.
    std::function<void()> wake;
    // A cancel request was stored for a running execution.
    std::function<void(int64_t execution_id)> cancel_requested;
    // Holds a log reader until the execution may have output past log_size or has ended, or
    // until the deadline; false at once when too many readers wait already.
    std::function<bool(int64_t execution_id, int64_t log_size,
                       std::chrono::steady_clock::time_point deadline)>
        wait_for_log;
    // The ticket's hook, called in the transaction that ends an execution (a queued execution
    // cancelled before it started ends in the request's transaction).
    std::function<void(storage::Connection& c, int64_t ticket_id, int64_t execution_id,
                       bool succeeded, TimeMs now)>
        on_finished;
};

struct App {
    storage::Database& db;
    const Clock& clock;
    AppConfig config;
    Server* server = nullptr;
    ExecutionsHandle executions;  // set by OrderlyApp once the engine exists
    // Key for secrets at rest (crypto::encrypt/decrypt), loaded by OrderlyApp from
    // AppOptions::secret_key_file ("<db>.key" when empty).
    std::string secret_key;
    // Runs tickets through their flows; its links point at config.base_url.
    app::TicketEngine tickets{config.base_url};

    // Catalog and configuration (they refer to secret_key: build an App in place, never copy it)
    app::Catalog catalog{db, clock, secret_key};
    app::Services services{db, clock};
    app::Variables variables{db, clock};
    app::ConfigCenter config_center{db, clock, secret_key};
};

// Appends an audit event for the current request (actor, address, request id) inside the
// caller's write transaction.
void audit(storage::Connection& c, const Request& req, TimeMs now, std::string action,
           std::string object_type, std::string object_id, std::string summary,
           std::optional<std::string> before = std::nullopt,
           std::optional<std::string> after = std::nullopt);

// The request's caller for the application layer: its principal, address and request id. Valid
// while the request lives.
app::Caller caller(const Request& req);

// The caller as the submit rules see it.
app::Submitter submitter(const Principal& p);

// Checks an If-Match header against the stored version: 409 when stale.
void check_version(const Request& req, int64_t current_version, const std::string& what);

std::string etag(int64_t version);

// Checks the body's "email" member when it is a non-empty string (null or "" clear the
// address): 400 with a field error on "email" when it is not a plain address
// (domain::email_problem).
void check_email_member(const Request& req);

void register_system_routes(App& app, Server& s);
void register_auth_routes(App& app, Server& s);
void register_people_routes(App& app, Server& s);
void register_audit_routes(App& app, Server& s);
// Workflows, the service catalog and services, tickets.
void register_workflow_routes(App& app, Server& s);
void register_service_routes(App& app, Server& s);
void register_ticket_routes(App& app, Server& s);
// Environments, purposes and templates; the config center; variables.
void register_catalog_routes(App& app, Server& s);
void register_config_routes(App& app, Server& s);
void register_variable_routes(App& app, Server& s);
void register_execution_routes(App& app, Server& s);  // uses app.executions
void register_notification_routes(App& app, Server& s, NotifierHandle notifier);

// The authenticator the server uses for every non-public route.
Authenticator make_authenticator(App& app);

}  // namespace orderly::http
