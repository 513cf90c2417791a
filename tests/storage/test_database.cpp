#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "domain/accounts.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/sqlite/connection.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::Connection;

TEST_CASE("migrations apply once and set user_version", "[storage]") {
    auto dir = test::temp_dir();
    const std::string location = test::database_location(dir, "a.db");
    storage::Database db(location, 2);
    int v = db.migrate();
    CHECK(v == static_cast<int>(storage::embedded_migrations(db.dialect().name()).size()));
    CHECK(db.migrate() == v);  // idempotent
    storage::Database again(location, 1);
    CHECK(again.migrate() == v);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the audit log refuses UPDATE and DELETE", "[storage]") {
    auto dir = test::temp_dir();
    storage::Database db(test::database_location(dir, "a.db"), 2);
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
    storage::Database db(test::database_location(dir, "a.db"), 2);
    db.migrate();
    CHECK_THROWS(db.write([](Connection& c) {
        domain::Role r{"half", "Half", {"audit.read"}, false, 1};
        (void)storage::insert_role(c, r, 1);
        throw std::runtime_error("boom");
    }));
    CHECK_FALSE(db.read([](Connection& c) { return storage::find_role(c, "half"); }));
    std::filesystem::remove_all(dir);
}

TEST_CASE("pragmas: WAL, foreign keys and full sync on every connection",
          "[storage][sqlite-only]") {
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
    const std::string location = test::database_location(dir, "a.db");
    storage::Database a(location, 2), b(location, 2);
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

// Group commit: writes that arrive together share one transaction and one fsync, yet each one
// keeps or loses only its own change and hears only of its own outcome.
TEST_CASE("concurrent writes keep or lose only their own change", "[storage]") {
    auto dir = test::temp_dir();
    storage::Database db(test::database_location(dir, "a.db"), 2);
    db.migrate();
    const size_t before = db.read([](Connection& c) { return storage::list_roles(c).size(); });
    constexpr int kThreads = 8, kEach = 60;
    std::atomic<int> kept{0}, thrown{0}, refused{0}, wrong{0};
    auto key = [](int t, int i) { return "t" + std::to_string(t) + "-" + std::to_string(i); };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                domain::Role r{key(t, i), "R", {"audit.read"}, false, 1};
                switch (i % 3) {
                    case 0:
                        db.write([&](Connection& c) { (void)storage::insert_role(c, r, 1); });
                        ++kept;
                        break;
                    case 1:
                        try {
                            db.write([&](Connection& c) {
                                (void)storage::insert_role(c, r, 1);
                                throw std::runtime_error("boom " + r.key);
                            });
                            ++wrong;
                        } catch (const std::runtime_error& e) {
                            // The caller hears its own failure, not a neighbour's.
                            if (std::string(e.what()) == "boom " + r.key)
                                ++thrown;
                            else
                                ++wrong;
                        }
                        break;
                    default: {
                        Result<void> res = db.write([&](Connection& c) -> Result<void> {
                            (void)storage::insert_role(c, r, 1);
                            return Error::Conflict("refused " + r.key);
                        });
                        if (!res.ok() && res.error().message == "refused " + r.key)
                            ++refused;
                        else
                            ++wrong;
                    }
                }
            }
        });
    for (auto& th : threads) th.join();
    CHECK(wrong == 0);
    CHECK(kept == kThreads * kEach / 3);
    CHECK(thrown == kThreads * kEach / 3);
    CHECK(refused == kThreads * kEach / 3);
    db.read([&](Connection& c) {
        CHECK(storage::list_roles(c).size() == before + static_cast<size_t>(kept.load()));
        for (int t = 0; t < kThreads; ++t)
            for (int i = 0; i < kEach; ++i) {
                const bool there = storage::find_role(c, key(t, i)).has_value();
                if (there != (i % 3 == 0)) FAIL("role " << key(t, i) << " there=" << there);
            }
    });
    const auto stats = db.write_stats();
    CHECK(stats.writes == static_cast<uint64_t>(kept.load()));
    CHECK(stats.commits >= 1);
    // Writes that arrive together share a commit, so there are never more commits than write
    // calls. A batch whose writes all rolled back still commits, so commits may exceed the
    // writes that were kept.
    CHECK(stats.commits <= static_cast<uint64_t>(kThreads * kEach));
    std::filesystem::remove_all(dir);
}

