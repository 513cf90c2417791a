#pragma once
// Wires the pieces together: database (migrated), HTTP server with every route, authenticator.
// Used by main.cpp and by the in-process API tests.
#include <memory>
#include <string>

#include "app/execution_engine.h"
#include "core/time.h"
#include "http/app.h"
#include "http/server.h"
#include "storage/database.h"

namespace orderly {

class Notifier;
namespace app {
class WindowScheduler;
}

struct AppOptions {
    std::string db_path = "orderly.db";
    // The clock every part of the server reads; null = the system clock. Tests pass a manual
    // one to move time without waiting. Must outlive the OrderlyApp.
    const Clock* clock = nullptr;
    http::ServerOptions server;
    http::AppConfig app;
    int db_readers = 4;
    // Key for secrets at rest (created 0600 when absent); empty = "<db>.key" beside an SQLite
    // database, "orderly.key" in the current directory for a PostgreSQL URI.
    std::string secret_key_file;
    // Where executions get their working directories; empty = "<db>.work" beside an SQLite
    // database, "orderly-work" in the current directory for a PostgreSQL URI.
    std::string work_dir;
    // Executions: workers, log cap, timeouts, kill grace... (work_dir and api_url are
    // filled in from work_dir and app.base_url).
    ExecutionEngineOptions executions;
    // Notifications: ORDERLY_SMTP_URL and ORDERLY_SMTP_FROM (see integrations/smtp.h);
    // an empty URL = this server sends no email (emails stay queued, with the reason shown).
    std::string smtp_url;
    std::string smtp_from;
    // How long a one-click approval link works (ORDERLY_ACTION_LINK_TTL).
    int64_t action_link_ttl_ms = 72LL * 3600 * 1000;
    // Notifier tuning: idle poll, retry backoff base and cap (tests use small values).
    int64_t notify_poll_ms = 1000;
    int64_t notify_backoff_base_ms = 1000;
    int64_t notify_backoff_cap_ms = 30'000;
    // How long a chat message waits after its platform limited the rate (tests use less).
    int64_t notify_chat_rate_limit_wait_ms = 60'000;
    // How soon another process takes over the notifications of one that died
    // (ORDERLY_NOTIFY_LEASE_S; see NotifierOptions::lease_ms).
    int64_t notify_lease_ms = 30'000;
    // Sends in flight at once (ORDERLY_NOTIFY_WORKERS): a crash may duplicate each of them.
    int notify_workers = 1;
    // The window scheduler's longest sleep (ORDERLY_WINDOW_POLL_S): how late a ticket scheduled
    // on another node may start at most, since this node wakes at once for its own.
    int64_t window_poll_ms = 30'000;
};

class OrderlyApp {
  public:
    explicit OrderlyApp(AppOptions opts);
    ~OrderlyApp();

    // Creates user "admin" with the admin role when the database has no users yet.
    // Returns true when it created one.
    bool ensure_admin(const std::string& password);
    // Loads the demo data of both scenarios into an empty database; returns the users and
    // passwords it created, empty when the database was not empty.
    // REQUIRES: start() was called (everything but people is created through the API).
    std::vector<std::pair<std::string, std::string>> load_demo();

    void start();
    void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds(10000));
    uint16_t port() const { return server_->port(); }
    storage::Database& db() { return *db_; }
    http::Server& server() { return *server_; }
    Notifier& notifier() { return *notifier_; }
    ExecutionEngine& executions() { return *executions_; }
    app::WindowScheduler& windows() { return *windows_; }

  private:
    void load_demo_catalog();
    void connect_notifications();  // creates notifier_; registers its routes
    void connect_executions();     // creates executions_; registers its routes
    AppOptions opts_;
    SystemClock system_clock_;
    const Clock& clock_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<http::Server> server_;
    std::unique_ptr<http::App> app_;
    // Email and webhook delivery; destroyed before the database it uses
    std::unique_ptr<Notifier> notifier_;
    std::unique_ptr<ExecutionEngine> executions_;  // runs tasks; uses the database
    // Starts scheduled tickets at their window; wakes executions_
    std::unique_ptr<app::WindowScheduler> windows_;
};

// Creates a user with roles (password hashed here). Used by the CLI and the demo loader.
Result<int64_t> create_user(storage::Database& db, const Clock& clock, const std::string& username,
                            const std::string& display_name, const std::string& password,
                            const std::vector<std::string>& roles, const std::string& actor_note);

}  // namespace orderly
