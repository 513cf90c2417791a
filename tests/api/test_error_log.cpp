// A 500 keeps its cause: the real server logs it to stderr with the request id, and the client
// sees the request id and never the cause. The failure is provoked by dropping a table under a
// running server of its own (not the shared one, which other cases still use).
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <sstream>

#include "storage/database.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"

using namespace orderly::test;

TEST_CASE("an internal error's cause reaches the log with the request id, not the response",
          "[process]") {
    auto dir = temp_dir();
    const std::string db = database_location(dir, "o.db");
    ServerProcess p(db, {}, {"ORDERLY_ADMIN_PASSWORD=cause-admin-pw"});
    Client c(p.port());
    auto login =
        c.post("/api/v1/auth/login", R"({"username":"admin","password":"cause-admin-pw"})");
    REQUIRE(login.status == 200);
    c.set_token(login.str("token"));
    REQUIRE(c.get("/api/v1/audit-events?limit=1").status == 200);

    {
        orderly::storage::Database direct(db, 1);
        direct.write(
            [](orderly::storage::Connection& c) { c.exec_script("DROP TABLE audit_events"); });
    }
    auto r = c.get("/api/v1/audit-events?limit=1", {{"X-Request-Id", "cause-check-1"}});
    CHECK(r.status == 500);
    CHECK(r.str("code") == "internal");
    CHECK(r.str("request_id") == "cause-check-1");
    CHECK(r.body.find("no such table") == std::string::npos);
    CHECK(r.body.find("audit_events") == std::string::npos);

    p.signal(SIGTERM);
    CHECK(p.wait() == 0);
    // One log line holds both the request id and the cause.
    std::istringstream log(p.stderr_text());
    bool found = false;
    for (std::string line; std::getline(log, line);)
        if (line.find("\"request_id\":\"cause-check-1\"") != std::string::npos &&
            line.find(testing_postgres() ? R"(relation \"audit_events\" does not exist)"
                                         : "no such table: audit_events") != std::string::npos)
            found = true;
    CHECK(found);
    std::filesystem::remove_all(dir);
}
