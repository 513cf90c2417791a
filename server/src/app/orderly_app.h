#pragma once
// Wires the pieces together: database (migrated), HTTP server with every route, authenticator.
// Used by main.cpp and by the in-process API tests.
#include <memory>
#include <string>

#include "core/time.h"
#include "http/app.h"
#include "http/server.h"
#include "storage/sqlite.h"

namespace orderly {

struct AppOptions {
    std::string db_path = "orderly.db";
    http::ServerOptions server;
    http::AppConfig app;
    int db_readers = 4;
    // Key for secrets at rest (created 0600 when absent); empty = "<db>.key" beside the database.
    std::string secret_key_file;
    // Where executions get their working directories; empty = "<db>.work" beside the database.
    std::string work_dir;
};

class OrderlyApp {
  public:
    explicit OrderlyApp(AppOptions opts);
    ~OrderlyApp();

    // Creates user "admin" with the admin role when the database has no users yet.
    // Returns true when it created one.
    bool ensure_admin(const std::string& password);
    // Loads the demo data of both scenarios into an empty database; returns the users and
    // passwords it created ("username:password" lines), empty when the database was not empty.
    std::vector<std::pair<std::string, std::string>> load_demo();

    void start();
    void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds(10000));
    uint16_t port() const { return server_->port(); }
    storage::Database& db() { return *db_; }
    http::Server& server() { return *server_; }

  private:
    AppOptions opts_;
    SystemClock clock_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<http::Server> server_;
    std::unique_ptr<http::App> app_;
};

// Creates a user with roles (password hashed here). Used by the CLI and the demo loader.
Result<int64_t> create_user(storage::Database& db, const Clock& clock, const std::string& username,
                            const std::string& display_name, const std::string& password,
                            const std::vector<std::string>& roles, const std::string& actor_note);

}  // namespace orderly
