// The PostgreSQL driver against a real server: statements and their parameters, errors and
// their kinds, transactions, retries and the connection pool.
#include <catch2/catch.hpp>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pg_test_db.h"
#include "storage/database.h"
#include "storage/postgres/database.h"
#include "support/process.h"

using namespace orderly;
using storage::Connection;
using storage::Database;
using storage::DbError;
using storage::ExecResult;

TEST_CASE("a postgresql:// path opens the PostgreSQL driver, its path without the password",
          "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    CHECK(std::string(db.dialect().name()) == "postgres");
    CHECK(db.ping());
    db.read(
        [&](Connection& c) { CHECK(c.path() == storage::postgres::redact_password(pg.uri())); });
}

TEST_CASE("every bound type reads back as it was written", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) {
        c.exec_script(
            "CREATE TABLE t (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, i BIGINT, "
            "r DOUBLE PRECISION, s TEXT, b BYTEA, n BIGINT)");
    });
    const std::string text = "数据库 ✓ 'quoted' ?1 \"x\" \\ 😀";
    const std::string blob("\x00\xff\x01'\\x", 6);
    const int64_t big = std::numeric_limits<int64_t>::min();
    const int64_t id = db.write([&](Connection& c) {
        auto st =
            c.prepare("INSERT INTO t (i, r, s, b, n) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
        st.bind(1, big).bind(2, 0.1).bind(3, text).bind_blob(4, blob.data(), blob.size());
        st.bind_null(5);
        REQUIRE(st.step());
        return st.int64(0);
    });
    db.read([&](Connection& c) {
        auto st = c.prepare("SELECT i, r, s, b, n, '?2' FROM t WHERE id = ?1");
        st.bind(1, id);
        REQUIRE(st.step());
        CHECK(st.int64(0) == big);
        CHECK(st.real(1) == 0.1);
        CHECK(st.text(2) == text);
        CHECK(st.blob(3) == blob);
        CHECK(st.is_null(4));
        CHECK_FALSE(st.is_null(3));
        CHECK(st.opt_int64(4) == std::nullopt);
        CHECK(st.text(5) == "?2");  // a placeholder inside a string literal stays text
        CHECK_FALSE(st.step());
    });
    // A parameter that is only ever compared with NULL, bound as NULL and as a value.
    auto matching = [&](std::optional<int64_t> i) {
        return db.read([&](Connection& c) {
            auto st = c.prepare("SELECT count(*) FROM t WHERE ?1 IS NULL OR i = ?1");
            st.bind(1, i);
            st.step();
            return st.int64(0);
        });
    };
    CHECK(matching(std::nullopt) == 1);
    CHECK(matching(big) == 1);
    CHECK(matching(7) == 0);
    CHECK(matching(std::nullopt) == 1);
    db.read([&](Connection& c) {  // a text column this time, in a transaction that goes on
        auto st = c.prepare("SELECT count(*) FROM t WHERE ?1 IS NULL OR s = ?1");
        st.bind_null(1);
        REQUIRE(st.step());
        CHECK(st.int64(0) == 1);
        auto again = c.prepare("SELECT count(*) FROM t WHERE s = ?1");
        again.bind(1, text);
        REQUIRE(again.step());
        CHECK(again.int64(0) == 1);
    });
    db.read([](Connection& c) {
        auto st = c.prepare("SELECT 1 = 1, 1 = 0, 2.5::float8, NULL::text");
        REQUIRE(st.step());
        CHECK(st.int64(0) == 1);  // booleans read as 1 and 0, as on SQLite
        CHECK(st.int64(1) == 0);
        CHECK(st.real(2) == 2.5);
        CHECK(st.opt_text(3) == std::nullopt);
    });
}

TEST_CASE("changes() counts the rows of the last change, RETURNING rows are readable", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) {
        c.exec_script("CREATE TABLE t (k BIGINT PRIMARY KEY)");
        c.prepare("INSERT INTO t (k) SELECT generate_series(1, 5)").exec();
        CHECK(c.changes() == 5);
        auto upd = c.prepare("UPDATE t SET k = k + 10 WHERE k > ?1");
        upd.bind(1, 3).exec();
        CHECK(c.changes() == 2);
        auto sel = c.prepare("SELECT k FROM t");
        while (sel.step()) {
        }
        CHECK(c.changes() == 2);  // a SELECT changes nothing
        // exec and exec_checked leave a RETURNING row readable, as SQLite's one step does.
        auto ret = c.prepare("INSERT INTO t (k) VALUES (?1) RETURNING k * 2");
        ret.bind(1, 100).exec();
        CHECK(ret.int64(0) == 200);
        auto checked = c.prepare("INSERT INTO t (k) VALUES (?1) RETURNING k * 3");
        CHECK(checked.bind(1, 101).exec_checked() == ExecResult::ok);
        CHECK(checked.int64(0) == 303);
        CHECK_FALSE(checked.step());
    });
}

