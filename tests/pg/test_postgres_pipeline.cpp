// The PostgreSQL driver sends statements in libpq's pipeline mode: how many round trips a
// transaction takes, and that a statement whose result was not waited for still fails its
// transaction, with its own error, and leaves nothing behind.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "app/people.h"
#include "pg_test_db.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "storage/postgres/database.h"
#include "support/fake_ticket_ports.h"

using namespace orderly;
using storage::Connection;
using storage::Database;
using storage::DbError;
using storage::ExecResult;

namespace {

// Advisory locks held in this test's database (other tests run beside it): the write-turn lock
// must be released by every write, whatever became of it.
int64_t advisory_locks(const std::string& uri) {
    storage::postgres::PgConnection c(uri);
    auto st = c.prepare(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND d.datname = current_database()");
    st.step();
    return st.int64(0);
}

// Ten inserts, none of whose results is waited for.
void insert_ten(Database& db, int64_t from) {
    db.write([&](Connection& c) {
        for (int64_t k = from; k < from + 10; ++k)
            c.prepare("INSERT INTO t (k) VALUES (?1)").bind(1, k).exec();
    });
}

// Runs fn as a write that must fail with a constraint violation.
template <typename Fn>
void check_fails_on_constraint(Database& db, Fn fn) {
    try {
        db.write(fn);
        FAIL("no error");
    } catch (const DbError& e) {
        CHECK(e.kind() == StorageFailure::constraint);
    }
}

}  // namespace

TEST_CASE("a write of ten inserts is one round trip, lock, BEGIN and COMMIT included", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.write([](Connection& c) { c.exec_script("CREATE TABLE t (k BIGINT PRIMARY KEY)"); });
    insert_ten(db, 0);  // prepares the statement on each connection it ran on
    insert_ten(db, 10);
    const uint64_t before = db.round_trips();
    insert_ten(db, 20);
    CHECK(db.round_trips() - before == 1);
    CHECK(test::count_rows(db, "t") == 30);
    CHECK(advisory_locks(pg.uri()) == 0);
}

TEST_CASE("statements sent ahead are read in the round trip of the next one", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.write([](Connection& c) {
        c.exec_script("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT)");
        c.exec_script("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    });
    const char* by_key = "SELECT v FROM t WHERE k = ?1";
    const char* above = "SELECT count(*) FROM t WHERE k > ?1";
    auto read_all = [&] {
        db.read([&](Connection& c) {
            c.prepare(by_key).bind(1, 2).send();
            c.prepare(above).bind(1, 1).send();
            auto first = c.prepare("SELECT v FROM t WHERE k = 1");
            REQUIRE(first.step());
            CHECK(first.text(0) == "one");
            const uint64_t waited = db.round_trips();
            {
                auto n = c.prepare(above);
                REQUIRE(n.bind(1, 1).step());
                CHECK(n.int64(0) == 2);
                CHECK_FALSE(n.step());
                CHECK(db.round_trips() == waited);  // it had come with the first
            }
            // Bound otherwise than it was sent: runs again, with these bindings.
            auto three = c.prepare(by_key);
            REQUIRE(three.bind(1, 3).step());
            CHECK(three.text(0) == "three");
            CHECK(db.round_trips() == waited + 1);
        });
    };
    read_all();  // prepares
    const uint64_t before = db.round_trips();
    read_all();
    // BEGIN with the three statements, then the one bound otherwise. COMMIT is sent without
    // waiting: its answer is read with the next transaction's first statements.
    CHECK(db.round_trips() - before == 2);
    // Sent, then read with the same bindings.
    db.read([&](Connection& c) {
        c.prepare(by_key).bind(1, 2).send();
        auto first = c.prepare("SELECT v FROM t WHERE k = 1");
        REQUIRE(first.step());
        const uint64_t waited = db.round_trips();
        auto two = c.prepare(by_key);
        REQUIRE(two.bind(1, 2).step());
        CHECK(two.text(0) == "two");
        CHECK(db.round_trips() == waited);
    });
}

TEST_CASE("a statement sent in one transaction is never read in another", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.write([](Connection& c) { c.exec_script("CREATE TABLE t (k BIGINT PRIMARY KEY)"); });
    const char* sql = "SELECT count(*) FROM t WHERE k > ?1";
    db.read([&](Connection& c) { c.prepare(sql).bind(1, 0).send(); });  // never stepped
    db.write([](Connection& c) { c.prepare("INSERT INTO t VALUES (1), (2)").exec(); });
    db.read([&](Connection& c) {
        auto st = c.prepare(sql);
        REQUIRE(st.bind(1, 0).step());
        CHECK(st.int64(0) == 2);
    });
}

TEST_CASE("a queued statement that fails fails its write, which leaves nothing behind", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) {
        c.exec_script("CREATE TABLE t (k BIGINT PRIMARY KEY); INSERT INTO t VALUES (1)");
    });
    SECTION("thrown by the next statement that is waited for") {
        bool reached = false;
        try {
            db.write([&](Connection& c) {
                c.prepare("INSERT INTO t VALUES (2)").exec();
                c.prepare("INSERT INTO t VALUES (1)").exec();  // a duplicate key
                auto st = c.prepare("SELECT count(*) FROM t");
                st.step();
                reached = true;
            });
            FAIL("no error");
        } catch (const DbError& e) {
            CHECK(e.kind() == StorageFailure::constraint);
            CHECK(std::string(e.what()).find("duplicate key") != std::string::npos);
        }
        CHECK_FALSE(reached);
    }
    SECTION("thrown at COMMIT when nothing was waited for") {
        check_fails_on_constraint(db, [&](Connection& c) {
            c.prepare("INSERT INTO t VALUES (2)").exec();
            c.prepare("INSERT INTO t VALUES (1)").exec();
        });
    }
    SECTION("changes() waits for the change it counts") {
        check_fails_on_constraint(db, [&](Connection& c) {
            c.prepare("INSERT INTO t VALUES (1)").exec();
            (void)c.changes();
            FAIL("changes() answered");
        });
    }
    SECTION("exec_checked does not take an earlier statement's violation for its own") {
        check_fails_on_constraint(db, [&](Connection& c) {
            c.prepare("INSERT INTO t VALUES (1)").exec();
            c.prepare("INSERT INTO t VALUES (3)").exec_checked();
            FAIL("exec_checked answered");
        });
    }
    CHECK(test::count_rows(db, "t") == 1);
    CHECK(advisory_locks(pg.uri()) == 0);
    db.write([](Connection& c) { c.prepare("INSERT INTO t VALUES (2)").exec(); });
    CHECK(test::count_rows(db, "t") == 2);
}

TEST_CASE("a write that collides runs again alone, and every turn is given back", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) {
        c.exec_script(
            "CREATE TABLE t (k BIGINT PRIMARY KEY, n BIGINT); INSERT INTO t VALUES (1, 0)");
    });
    int attempts = 0;
    db.write([&](Connection& c) {
        ++attempts;
        auto st = c.prepare("SELECT n FROM t WHERE k = 1");
        st.step();
        if (attempts == 1) {
            // Another transaction changes the row after this one's snapshot.
            storage::postgres::PgConnection other(pg.uri());
            other.exec_script("UPDATE t SET n = n + 1 WHERE k = 1");
        }
        c.prepare("UPDATE t SET n = n + 10 WHERE k = 1").exec();
    });
    CHECK(attempts == 2);
    db.read([](Connection& c) {
        auto st = c.prepare("SELECT n FROM t WHERE k = 1");
        REQUIRE(st.step());
        CHECK(st.int64(0) == 11);
    });
    CHECK(advisory_locks(pg.uri()) == 0);
}

