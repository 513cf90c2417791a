// A node on PostgreSQL answers reads on its worker threads: a read that waits for the database
// (here for a table another session has locked) holds up neither the requests that arrive on
// the same connection thread after it nor the ones that need no database at all.
#include <chrono>
#include <future>
#include <string>

#include "nodes_support.h"
#include "pg_test_db.h"
#include "storage/postgres/connection.h"

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
