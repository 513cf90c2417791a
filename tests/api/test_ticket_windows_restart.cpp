// Change windows across restarts of the real server: the start is kept in the database, not in
// a timer, so a server restarted before the window still starts the ticket, once; and a ticket
// whose window passed while no server ran becomes missed when one comes back.
#include <csignal>

#include "api/test_catalog_support.h"
#include "api/test_tickets_support.h"
#include "core/time.h"
#include "support/test_database.h"

using namespace orderly;
using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

constexpr const char* kAdminEnv = "ORDERLY_ADMIN_PASSWORD=window-admin-password";

std::string window(TimeMs start, TimeMs end) {
    return R"(,"planned_start":)" + q(format_rfc3339(start)) + R"(,"planned_end":)" +
           q(format_rfc3339(end));
}

// A server process on its own database, with a task template without a workflow.
struct Restartable {
    std::string dir = temp_dir();
    std::string db = database_location(dir, "windows.db");
    std::unique_ptr<ServerProcess> server;
    int64_t template_id = 0;

    Restartable() {
        start();
        Client a = admin();
        auto [env, purpose] = catalog::make_categories(a);
        auto t = catalog::create_template(a, env, purpose, "/bin/echo after a restart",
                                          R"(,"workflow_id":null)");
        INFO(t.body);
        REQUIRE(t.status == 201);
        template_id = t.num("id");
    }
    void start() {
        server = std::make_unique<ServerProcess>(db, std::vector<std::string>{},
                                                 std::vector<std::string>{kAdminEnv});
    }
    void kill() {
        server->signal(SIGKILL);
        server->wait();
        server.reset();
    }
    Client admin() { return login_at(server->port(), "admin", "window-admin-password"); }
    int64_t submit(TimeMs start, TimeMs end) {
        auto r =
            admin().post("/api/v1/tickets", R"({"template_id":)" + std::to_string(template_id) +
                                                R"(,"title":"across a restart")" +
                                                window(start, end) + R"(,"execute":true})");
        INFO(r.body);
        REQUIRE(r.status == 201);
        REQUIRE(status_of(r) == "scheduled");
        return r.num("id");
    }
};

}  // namespace

TEST_CASE("a server restarted before the window still starts the ticket, once",
          "[process][tickets][windows]") {
    Restartable s;
    const TimeMs start = SystemClock().now_ms() + 3000;
    const int64_t id = s.submit(start, start + 3600'000);
    s.kill();  // before the window opens
    s.start();
    Client a = s.admin();
    auto done = wait_for_status(a, id, "finished");
    INFO(done.body);
    REQUIRE(status_of(done) == "finished");
    CHECK(done.json["executions"].Size() == 1);
    int starts = 0;
    for (const auto& st : done.json["steps"].GetArray())
        if (st["action"].GetString() == std::string("scheduled_start")) ++starts;
    CHECK(starts == 1);
}

TEST_CASE("a window that passes while no server runs makes the ticket missed",
          "[process][tickets][windows]") {
    Restartable s;
    const TimeMs start = SystemClock().now_ms() + 1500;
    const int64_t id = s.submit(start, start + 1000);
    s.kill();
    // Down until after the window closed.
    REQUIRE(wait_until([&] { return SystemClock().now_ms() > start + 1000; }));
    s.start();
    Client a = s.admin();
    auto missed = wait_for_status(a, id, "missed");
    INFO(missed.body);
    REQUIRE(status_of(missed) == "missed");
    CHECK(missed.json["executions"].Size() == 0);
    auto notes = a.get("/api/v1/notifications?event=ticket.missed&ticket_id=" + std::to_string(id));
    REQUIRE(notes.status == 200);
    CHECK(notes.json["items"].Size() >= 1);
}