TEST_CASE("the write-ahead log is checkpointed in the background", "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    storage::Database db(dir + "/a.db", 2);
    db.migrate();
    // Enough pages to pass the checkpoint threshold several times over.
    const std::string big(3000, 'x');
    for (int i = 0; i < 1500; ++i)
        db.write([&](Connection& c) {
            domain::Role r{"r" + std::to_string(i), big, {}, false, 1};
            (void)storage::insert_role(c, r, 1);
        });
    // A checkpoint copies frames into the database file; once it has, the file holds the rows
    // even without the WAL. Wait for the background thread (bounded).
    CHECK(test::wait_until(
        [&] {
            return db.read([](Connection& c) {
                auto s = c.prepare("PRAGMA main.page_count");
                s.step();
                return s.int64(0) > 1000;
            }) && std::filesystem::file_size(dir + "/a.db") > 1000 * 4096;
        },
        std::chrono::seconds(4)));
    std::filesystem::remove_all(dir);
}

namespace {
// How SQLite would run `sql` on c: true when the plan builds a temporary b-tree.
bool plan_builds_temp_btree(Connection& c, const std::string& sql) {
    auto s = c.prepare("EXPLAIN " + sql);
    while (s.step())
        if (s.text(1) == "OpenEphemeral") return true;
    return false;
}
// The row writes of a ticket action and of executions, notifications and config changes.
const std::vector<std::string> kStatusWrites = {
    "UPDATE tickets SET status = 'approved' WHERE id = 1",
    "UPDATE ticket_nodes SET state = 'done' WHERE id = 1",
    "UPDATE ticket_assignees SET state = 'approved' WHERE node_id = 1 AND user_id = 1",
    "UPDATE executions SET status = 'running' WHERE id = 1",
    "UPDATE notifications SET status = 'sent' WHERE id = 1",
    "UPDATE config_revisions SET action = 'set' WHERE id = 1",
};

// Gives the database at `c` the schema as migration `version` left it.
void schema_at(storage::Connection& c, int version) {
    for (const auto& m : storage::embedded_migrations("sqlite"))
        if (m.version <= version) c.exec_script(m.sql);
    c.exec_script("PRAGMA user_version = " + std::to_string(version));
}
}  // namespace

// Migration 007: CHECK (x IN (...3+ values)) built a temporary b-tree for every row written
// (~48,000 instructions); the same rules as OR chains do not, and still refuse bad values.
// SQLite's query plans and schema table: [sqlite-only].
TEST_CASE("status checks hold without a temporary b-tree per written row",
          "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    storage::Database db(dir + "/a.db", 1);
    db.migrate();
    storage::sqlite::SqliteConnection c(dir + "/a.db");
    for (const auto& sql : kStatusWrites) {
        INFO(sql);
        CHECK_FALSE(plan_builds_temp_btree(c, sql));
    }
    // Nor may a later migration bring one back: no CHECK (x IN (a, b, c...)) in any table.
    auto tables = c.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table'");
    const std::regex in_list(R"(CHECK\s*\(\s*\w+\s+IN\s*\(([^)]*)\))", std::regex::icase);
    while (tables.step()) {
        const std::string sql = tables.text(1);
        for (std::sregex_iterator m(sql.begin(), sql.end(), in_list), end; m != end; ++m) {
            const std::string values = (*m)[1];
            INFO(tables.text(0) << ": " << m->str());
            CHECK(std::count(values.begin(), values.end(), ',') < 2);
        }
    }
    c.exec_script("PRAGMA foreign_keys = OFF");
    c.exec_script(
        "INSERT INTO tickets (id, sn, title, status, creator_id, created_at, updated_at) "
        "VALUES (1, 'CHG-1', 't', 'in_progress', 1, 0, 0);"
        "INSERT INTO ticket_nodes (id, ticket_id, node_key, node_name, node_type, state, "
        "entered_at) VALUES (1, 1, 'review', 'Review', 'approval', 'active', 0);"
        "INSERT INTO ticket_assignees (node_id, user_id, ticket_id, state, assigned_at) "
        "VALUES (1, 1, 1, 'pending', 0)");
    c.exec_script(
        "UPDATE tickets SET status = 'terminated';"
        "UPDATE ticket_nodes SET state = 'withdrawn';"
        "UPDATE ticket_assignees SET state = 'transferred'");
    CHECK_THROWS(c.exec_script("UPDATE tickets SET status = 'archived'"));
    CHECK_THROWS(c.exec_script("UPDATE ticket_nodes SET state = 'paused'"));
    CHECK_THROWS(c.exec_script("UPDATE ticket_assignees SET state = 'maybe'"));
    CHECK_THROWS(
        c.exec_script("INSERT INTO tickets (sn, title, status, creator_id, created_at, updated_at) "
                      "VALUES ('CHG-2', 't', 'IN_PROGRESS', 1, 0, 0)"));
    auto s = c.prepare("SELECT status FROM tickets");
    REQUIRE(s.step());
    CHECK(s.text(0) == "terminated");
    std::filesystem::remove_all(dir);
}

