// A node on PostgreSQL answers reads, /readyz and /metrics on its worker threads: a request that
// waits for the database (here for a table another session has locked, or for a connection of
// the pool) holds up neither the requests that arrive on the same reactor thread after it nor
// the ones that need no database at all.
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "nodes_support.h"
#include "pg_test_db.h"
#include "storage/postgres/connection.h"
#include "support/raw_http.h"

using namespace orderly;
using namespace orderly::test;

TEST_CASE("a read waiting on PostgreSQL holds up no other request of its node", "[pg][nodes]") {
    PgTestDb pg;
    const std::string dir = temp_dir();
    // One reactor thread: a read answered on it would hold up every connection.
    ServerProcess node(
        pg.uri(), {"--threads", "1"},
        {"ORDERLY_SECRET_KEY_FILE=" + dir + "/secret.key", "ORDERLY_WORK_DIR=" + dir + "/work",
         std::string("ORDERLY_ADMIN_PASSWORD=") + nodes::kNodesAdminPassword});
    const Client admin = login_at(node.port(), "admin", nodes::kNodesAdminPassword);

    // Declared first, so that should the test stop early, the lock goes (with `holder`) before
    // this waits for the answer.
    std::future<int> held;
    storage::postgres::PgConnection holder(pg.uri());
    holder.exec_script("BEGIN; LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE");
    held = std::async(std::launch::async, [&] {
        Client c(node.port());
        c.set_token(admin.token());
        return c.get("/api/v1/tickets?view=all").status;
    });
    storage::postgres::PgConnection watcher(pg.uri());
    // The list's statement waits for the lock.
    REQUIRE(wait_until([&] {
        return count_sessions(watcher,
                              "wait_event_type = 'Lock' AND query LIKE "
                              "'%FROM tickets t JOIN users u%'") == 1;
    }));

    // Meanwhile: a read that needs the database but not that table, and one that needs none.
    Client me(node.port());
    me.set_token(admin.token());
    const auto r = me.get("/api/v1/me");
    CHECK(r.status == 200);
    CHECK(r.str("username") == "admin");
    CHECK(Client(node.port()).get("/healthz").status == 200);
    CHECK(held.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);

    holder.exec_script("ROLLBACK");
    CHECK(held.get() == 200);
}

TEST_CASE("with every pooled connection waiting on PostgreSQL, /healthz still answers at once",
          "[pg][nodes]") {
    PgTestDb pg;
    const std::string dir = temp_dir();
    // One reactor thread and a pool of two connections.
    ServerProcess node(pg.uri(), {"--threads", "1"},
                       {"ORDERLY_SECRET_KEY_FILE=" + dir + "/secret.key",
                        "ORDERLY_WORK_DIR=" + dir + "/work", "ORDERLY_DB_READERS=1",
                        std::string("ORDERLY_ADMIN_PASSWORD=") + nodes::kNodesAdminPassword});
    const Client admin = login_at(node.port(), "admin", nodes::kNodesAdminPassword);

    // Declared first, so that should the test stop early, the lock goes (with `holder`) before
    // these wait for their answers.
    std::vector<std::future<int>> lists;
    storage::postgres::PgConnection holder(pg.uri());
    holder.exec_script("BEGIN; LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE");
    for (int i = 0; i < 2; ++i)
        lists.push_back(std::async(std::launch::async, [&] {
            Client c(node.port());
            c.set_token(admin.token());
            return c.get("/api/v1/tickets?view=all").status;
        }));
    storage::postgres::PgConnection watcher(pg.uri());
    REQUIRE(wait_until([&] {
        return count_sessions(watcher,
                              "wait_event_type = 'Lock' AND query LIKE "
                              "'%FROM tickets t JOIN users u%'") == 2;
    }));

    // Both connections are in use: the readiness check waits for one, and only it waits.
    RawConnection ready(node.port());
    ready.send("GET /readyz HTTP/1.1\r\nHost: orderly\r\n\r\n");
    const auto health = raw_exchange(
        node.port(), "GET /healthz HTTP/1.1\r\nHost: orderly\r\nConnection: close\r\n\r\n");
    CHECK(health.status == 200);
    CHECK(ready.read(1, {}, std::chrono::milliseconds(0)).empty());

    holder.exec_script("ROLLBACK");
    const auto answers = ready.read(1);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 200);
    for (auto& l : lists) CHECK(l.get() == 200);
    // The pool as /metrics shows it now: both connections open, nobody waiting.
    const auto metrics = Client(node.port()).get("/metrics").body;
    CHECK(metrics.find("\norderly_db_pool_connections 2\n") != std::string::npos);
    CHECK(metrics.find("\norderly_db_pool_waiting 0\n") != std::string::npos);
}
