// Two nodes on one PostgreSQL database start each scheduled ticket exactly once: tickets
// submitted through both nodes, all with the same window a few seconds ahead, are due on both
// at the same moment; each is claimed by one node (FOR UPDATE SKIP LOCKED), runs once, and shows
// one scheduled start.
#include "api/test_catalog_support.h"
#include "api/test_tickets_support.h"
#include "core/time.h"
#include "nodes_support.h"
#include "pg_test_db.h"

using namespace orderly;
using namespace orderly::test;
using namespace orderly::test::tickets;
using orderly::test::nodes::Nodes;

namespace {

constexpr int kTickets = 12;

int count_action(const json::Value& steps, const std::string& action) {
    int n = 0;
    for (const auto& s : steps.GetArray())
        if (s["action"].GetString() == action) ++n;
    return n;
}

}  // namespace

TEST_CASE("two nodes start each scheduled ticket exactly once", "[pg][nodes][windows]") {
    PgTestDb pg;
    // Both nodes look for due tickets at least every second, so both see the other's tickets.
    Nodes nodes(pg.uri(), 2, {"ORDERLY_WINDOW_POLL_S=1"});
    Client admin = nodes.admin(0);
    auto [env, purpose] = catalog::make_categories(admin);
    auto t = catalog::create_template(admin, env, purpose, "/bin/echo scheduled",
                                      R"(,"workflow_id":null)");
    INFO(t.body);
    REQUIRE(t.status == 201);
    const TimeMs start = SystemClock().now_ms() + 4000;
    const std::string window = R"(,"planned_start":)" + q(format_rfc3339(start)) +
                               R"(,"planned_end":)" + q(format_rfc3339(start + 3600'000));
    std::vector<int64_t> tickets;
    for (int i = 0; i < kTickets; ++i) {
        auto r = nodes.admin(i % 2).post(
            "/api/v1/tickets", R"({"template_id":)" + std::to_string(t.num("id")) +
                                   R"(,"title":"scheduled )" + std::to_string(i) + "\"" + window +
                                   R"(,"execute":true})");
        INFO(r.body);
        REQUIRE(r.status == 201);
        REQUIRE(status_of(r) == "scheduled");
        tickets.push_back(r.num("id"));
    }
    for (int i = 0; i < kTickets; ++i) {
        INFO("ticket " << tickets[i]);
        Reply seen;
        REQUIRE(wait_until(
            [&] {
                seen = nodes.admin((i + 1) % 2).get(path(tickets[i]));
                return status_of(seen) == "finished";
            },
            std::chrono::seconds(40)));
        CHECK(seen.json["executions"].Size() == 1);
        CHECK(count_action(seen.json["steps"], "scheduled_start") == 1);
    }
    auto audit = admin.get("/api/v1/audit-events?action=ticket.scheduled_start&limit=200");
    REQUIRE(audit.status == 200);
    CHECK(audit.json["items"].Size() == static_cast<size_t>(kTickets));
}
