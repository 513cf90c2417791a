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

namespace {

// A node with one reactor thread (a request answered on it would hold up every connection),
// `readers` connections for reads, and another session holding the `tickets` table, which
// ticket lists (`lists()`) wait for until release().
class LockedTickets {
  public:
    explicit LockedTickets(const std::string& readers)
        : dir_(temp_dir()),
          node_(pg_.uri(), {"--threads", "1"},
                {"ORDERLY_SECRET_KEY_FILE=" + dir_ + "/secret.key",
                 "ORDERLY_WORK_DIR=" + dir_ + "/work", "ORDERLY_DB_READERS=" + readers,
                 std::string("ORDERLY_ADMIN_PASSWORD=") + nodes::kNodesAdminPassword}),
          admin_(login_at(node_.port(), "admin", nodes::kNodesAdminPassword)),
          holder_(pg_.uri()),
          watcher_(pg_.uri()) {
        holder_.exec_script("BEGIN; LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE");
    }
    // The lock goes before the lists still waiting are waited for.
    ~LockedTickets() { holder_.close(); }
    LockedTickets(const LockedTickets&) = delete;
    LockedTickets& operator=(const LockedTickets&) = delete;

    uint16_t port() const { return node_.port(); }
    const Client& admin() const { return admin_; }
    // Starts `n` ticket lists by the admin, each on a connection of its own, and returns once
    // all of them wait for the lock.
    void start_lists(int n) {
        for (int i = 0; i < n; ++i)
            lists_.push_back(std::async(std::launch::async, [this] {
                Client c(node_.port());
                c.set_token(admin_.token());
                return c.get("/api/v1/tickets?view=all").status;
            }));
        REQUIRE(wait_until([&] {
            return count_sessions(watcher_,
                                  "wait_event_type = 'Lock' AND query LIKE "
                                  "'%FROM tickets t JOIN users u%'") == n;
        }));
    }
    bool lists_answered() {
        for (auto& l : lists_)
            if (l.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
        return true;
    }
    void release() { holder_.exec_script("ROLLBACK"); }
    // The lists' statuses, once answered.
    std::vector<int> list_statuses() {
        std::vector<int> out;
        for (auto& l : lists_) out.push_back(l.get());
        return out;
    }

  private:
    PgTestDb pg_;
    std::string dir_;
    ServerProcess node_;
    Client admin_;
    std::vector<std::future<int>> lists_;
    storage::postgres::PgConnection holder_;
    storage::postgres::PgConnection watcher_;
};

}  // namespace

TEST_CASE("a read waiting on PostgreSQL holds up no other request of its node", "[pg][nodes]") {
    LockedTickets t("4");
    t.start_lists(1);

    // Meanwhile: a read that needs the database but not that table, and one that needs none.
    Client me(t.port());
    me.set_token(t.admin().token());
    const auto r = me.get("/api/v1/me");
    CHECK(r.status == 200);
    CHECK(r.str("username") == "admin");
    CHECK(Client(t.port()).get("/healthz").status == 200);
    CHECK_FALSE(t.lists_answered());

    t.release();
    CHECK(t.list_statuses() == std::vector<int>{200});
}

TEST_CASE("with every pooled connection waiting on PostgreSQL, /healthz still answers at once",
          "[pg][nodes]") {
    // A pool of two connections, both taken by lists waiting for the lock.
    LockedTickets t("1");
    t.start_lists(2);

    // The readiness check waits for a connection, and only it waits.
    RawConnection ready(t.port());
    ready.send("GET /readyz HTTP/1.1\r\nHost: orderly\r\n\r\n");
    const auto health = raw_exchange(
        t.port(), "GET /healthz HTTP/1.1\r\nHost: orderly\r\nConnection: close\r\n\r\n");
    CHECK(health.status == 200);
    CHECK(ready.read(1, {}, std::chrono::milliseconds(0)).empty());

    t.release();
    const auto answers = ready.read(1);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 200);
    CHECK(t.list_statuses() == std::vector<int>{200, 200});
    // The pool as /metrics shows it now: both connections open, nobody waiting.
    const auto metrics = Client(t.port()).get("/metrics").body;
    CHECK(metrics.find("\norderly_db_pool_connections 2\n") != std::string::npos);
    CHECK(metrics.find("\norderly_db_pool_waiting 0\n") != std::string::npos);
}
