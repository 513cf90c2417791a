// `orderly migrate-db`: an SQLite database filled by the real server moves into PostgreSQL with
// every table, id, blob and Chinese text, and a target that already holds data is refused.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "pg_test_db.h"
#include "storage/database.h"
#include "storage/execution_store.h"
#include "storage/notification_store.h"
#include "support/process.h"
#include "support/test_server.h"

using namespace orderly;
using storage::Connection;
using storage::Database;

namespace {

using test::run_orderly;

std::map<std::string, int64_t> row_counts(Database& db) {
    std::map<std::string, int64_t> out;
    db.read([&](Connection& c) {
        auto tables = c.prepare(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE'");
        std::vector<std::string> names;
        while (tables.step()) names.push_back(tables.text(0));
        for (const auto& t : names) {
            auto st = c.prepare("SELECT count(*) FROM \"" + t + "\"");
            st.step();
            out[t] = st.int64(0);
        }
    });
    return out;
}

int64_t scalar(Database& db, const std::string& sql) {
    return db.read([&](Connection& c) {
        auto st = c.prepare(sql);
        REQUIRE(st.step());
        return st.int64(0);
    });
}

// The first column of the first row: text, or bytes when the query names a blob column.
std::string value(Database& db, const std::string& sql) {
    const bool binary =
        sql.find("data") != std::string::npos || sql.find("_enc") != std::string::npos;
    return db.read([&](Connection& c) {
        auto st = c.prepare(sql);
        REQUIRE(st.step());
        if (st.is_null(0)) return std::string("NULL");
        return binary ? st.blob(0) : st.text(0);
    });
}

// A database the server filled: the demo (users, roles, catalog, configuration with a secret,
// workflows), a ticket with a Chinese title approved (steps), and through the stores an
// execution with a binary log and a queued email.
int64_t fill_sqlite(const std::string& db_path) {
    int64_t service_id = 0;
    {
        test::ServerProcess server(db_path, {"--demo"});
        test::Client c(server.port());
        auto login =
            c.post("/api/v1/auth/login", R"({"username":"admin","password":"admin-demo-pass"})");
        REQUIRE(login.status == 200);
        c.set_token(login.str("token"));
        auto wf = c.post(
            "/api/v1/workflows",
            R"({"name":"迁移 Move","type":"change","allow_self_approval":true,"nodes":[)"
            R"({"key":"submit","type":"submit"},)"
            R"({"key":"review","type":"approval","operators":{"users":["admin"]},"rule":"any"},)"
            R"({"key":"end","type":"end"}]})");
        INFO(wf.body);
        REQUIRE(wf.status == 201);
        auto dep = c.post("/api/v1/workflows/" + std::to_string(wf.num("id")) + "/deploy", "");
        REQUIRE(dep.status == 201);
        auto svc = c.post("/api/v1/services", R"({"name":"move","workflow_version_id":)" +
                                                  std::to_string(dep.num("version_id")) + "}");
        REQUIRE(svc.status == 201);
        service_id = svc.num("id");
        auto t = c.post("/api/v1/tickets", R"({"service_id":)" + std::to_string(svc.num("id")) +
                                               R"(,"title":"数据库迁移 tickets"})");
        INFO(t.body);
        REQUIRE(t.status / 100 == 2);
        auto ok = c.post("/api/v1/tickets/" + std::to_string(t.num("id")) + "/approve", "{}");
        INFO(ok.body);
        REQUIRE(ok.status / 100 == 2);
        server.signal(SIGTERM);
        REQUIRE(server.wait() == 0);
    }
    Database db(db_path, 1);
    db.write([](Connection& c) {
        auto ticket = c.prepare("SELECT id, sn FROM tickets ORDER BY id DESC LIMIT 1");
        REQUIRE(ticket.step());
        storage::NewExecution e;
        e.ticket_id = ticket.int64(0);
        e.ticket_sn = ticket.text(1);
        e.template_name = "模板";
        e.queued_at = 1000;
        const int64_t id = storage::insert_execution(c, e);
        const std::string bytes("日志\0\xff\x01 line\n", 13);
        c.prepare("INSERT INTO execution_logs (execution_id, \"offset\", data) VALUES (?1, 0, ?2)")
            .bind(1, id)
            .bind_blob(2, bytes.data(), bytes.size())
            .exec();
        storage::enqueue_test_email(c, "http://orderly.test", "ops@example.com", 2000);
    });
    return service_id;
}

}  // namespace

TEST_CASE("migrate-db copies an SQLite database into an empty PostgreSQL one", "[pg]") {
    const std::string dir = test::temp_dir();
    const std::string sqlite_path = dir + "/o.db";
    const int64_t service_id = fill_sqlite(sqlite_path);
    test::PgTestDb pg;

    auto copied = run_orderly("migrate-db --from " + sqlite_path + " --to '" + pg.uri() + "'");
    INFO(copied.output);
    REQUIRE(copied.status == 0);
    CHECK(copied.output.find("MISMATCH") == std::string::npos);

    Database source(sqlite_path, 1);
    Database target(pg.uri(), 1);
    const auto counts = row_counts(target);
    for (const char* table : {"users", "tokens", "workflows", "workflow_versions", "tickets",
                              "ticket_steps", "executions", "execution_logs", "config_entries",
                              "notifications", "audit_events", "tickets_fts", "key_check"}) {
        INFO(table);
        CHECK(counts.at(table) > 0);
        CHECK(counts.at(table) == scalar(source, std::string("SELECT count(*) FROM ") + table));
        CHECK(copied.output.find(table) != std::string::npos);  // in the printed table
    }
    // Ids, Chinese text, blobs and encrypted secrets arrive unchanged.
    for (const char* sql :
         {"SELECT title FROM tickets ORDER BY id DESC LIMIT 1",
          "SELECT name FROM workflows ORDER BY id DESC LIMIT 1",
          "SELECT data FROM execution_logs ORDER BY id LIMIT 1",
          "SELECT value_enc FROM config_entries WHERE value_enc IS NOT NULL ORDER BY key LIMIT 1",
          "SELECT username || ':' || CAST(id AS TEXT) FROM users ORDER BY id DESC LIMIT 1"}) {
        INFO(sql);
        CHECK(value(target, sql) == value(source, sql));
    }
    CHECK(value(target, "SELECT data FROM execution_logs ORDER BY id LIMIT 1").size() == 13);
    // The search index on PostgreSQL (a generated tsvector) finds the copied ticket.
    CHECK(
        scalar(target,
               "SELECT count(*) FROM tickets_fts WHERE words @@ to_tsquery('simple', 'tickets')") ==
        1);
    // New rows continue after the copied ids.
    const int64_t max_audit = scalar(target, "SELECT max(id) FROM audit_events");
    const int64_t next = target.write([](Connection& c) {
        auto st = c.prepare(
            "INSERT INTO audit_events (at, action, object_type, object_id, summary) "
            "VALUES (1, 'test', 'test', '1', 'after the move') RETURNING id");
        REQUIRE(st.step());
        return st.int64(0);
    });
    CHECK(next == max_audit + 1);

    // The key check came along: a node with another key than the SQLite server's refuses.
    std::ofstream(dir + "/other.key") << std::string(64, 'b') << "\n";
    auto wrong_key = run_orderly("serve --listen 127.0.0.1:0 --db '" + pg.uri() + "'",
                                 "ORDERLY_SECRET_KEY_FILE=" + dir + "/other.key timeout 20 ");
    INFO(wrong_key.output);
    CHECK(wrong_key.status == 1);
    CHECK(wrong_key.output.find("ORDERLY_SECRET_KEY_FILE") != std::string::npos);

    // Without ORDERLY_SECRET_KEY_FILE a node on a URI looks for orderly.key in its current
    // directory (no file named after the URI); a new key made there is refused and removed.
    auto no_key = run_orderly("serve --listen 127.0.0.1:0 --db '" + pg.uri() + "'",
                              "cd " + dir + " && unset ORDERLY_SECRET_KEY_FILE && timeout 20 ");
    INFO(no_key.output);
    CHECK(no_key.status == 1);
    CHECK(no_key.output.find("no secret key file orderly.key") != std::string::npos);
    CHECK(!std::filesystem::exists(dir + "/orderly.key"));

    // A node on PostgreSQL with the SQLite server's key serves the copied data: the admin logs in
    // with the old password, and a new ticket gets the next id.
    {
        test::ServerProcess node(pg.uri(), {}, {"ORDERLY_SECRET_KEY_FILE=" + sqlite_path + ".key"});
        test::Client c(node.port());
        auto login =
            c.post("/api/v1/auth/login", R"({"username":"admin","password":"admin-demo-pass"})");
        REQUIRE(login.status == 200);
        c.set_token(login.str("token"));
        const int64_t last_ticket = scalar(target, "SELECT max(id) FROM tickets");
        auto old_ticket = c.get("/api/v1/tickets/" + std::to_string(last_ticket));
        INFO(old_ticket.body);
        CHECK(old_ticket.str("title") == "数据库迁移 tickets");
        auto created = c.post("/api/v1/tickets", R"({"service_id":)" + std::to_string(service_id) +
                                                     R"(,"title":"迁移之后 after"})");
        INFO(created.body);
        CHECK(created.status == 201);
        CHECK(created.num("id") == last_ticket + 1);
        node.signal(SIGTERM);
        CHECK(node.wait() == 0);
    }

    // A second copy into the now non-empty database is refused and changes nothing.
    const auto before = row_counts(target);
    auto again = run_orderly("migrate-db --from " + sqlite_path + " --to '" + pg.uri() + "'");
    INFO(again.output);
    CHECK(again.status != 0);
    CHECK(again.output.find("already holds data") != std::string::npos);
    CHECK(row_counts(target) == before);
    std::filesystem::remove_all(dir);
}

TEST_CASE("migrate-db refuses a source that is not an SQLite file", "[pg]") {
    test::PgTestDb pg;
    auto r = run_orderly("migrate-db --from /nonexistent/o.db --to '" + pg.uri() + "'");
    CHECK(r.status != 0);
    CHECK(r.output.find("existing SQLite database file") != std::string::npos);
}
