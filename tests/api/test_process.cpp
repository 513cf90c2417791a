// What only the real process shows: the CLI, graceful drain, two servers on one database,
// online backup.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "test_executions_support.h"

using namespace orderly::test;

namespace {
// `s` as one shell word.
std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
}
// Runs `orderly args` on the database at `db` (with its environment, test::database_env).
int run_cli(const std::string& db, const std::string& args, const std::string& stdin_text = "") {
    std::string cmd;
    for (const auto& e : database_env(db)) {
        const size_t eq = e.find('=');
        cmd += e.substr(0, eq + 1) + quoted(e.substr(eq + 1)) + " ";
    }
    cmd += std::string(ORDERLY_BINARY) + " " + args + " --db " + quoted(db) + " >/dev/null 2>&1";
    FILE* p = popen(cmd.c_str(), "w");
    if (!p) return -1;
    if (!stdin_text.empty()) fwrite(stdin_text.data(), 1, stdin_text.size(), p);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
}  // namespace

TEST_CASE("orderly migrate, user add (password on stdin) and serve", "[process]") {
    auto dir = temp_dir();
    std::string db = database_location(dir, "o.db");
    CHECK(run_cli(db, "migrate") == 0);
    CHECK(run_cli(db, "user add ops1 --role admin", "ops1-password\n") == 0);
    CHECK(run_cli(db, "user add ops1", "ops1-password\n") != 0);  // taken
    CHECK(run_cli(db, "user add short", "abc\n") != 0);
    CHECK(run_cli(db, "serve --workers 0") == 2);  // a usage error, before serving
    CHECK(run_cli(db, "serve --workers many") == 2);
    CHECK(run_cli(db, "serve --threads 0") == 2);
    ServerProcess p(db, {"--workers", "3"});
    auto c = login_at(p.port(), "ops1", "ops1-password");
    CHECK(c.get("/api/v1/me").str("username") == "ops1");
    CHECK(Client(p.port()).get("/readyz").status == 200);
    auto metrics = Client(p.port()).get("/metrics");
    CHECK(metrics.body.find("orderly_http_requests_total") != std::string::npos);
    CHECK(metrics.body.find("orderly_http_request_duration_seconds_bucket") != std::string::npos);
    CHECK(metrics.body.find("orderly_db_up 1") != std::string::npos);
    CHECK(metrics.body.find("orderly_executions_queued") != std::string::npos);
    // The database server's pool (0 connections on SQLite), with nobody waiting for it.
    CHECK(metrics.body.find("\norderly_db_pool_connections ") != std::string::npos);
    CHECK(metrics.body.find("\norderly_db_pool_waiting 0\n") != std::string::npos);
    p.signal(SIGTERM);
    CHECK(p.wait() == 0);
    std::filesystem::remove_all(dir);
}

