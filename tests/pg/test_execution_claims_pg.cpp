// What the nodes' execution claims rely on in PostgreSQL itself: a claim passes over the
// execution another claimer holds locked instead of waiting for it, and a write left idle in
// the middle of its transaction (its node frozen) is ended, so that its row locks do not keep
// other nodes from marking the lost node's executions interrupted.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "pg_test_db.h"
#include "storage/database.h"
#include "storage/execution_store.h"
#include "support/process.h"

using namespace orderly;
using namespace std::chrono_literals;
using storage::Connection;

namespace {

int64_t add_queued(storage::Database& db, int64_t ticket) {
    storage::NewExecution e;
    e.ticket_id = ticket;
    e.environment = "PROD";
    e.queued_at = 1;
    return db.write([&](Connection& c) { return storage::insert_execution(c, e); });
}

}  // namespace

TEST_CASE("a claim passes over the execution another claimer holds locked", "[pg][executions]") {
    test::PgTestDb pg;
    storage::Database db(pg.uri(), 1);
    db.migrate();
    const int64_t first = add_queued(db, 1), second = add_queued(db, 2);
    storage::postgres::PgConnection holder(pg.uri()), other(pg.uri());
    holder.exec_script("BEGIN");
    auto mine = storage::claim_next_execution(holder, "node-a", "tok-a", 10, 30010);
    REQUIRE(mine);
    CHECK(mine->id == first);
    // Waiting for the first claimer's lock would fail here, after 2 s.
    other.exec_script("BEGIN; SET LOCAL lock_timeout = '2s'");
    auto theirs = storage::claim_next_execution(other, "node-b", "tok-b", 11, 30011);
    REQUIRE(theirs);
    CHECK(theirs->id == second);
    CHECK_FALSE(storage::claim_next_execution(other, "node-b", "tok-c", 12, 30012));
    other.exec_script("COMMIT");
    holder.exec_script("COMMIT");
    db.read([&](Connection& c) {
        CHECK(storage::find_execution(c, first)->owner == "node-a");
        CHECK(storage::find_execution(c, second)->owner == "node-b");
        CHECK(storage::find_execution(c, second)->lease_until == 30011);
    });
}

TEST_CASE("a write left idle in its transaction is ended and its row locks released",
          "[pg][executions]") {
    test::PgTestDb pg;
    storage::Database frozen_node(pg.uri(), 1), other_node(pg.uri(), 1);
    frozen_node.migrate();
    const int64_t id = add_queued(frozen_node, 1);
    frozen_node.write(
        [&](Connection& c) { return storage::claim_next_execution(c, "node-a", "tok", 10, 20); });
    std::promise<void> thaw;
    std::shared_future<void> thawed = thaw.get_future().share();
    std::atomic<int> attempts{0};
    std::atomic<bool> locked{false};
    std::string failure;
    std::thread frozen([&] {
        try {
            frozen_node.write([&](Connection& c) {
                const bool first = ++attempts == 1;
                if (!storage::holds_execution(c, {"node-a", "tok"}, id)) return false;
                locked = true;
                if (first) thawed.wait();  // frozen in the middle of its write
                storage::append_execution_log(c, id, 0, "late output\n", 0);
                return true;
            });
        } catch (const std::exception& e) {
            failure = e.what();
        }
    });
    REQUIRE(test::wait_until([&] { return locked.load(); }));
    const auto t0 = std::chrono::steady_clock::now();
    // Another node finds the first one lost and ends its execution: it waits for the row lock
    // only until the server ends the idle transaction.
    storage::ExecutionEnd end{"interrupted", std::nullopt, std::nullopt, "lost"};
    CHECK(other_node.write([&](Connection& c) {
        storage::lock_execution(c, id);
        return storage::finish_execution(c, id, end, 30);
    }));
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited > 5s);
    CHECK(waited < 20s);
    // Thawed, the frozen write finds its connection gone, runs again on a new one, sees that its
    // claim no longer holds and writes nothing.
    thaw.set_value();
    frozen.join();
    CHECK(failure.empty());
    CHECK(attempts == 2);
    auto e = *frozen_node.read([&](Connection& c) { return storage::find_execution(c, id); });
    CHECK(e.status == "interrupted");
    CHECK(e.log_size == 0);
}