// Upgrades of SQLite files made by older versions: [sqlite-only].
TEST_CASE("a database made before migration 007 keeps its rows and every connection reloads",
          "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    const std::string path = dir + "/a.db";
    {
        storage::sqlite::SqliteConnection old(
            path);  // the schema as version 6 left it, with a ticket
        schema_at(old, 6);
        old.exec_script(
            "INSERT INTO users (id, username, display_name, password_hash, created_at, "
            "updated_at) VALUES (1, 'u', 'U', 'x', 0, 0);"
            "INSERT INTO tickets (id, sn, title, status, creator_id, created_at, updated_at) "
            "VALUES (1, 'CHG-1', 't', 'in_progress', 1, 0, 0)");
    }
    storage::sqlite::SqliteConnection open_before(
        path);  // another process's connection, open during the upgrade
    REQUIRE(plan_builds_temp_btree(open_before, kStatusWrites[0]));
    storage::Database db(path, 1);
    CHECK(db.migrate() >= 7);
    CHECK_THROWS(open_before.exec_script("UPDATE tickets SET status = 'archived'"));
    open_before.exec_script("UPDATE tickets SET status = 'approved'");
    // A plan made now (new SQL text, not the cached one) comes from the reloaded schema.
    CHECK_FALSE(plan_builds_temp_btree(open_before, kStatusWrites[0] + " AND 1"));
    auto s = open_before.prepare("PRAGMA integrity_check");
    REQUIRE(s.step());
    CHECK(s.text(0) == "ok");
    auto t = open_before.prepare("SELECT sn, status FROM tickets");
    REQUIRE(t.step());
    CHECK(t.text(0) == "CHG-1");
    CHECK(t.text(1) == "approved");
    std::filesystem::remove_all(dir);
}

TEST_CASE(
    "a database made at version 8: recorded errors get a general code (009), variables named "
    "like hosts are marked as hosts (010)",
    "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    const std::string path = dir + "/a.db";
    {
        storage::sqlite::SqliteConnection old(path);  // the schema as version 8 left it
        schema_at(old, 8);
        old.exec_script(
            "INSERT INTO notifications (id, event, channel, recipient, delivery_id, status, "
            "queued_at, last_error, skip_reason, created_at, updated_at) VALUES "
            "(1, 'node.waiting', 'webhook', 'http://h/', 'd1', 'failed', 0, 'HTTP 500', NULL, "
            "0, 0), "
            "(2, 'node.waiting', 'email', '', 'd2', 'skipped', 0, NULL, 'user bob has no email "
            "address', 0, 0), "
            "(3, 'node.waiting', 'email', 'a@b.c', 'd3', 'sent', 0, NULL, NULL, 0, 0);"
            "INSERT INTO variables (name, source, last_error, created_at, updated_at) VALUES "
            "('Hosts', 'script', 'exit code 1', 0, 0), ('Modes', 'static', NULL, 0, 0)");
    }
    storage::Database db(path, 1);
    CHECK(db.migrate() >= 9);
    db.read([](Connection& c) {
        auto n = c.prepare(
            "SELECT id, last_error_code, last_error_params, skip_reason_code, "
            "skip_reason_params FROM notifications ORDER BY id");
        std::vector<std::string> rows;
        while (n.step())
            rows.push_back(std::to_string(n.int64(0)) + " " + n.opt_text(1).value_or("-") + " " +
                           n.opt_text(2).value_or("-") + " " + n.opt_text(3).value_or("-") + " " +
                           n.opt_text(4).value_or("-"));
        CHECK(rows == std::vector<std::string>{"1 notification.delivery_failed {} - -",
                                               "2 - - notification.skipped {}", "3 - - - -"});
        auto v = c.prepare(
            "SELECT name, last_error_code, last_error_params, hosts FROM variables ORDER BY name");
        REQUIRE(v.step());
        CHECK(v.text(0) == "Hosts");
        CHECK(v.opt_text(1) == "variable.script_failed");
        CHECK(v.opt_text(2) == R"({"name":"Hosts"})");
        CHECK(v.integer(3) == 1);
        REQUIRE(v.step());
        CHECK_FALSE(v.opt_text(1));
        CHECK(v.integer(3) == 0);
    });
    std::filesystem::remove_all(dir);
}
