// Several server processes (nodes) on one PostgreSQL database: an execution that runs on one
// node is tailed through another with offsets, and each line arrives within 0.5 s of being
// printed (the writer's NOTIFY wakes the other node's long-poll; its fallback polling is far
// slower). The tailing node's listener connection is then terminated on the server
// (pg_terminate_backend): it reconnects, and lines arrive within the bound again.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "api/test_executions_support.h"
#include "pg_test_db.h"
#include "storage/postgres/connection.h"

using namespace orderly;
using namespace orderly::test;
using namespace orderly::test::executions;

namespace {

constexpr const char* kPassword = "nodes-admin-pw";

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The environment of one node: the key every node of the database shares, a work directory of
// its own.
std::vector<std::string> node_env(const std::string& dir, const std::string& name) {
    return {"ORDERLY_SECRET_KEY_FILE=" + dir + "/secret.key",
            "ORDERLY_WORK_DIR=" + dir + "/" + name + ".work",
            std::string("ORDERLY_ADMIN_PASSWORD=") + kPassword};
}

// Follows an execution's log through one node with long-polls (offset = what it has), and
// measures how late each line "tick <n> <ms since epoch>" arrives.
class Tail {
  public:
    Tail(Client& c, int64_t id, int64_t offset) : c_(c), id_(id), offset_(offset) {}

    // Reads until `lines` more complete tick lines printed at `since` (ms since epoch) or later
    // arrived; returns their delays in ms.
    std::vector<int64_t> next(size_t lines, int64_t since = 0) {
        std::vector<int64_t> delays;
        for (int polls = 0; delays.size() < lines && polls < 200; ++polls) {
            auto r = c_.get(exec_path(id_, "/log?offset=" + std::to_string(offset_) + "&wait=10"));
            REQUIRE(r.status == 200);
            const int64_t at = now_ms();
            REQUIRE(r.num("offset") == offset_);
            offset_ = r.num("next_offset");
            partial_ += r.str("data");
            for (size_t nl; (nl = partial_.find('\n')) != std::string::npos;) {
                const std::string line = partial_.substr(0, nl);
                partial_.erase(0, nl + 1);
                const auto space = line.rfind(' ');
                if (line.rfind("tick ", 0) != 0 || space == std::string::npos) continue;
                const int64_t printed = std::stoll(line.substr(space + 1));
                if (printed >= since) delays.push_back(at - printed);
            }
        }
        return delays;
    }

  private:
    Client& c_;
    int64_t id_;
    int64_t offset_;
    std::string partial_;
};

int64_t max_of(const std::vector<int64_t>& v) {
    int64_t m = 0;
    for (int64_t x : v) m = std::max(m, x);
    return m;
}

// The process id of the listener backend of node `node_pid` on the database (0 when there is
// none listening yet).
int64_t listener_backend(storage::postgres::PgConnection& c, pid_t node_pid) {
    auto st = c.prepare(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND "
        "application_name = ?1 AND state = 'idle' AND query LIKE '%LISTEN%'");
    st.bind(1, "orderly-listener-" + std::to_string(node_pid));
    return st.step() ? st.int64(0) : 0;
}

}  // namespace

TEST_CASE(
    "a run on one node is tailed through another within 0.5 s a line, also after the "
    "listener's connection was terminated",
    "[pg][nodes][executions]") {
    PgTestDb pg;
    Dir dir;
    auto script = write_script(dir.path, "tick.sh",
                               "#!/bin/sh\necho \"pid $$\"\ni=0\nwhile [ $i -lt 600 ]; do "
                               "i=$((i+1)); echo \"tick $i $(date +%s%3N)\"; sleep 0.3; done\n");
    ServerProcess node1(pg.uri(), {}, node_env(dir.path, "node1"));
    auto a = login_at(node1.port(), "admin", kPassword);
    Categories cat(a);
    const int64_t id = run_template(a, make_template(a, cat, script)).execution_id;
    // Running on node 1 before node 2 exists: node 1 is the writer.
    const std::string head = wait_log(a, id, "tick 1 ");
    REQUIRE(head.find("tick 1 ") != std::string::npos);

    ServerProcess node2(pg.uri(), {}, node_env(dir.path, "node2"));
    Client b(node2.port());
    b.set_token(a.token());
    storage::postgres::PgConnection admin(pg.uri());
    int64_t backend = 0;
    REQUIRE(wait_until([&] { return (backend = listener_backend(admin, node2.pid())) != 0; }));

    Tail tail(b, id, static_cast<int64_t>(read_log(b, id).size()));
    auto delays = tail.next(8);
    REQUIRE(delays.size() >= 8);
    INFO("delays through node 2 (ms): " << Catch::Detail::stringify(delays));
    CHECK(max_of(delays) < 500);

    // The listener's backend goes away; the node opens a new one and listens again.
    auto kill = admin.prepare("SELECT pg_terminate_backend(CAST(?1 AS INTEGER))");
    kill.bind(1, backend);
    REQUIRE(kill.step());
    CHECK(kill.int64(0) == 1);
    int64_t again = 0;
    REQUIRE(wait_until([&] {
        again = listener_backend(admin, node2.pid());
        return again != 0 && again != backend;
    }));
    // Lines printed while nobody listened came by polling; those printed since are measured.
    auto after = tail.next(8, now_ms());
    REQUIRE(after.size() >= 8);
    INFO("delays after the reconnect (ms): " << Catch::Detail::stringify(after));
    CHECK(max_of(after) < 500);

    CHECK(b.post(exec_path(id, "/cancel"), "").status == 202);
    CHECK(wait_end(b, id, 15s).str("status") == "cancelled");
}
