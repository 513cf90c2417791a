// A node's PostgreSQL connections are bounded by ORDERLY_DB_READERS, so that an operator can
// size max_connections for nodes × (readers + 3): under many concurrent requests the node
// queues them on its pool instead of opening more, and answers every one.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "nodes_support.h"
#include "pg_test_db.h"

using namespace orderly;
using namespace orderly::test;

TEST_CASE("a node opens at most ORDERLY_DB_READERS + 3 connections under load",
          "[pg][nodes][pool]") {
    PgTestDb pg;
    nodes::Nodes n(pg.uri(), 1, {"ORDERLY_DB_READERS=1"});
    storage::postgres::PgConnection watcher(pg.uri());

    std::atomic<int> answered{0}, failed{0};
    std::atomic<bool> done{false};
    int64_t most = 0;
    std::vector<std::thread> clients;
    for (int i = 0; i < 12; ++i)
        clients.emplace_back([&] {
            Client c = n.admin(0);
            for (int k = 0; k < 25; ++k) {
                // A read and a write each time: both kinds of connection are busy at once.
                auto r = c.get("/api/v1/tickets?view=all&limit=5");
                auto w = c.post("/api/v1/me/inbox/read", R"({"all":true})");
                (r.status == 200 && w.status == 200 ? answered : failed)++;
            }
        });
    std::thread sampler([&] {
        while (!done) most = std::max(most, count_sessions(watcher, "true"));
    });
    for (auto& t : clients) t.join();
    done = true;
    sampler.join();

    CHECK(failed == 0);
    CHECK(answered == 12 * 25);
    // The pool (1 reader + 1 writer), the log listener and the serial-number connection.
    CHECK(most >= 2);
    CHECK(most <= 1 + 3);
}