TEST_CASE("exec_checked reports constraint violations and the transaction goes on", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) {
        c.exec_script(
            "CREATE TABLE p (k TEXT PRIMARY KEY);"
            "CREATE TABLE ch (k TEXT REFERENCES p(k), n BIGINT NOT NULL CHECK (n >= 0))");
    });
    db.write([](Connection& c) {
        auto ins = [&](const char* k) {
            auto st = c.prepare("INSERT INTO p (k) VALUES (?1)");
            st.bind(1, k);
            return st.exec_checked();
        };
        CHECK(ins("a") == ExecResult::ok);
        CHECK(ins("a") == ExecResult::unique_violation);
        auto child = [&](const char* k, std::optional<int64_t> n) {
            auto st = c.prepare("INSERT INTO ch (k, n) VALUES (?1, ?2)");
            st.bind(1, k).bind(2, n);
            return st.exec_checked();
        };
        CHECK(child("zz", 1) == ExecResult::foreign_key_violation);
        CHECK(child("a", -1) == ExecResult::check_violation);
        CHECK(child("a", std::nullopt) == ExecResult::other_constraint);
        CHECK(ins("b") == ExecResult::ok);  // the refused statements did not abort the rest
        CHECK(child("b", 2) == ExecResult::ok);
    });
    CHECK(test::count_rows(db, "p") == 2);
    CHECK(test::count_rows(db, "ch") == 1);
    // Outside exec_checked a violation throws, of kind constraint.
    try {
        db.write([](Connection& c) { c.prepare("INSERT INTO p (k) VALUES ('a')").exec(); });
        FAIL("no error");
    } catch (const DbError& e) {
        CHECK(e.kind() == StorageFailure::constraint);
    }
}

TEST_CASE("a write that throws or fails leaves nothing behind", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) { c.exec_script("CREATE TABLE t (k BIGINT)"); });
    CHECK_THROWS_AS(db.write([](Connection& c) {
        c.prepare("INSERT INTO t (k) VALUES (1)").exec();
        throw std::runtime_error("changed my mind");
    }),
                    std::runtime_error);
    Result<void> r = db.write([](Connection& c) -> Result<void> {
        c.prepare("INSERT INTO t (k) VALUES (2)").exec();
        return Error::Conflict("no");
    });
    CHECK_FALSE(r.ok());
    CHECK(test::count_rows(db, "t") == 0);
    CHECK_THROWS_AS(db.write([](Connection& c) { c.prepare("SELECT nonsense FROM t").exec(); }),
                    DbError);
    db.write([](Connection& c) { c.prepare("INSERT INTO t (k) VALUES (3)").exec(); });
    CHECK(test::count_rows(db, "t") == 1);
    CHECK(db.write_stats().commits >= 2);
}

TEST_CASE("two writes that update the same row concurrently both take effect", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) {
        c.exec_script("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
        c.prepare("INSERT INTO counter VALUES (1, 0)").exec();
    });
    // Both first attempts read n before either writes: the second to update fails with a
    // serialization failure, and the driver runs it again on a new snapshot.
    std::barrier both_read(2);
    std::atomic<int> attempts{0};
    auto increment = [&] {
        bool first = true;
        db.write([&](Connection& c) {
            attempts.fetch_add(1);
            int64_t n = 0;
            {
                auto st = c.prepare("SELECT n FROM counter WHERE id = 1");
                st.step();
                n = st.int64(0);
            }
            if (std::exchange(first, false)) both_read.arrive_and_wait();
            auto up = c.prepare("UPDATE counter SET n = ?1 WHERE id = 1");
            up.bind(1, n + 1).exec();
        });
    };
    std::thread a(increment);
    std::thread b(increment);
    a.join();
    b.join();
    db.read([](Connection& c) {
        auto st = c.prepare("SELECT n FROM counter WHERE id = 1");
        st.step();
        CHECK(st.int64(0) == 2);
    });
    CHECK(attempts.load() == 3);
}

TEST_CASE("a write whose connection is lost before COMMIT runs again on a new one", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) { c.exec_script("CREATE TABLE t (k BIGINT)"); });
    int attempts = 0;
    db.write([&](Connection& c) {
        ++attempts;
        c.prepare("INSERT INTO t (k) VALUES (1)").exec();
        if (attempts == 1) c.exec_script("SELECT pg_terminate_backend(pg_backend_pid())");
    });
    CHECK(attempts == 2);
    CHECK(test::count_rows(db, "t") == 1);
    CHECK(db.ping());
}

TEST_CASE("a connection lost during COMMIT is an unknown outcome, never retried", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    // A deferred trigger runs inside COMMIT: this one ends its own connection there.
    db.write([](Connection& c) {
        c.exec_script(
            "CREATE TABLE t (k BIGINT);"
            "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NULL; "
            "END $$;"
            "CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON t DEFERRABLE INITIALLY "
            "DEFERRED FOR EACH ROW EXECUTE FUNCTION die()");
    });
    int attempts = 0;
    try {
        db.write([&](Connection& c) {
            ++attempts;
            c.prepare("INSERT INTO t (k) VALUES (1)").exec();
        });
        FAIL("no error");
    } catch (const DbError& e) {
        CHECK(e.kind() == StorageFailure::connection_lost);
        CHECK(std::string(e.what()).find("unknown") != std::string::npos);
    }
    CHECK(attempts == 1);
    CHECK(db.ping());  // the pool replaced the connection
}

