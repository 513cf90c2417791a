#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "domain/accounts.h"
#include "storage/accounts_store.h"
#include "storage/migrations.h"
#include "storage/sqlite.h"
#include "support/process.h"

using namespace orderly;
using storage::Connection;

TEST_CASE("migrations apply once and set user_version", "[storage]") {
    auto dir = test::temp_dir();
    storage::Database db(dir + "/a.db", 2);
    int v = db.migrate();
    CHECK(v == static_cast<int>(storage::embedded_migrations().size()));
    CHECK(db.migrate() == v);  // idempotent
    storage::Database again(dir + "/a.db", 1);
    CHECK(again.migrate() == v);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the audit log refuses UPDATE and DELETE", "[storage]") {
    auto dir = test::temp_dir();
    storage::Database db(dir + "/a.db", 2);
    db.migrate();
    db.write([](Connection& c) {
        domain::AuditEvent e;
        e.at = 1;
        e.action = "x.y";
        e.object_type = "x";
        e.object_id = "1";
        e.summary = "s";
        storage::append_audit(c, e);
    });
    CHECK_THROWS(db.write(
        [](Connection& c) { c.exec_script("UPDATE audit_events SET summary = 'forged'"); }));
    CHECK_THROWS(db.write([](Connection& c) { c.exec_script("DELETE FROM audit_events"); }));
    auto events = db.read([](Connection& c) { return storage::list_audit(c, {}); });
    REQUIRE(events.size() == 1);
    CHECK(events[0].summary == "s");
    std::filesystem::remove_all(dir);
}

TEST_CASE("a failed write transaction leaves nothing behind", "[storage]") {
    auto dir = test::temp_dir();
    storage::Database db(dir + "/a.db", 2);
    db.migrate();
    CHECK_THROWS(db.write([](Connection& c) {
        domain::Role r{"half", "Half", {"audit.read"}, false, 1};
        (void)storage::insert_role(c, r, 1);
        throw std::runtime_error("boom");
    }));
    CHECK_FALSE(db.read([](Connection& c) { return storage::find_role(c, "half"); }));
    std::filesystem::remove_all(dir);
}

TEST_CASE("pragmas: WAL, foreign keys and full sync on every connection", "[storage]") {
    auto dir = test::temp_dir();
    storage::Database db(dir + "/a.db", 2);
    db.migrate();
    db.read([](Connection& c) {
        auto s = c.prepare("PRAGMA journal_mode");
        s.step();
        CHECK(s.text(0) == "wal");
        auto f = c.prepare("PRAGMA foreign_keys");
        f.step();
        CHECK(f.integer(0) == 1);
        auto y = c.prepare("PRAGMA synchronous");
        y.step();
        CHECK(y.integer(0) == 2);
    });
    std::filesystem::remove_all(dir);
}

TEST_CASE("two Database objects on one file both see each other's writes", "[storage]") {
    auto dir = test::temp_dir();
    storage::Database a(dir + "/a.db", 2), b(dir + "/a.db", 2);
    a.migrate();
    b.migrate();
    std::thread ta([&] {
        for (int i = 0; i < 50; ++i)
            a.write([&](Connection& c) {
                domain::Role r{"a" + std::to_string(i), "A", {}, false, 1};
                (void)storage::insert_role(c, r, 1);
            });
    });
    std::thread tb([&] {
        for (int i = 0; i < 50; ++i)
            b.write([&](Connection& c) {
                domain::Role r{"b" + std::to_string(i), "B", {}, false, 1};
                (void)storage::insert_role(c, r, 1);
            });
    });
    ta.join();
    tb.join();
    CHECK(a.read([](Connection& c) { return storage::list_roles(c).size(); }) == 101);
    CHECK(b.read([](Connection& c) { return storage::list_roles(c).size(); }) == 101);
    std::filesystem::remove_all(dir);
}