TEST_CASE("ORDERLY_ADMIN_PASSWORD creates admin in an empty database", "[process]") {
    auto dir = temp_dir();
    ServerProcess p(database_location(dir, "o.db"), {}, {"ORDERLY_ADMIN_PASSWORD=first-admin-pw"});
    auto c = login_at(p.port(), "admin", "first-admin-pw");
    CHECK(c.get("/api/v1/me").json["permissions"][0].GetString() == std::string("admin"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("SIGTERM lets an in-flight request finish and exits promptly", "[process]") {
    auto dir = temp_dir();
    ServerProcess p(database_location(dir, "o.db"), {}, {"ORDERLY_ADMIN_PASSWORD=drain-admin-pw"});
    // A login is a slow (argon2id) request: start it, then signal while it runs.
    std::atomic<int> status{0};
    std::thread t([&] {
        Client c(p.port());
        status = c.post("/api/v1/auth/login", R"({"username":"admin","password":"drain-admin-pw"})")
                     .status;
    });
    // Signal only once the login is in flight (or already answered): under load a fixed sleep
    // could signal before the request reached the server, which then refuses the connection.
    wait_in_flight(p.port(), 1, [&] { return status != 0; });
    p.signal(SIGTERM);
    t.join();
    CHECK((status.load() == 200 || status.load() == 503));
    CHECK(p.wait(12000) == 0);
    CHECK(p.stderr_text().find("draining") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("two server processes on one database both serve the same data", "[process]") {
    auto dir = temp_dir();
    std::string db = database_location(dir, "o.db");
    ServerProcess a(db, {}, {"ORDERLY_ADMIN_PASSWORD=shared-admin-pw"});
    ServerProcess b(db);
    auto ca = login_at(a.port(), "admin", "shared-admin-pw");
    // A token issued by one process works on the other; a change on one is seen on the other.
    Client cb(b.port());
    cb.set_token(ca.token());
    REQUIRE(
        ca.post("/api/v1/roles", R"({"key":"shared","name":"Shared","permissions":["audit.read"]})")
            .status == 201);
    CHECK(cb.get("/api/v1/roles/shared").status == 200);
    // Logout on b revokes the token on a at once.
    CHECK(cb.post("/api/v1/auth/logout", "").status == 204);
    CHECK(ca.get("/api/v1/me").status == 401);
    std::filesystem::remove_all(dir);
}

// Processes keep users' roles and permissions in memory between requests; a change made through
// one process must still apply at the very next request on every other.
TEST_CASE("a role or permission change through one process applies at once on another",
          "[process]") {
    auto dir = temp_dir();
    std::string db = database_location(dir, "o.db");
    ServerProcess a(db, {}, {"ORDERLY_ADMIN_PASSWORD=shared-admin-pw"});
    ServerProcess b(db);
    auto ca = login_at(a.port(), "admin", "shared-admin-pw");
    REQUIRE(ca.post("/api/v1/roles",
                    R"({"key":"editor","name":"Editor","permissions":["catalog.manage"]})")
                .status == 201);
    auto u = ca.post("/api/v1/users",
                     R"({"username":"uma","display_name":"Uma","password":"uma-password-1",)"
                     R"("roles":["editor"]})");
    REQUIRE(u.status == 201);
    const std::string uid = std::to_string(u.num("id"));
    auto ub = login_at(b.port(), "uma", "uma-password-1");
    CHECK(ub.get("/api/v1/audit-events").status == 403);  // b now knows Uma as an editor
    REQUIRE(ca.patch("/api/v1/roles/editor", R"({"permissions":["catalog.manage","audit.read"]})")
                .status == 200);
    CHECK(ub.get("/api/v1/audit-events").status == 200);
    REQUIRE(ca.patch("/api/v1/users/" + uid, R"({"roles":[]})").status == 200);
    CHECK(ub.get("/api/v1/audit-events").status == 403);
    REQUIRE(ca.patch("/api/v1/users/" + uid, R"({"display_name":"Uma Renamed"})").status == 200);
    CHECK(ub.get("/api/v1/me").str("display_name") == "Uma Renamed");
    std::filesystem::remove_all(dir);
}

// `orderly backup` copies an SQLite file; PostgreSQL is backed up with pg_dump: [sqlite-only].
TEST_CASE("orderly backup makes a consistent copy while serving", "[process][sqlite-only]") {
    auto dir = temp_dir();
    std::string db = database_location(dir, "o.db");
    ServerProcess p(db, {}, {"ORDERLY_ADMIN_PASSWORD=backup-admin-pw"});
    auto c = login_at(p.port(), "admin", "backup-admin-pw");
    REQUIRE(
        c.post("/api/v1/roles", R"({"key":"before_backup","name":"B","permissions":[]})").status ==
        201);
    CHECK(run_cli(db, "backup --to " + dir + "/copy.db") == 0);
    CHECK(run_cli(db, "backup --to " + dir + "/copy.db") != 0);  // never overwrites
    // A restored copy needs the key its secrets were stored with.
    CHECK(run_cli(dir + "/copy.db", "serve --listen 127.0.0.1:0") == 1);
    CHECK(!std::filesystem::exists(dir + "/copy.db.key"));  // the fresh key is not left behind
    ServerProcess q(dir + "/copy.db", {}, {"ORDERLY_SECRET_KEY_FILE=" + db + ".key"});
    auto cq = login_at(q.port(), "admin", "backup-admin-pw");
    CHECK(cq.get("/api/v1/roles/before_backup").status == 200);
    std::filesystem::remove_all(dir);
}