TEST_CASE("connections the server closed while idle are replaced", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.write([](Connection& c) { c.exec_script("CREATE TABLE t (k BIGINT)"); });
    CHECK(test::count_rows(db, "t") == 0);
    {
        // As a server restart would: every other connection to the database ends.
        storage::postgres::PgConnection killer(pg.uri());
        killer.exec_script(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    }
    CHECK(test::count_rows(db, "t") == 0);
    db.write([](Connection& c) { c.prepare("INSERT INTO t VALUES (1)").exec(); });
    CHECK(test::count_rows(db, "t") == 1);
}

TEST_CASE("a read sees one snapshot while others write", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 2);
    db.write([](Connection& c) {
        c.exec_script("CREATE TABLE t (k BIGINT); INSERT INTO t VALUES (1)");
    });
    db.read([&](Connection& c) {
        auto n = [&] {
            auto st = c.prepare("SELECT count(*) FROM t");
            st.step();
            return st.int64(0);
        };
        CHECK(n() == 1);
        // Another thread (another connection of the pool) commits a row meanwhile.
        std::thread([&] {
            db.write([](Connection& w) { w.prepare("INSERT INTO t VALUES (2)").exec(); });
        }).join();
        CHECK(n() == 1);
    });
    CHECK(test::count_rows(db, "t") == 2);
}

TEST_CASE("a transaction that finds no free connection fails instead of waiting forever", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), storage::postgres::open_database(
                              pg.uri(), {.connections = 1,
                                         .checkout_timeout = std::chrono::milliseconds(200)}));
    db.read([&](Connection&) {
        // This thread holds the only connection.
        auto other = std::async(std::launch::async, [&] {
            try {
                db.write([](Connection&) {});
            } catch (const DbError& e) {
                return e.kind();
            }
            return StorageFailure::other;
        });
        CHECK(other.get() == StorageFailure::busy);
        auto ping = std::async(std::launch::async, [&] { return db.ping(); });
        CHECK_FALSE(ping.get());
    });
    CHECK(db.ping());  // the connection is free again
}

TEST_CASE("transactions waiting for a connection get one in the order they asked", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), storage::postgres::open_database(pg.uri(), {.connections = 1}));
    db.write([](Connection& c) { c.exec_script("CREATE TABLE t (n BIGSERIAL, k BIGINT)"); });
    std::vector<std::future<void>> waiting;
    db.read([&](Connection&) {
        // This thread holds the only connection; each write asks for it once the one before
        // is queued.
        for (int i = 0; i < 4; ++i) {
            waiting.push_back(std::async(std::launch::async, [&db, i] {
                db.write([i](Connection& c) {
                    c.prepare("INSERT INTO t (k) VALUES (?1)").bind(1, int64_t{i}).exec();
                });
            }));
            REQUIRE(test::wait_until([&] { return db.pool_stats().waiting == i + 1; }));
        }
        CHECK(db.pool_stats().open == 1);
    });
    for (auto& w : waiting) w.get();
    CHECK(db.pool_stats().waiting == 0);
    CHECK(db.pool_stats().open == 1);
    std::vector<int64_t> order;
    db.read([&](Connection& c) {
        auto s = c.prepare("SELECT k FROM t ORDER BY n");
        while (s.step()) order.push_back(s.int64(0));
    });
    CHECK(order == std::vector<int64_t>{0, 1, 2, 3});
}

TEST_CASE("a waiter that times out leaves the queue, and the next one is served", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), storage::postgres::open_database(
                              pg.uri(), {.connections = 1,
                                         .checkout_timeout = std::chrono::milliseconds(2000)}));
    std::future<bool> late;
    db.read([&](Connection&) {
        auto first = std::async(std::launch::async, [&] {
            try {
                db.write([](Connection&) {});
            } catch (const DbError& e) {
                return e.kind() == StorageFailure::busy;
            }
            return false;
        });
        CHECK(first.get());
        CHECK(db.pool_stats().waiting == 0);
        late = std::async(std::launch::async, [&] { return db.ping(); });
        REQUIRE(test::wait_until([&] { return db.pool_stats().waiting == 1; }));
    });
    // Handed the connection when the read above gave it back, within its 2 s.
    CHECK(late.get());
    CHECK(db.pool_stats().waiting == 0);
}

TEST_CASE("a server that cannot be reached fails as connection_lost", "[pg]") {
    test::PgTestDb pg;
    const std::string missing = test::with_database(pg.uri(), "no_such_database");
    try {
        Database db(missing, 1);
        FAIL("no error");
    } catch (const DbError& e) {
        CHECK(e.kind() == StorageFailure::connection_lost);
        CHECK(std::string(e.what()).find("no_such_database") != std::string::npos);
    }
}

TEST_CASE("backups of a PostgreSQL database point to pg_dump", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    try {
        db.backup_to("/tmp/x.db");
        FAIL("no error");
    } catch (const DbError& e) {
        CHECK(std::string(e.what()).find("pg_dump") != std::string::npos);
    }
}