TEST_CASE("a read ends its transaction on the server without waiting for the answer", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.write([](Connection& c) { c.exec_script("CREATE TABLE t (k BIGINT)"); });
    CHECK(test::count_rows(db, "t") == 0);
    // The COMMIT was sent: the session goes idle without another statement on it.
    storage::postgres::PgConnection watcher(pg.uri());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int64_t open = 1;
    while (open > 0 && std::chrono::steady_clock::now() < deadline) {
        open = test::count_sessions(watcher, "state LIKE 'idle in transaction%'");
    }
    CHECK(open == 0);
    // The connection goes on, its answer read with the next statements.
    db.write([](Connection& c) { c.prepare("INSERT INTO t VALUES (1)").exec(); });
    CHECK(test::count_rows(db, "t") == 1);
}

TEST_CASE("a user comes back with their roles in one round trip, and the caller's profile too",
          "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.migrate();
    const int64_t id = db.write([](Connection& c) {
        domain::User u;
        u.username = "ann";
        u.display_name = "Ann";
        const int64_t ann = unwrap(storage::insert_user(c, u, "not-a-hash"));
        unwrap(storage::set_user_roles(c, ann, {"admin"}));
        return ann;
    });
    test::ManualClock clock{1'700'000'000'000};
    app::People people{db, clock};
    const app::Principal ann{id, "ann", "Ann", 0, false, {"admin"}, {"admin"}};
    const app::Caller caller{&ann, "192.0.2.1", "req-1"};

    // Each read: BEGIN with its statements, one round trip; its COMMIT is not waited for.
    auto trips = [&](const auto& read) {
        read();  // prepares the statements on the connection
        const uint64_t before = db.round_trips();
        read();
        return db.round_trips() - before;
    };
    CHECK(trips([&] {
              const auto u = db.read([&](Connection& c) { return storage::find_user(c, id); });
              REQUIRE(u.has_value());
              CHECK(u->roles == std::vector<std::string>{"admin"});
          }) == 1);
    CHECK(trips([&] {
              const auto u =
                  db.read([&](Connection& c) { return storage::find_user_by_name(c, "ann"); });
              REQUIRE(u.has_value());
              CHECK(u->roles == std::vector<std::string>{"admin"});
          }) == 1);
    CHECK(trips([&] {
              const auto me = people.me(caller);
              CHECK(me.user.username == "ann");
              CHECK(me.user.roles == std::vector<std::string>{"admin"});
              CHECK(me.permissions.count("admin") == 1);
          }) == 1);
}
