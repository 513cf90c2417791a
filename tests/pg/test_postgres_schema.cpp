// The PostgreSQL migrations and dialect: they apply once however often and by however many
// processes migrate() runs, they end at the tables and columns SQLite's end at, and the search
// index finds what SQLite's finds.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "domain/ticket_search.h"
#include "pg_test_db.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/postgres/dialect.h"

using namespace orderly;
using storage::Connection;
using storage::Database;

namespace {

using Columns = std::set<std::pair<std::string, std::string>>;

Columns postgres_columns(Database& db) {
    Columns out;
    db.read([&](Connection& c) {
        auto st = c.prepare(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> 'schema_migrations'");
        while (st.step()) out.emplace(st.text(0), st.text(1));
    });
    // The search table's key and tsvector: SQLite's FTS5 table has them built in.
    out.erase({"tickets_fts", "rowid"});
    out.erase({"tickets_fts", "words"});
    return out;
}

Columns sqlite_columns() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("orderly-pg-schema-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    Columns out;
    {
        Database db((dir / "a.db").string(), 1);
        db.migrate();
        db.read([&](Connection& c) {
            auto st = c.prepare(
                "SELECT m.name, p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p "
                "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' "
                "AND m.name NOT LIKE 'tickets_fts_%'");
            while (st.step()) out.emplace(st.text(0), st.text(1));
        });
    }
    std::filesystem::remove_all(dir);
    return out;
}

}  // namespace

TEST_CASE("migrate applies every migration once, however often it runs", "[pg]") {
    test::PgTestDb pg;
    const int latest = static_cast<int>(storage::embedded_migrations("postgres").size());
    REQUIRE(latest == static_cast<int>(storage::embedded_migrations("sqlite").size()));
    Database db(pg.uri(), 2);
    CHECK(db.schema_version() == 0);
    CHECK(db.migrate() == latest);
    CHECK(db.migrate() == latest);
    CHECK(db.schema_version() == latest);
    db.read([](Connection& c) {
        auto st = c.prepare("SELECT count(*) FROM roles WHERE key = 'admin'");
        st.step();
        CHECK(st.int64(0) == 1);  // the seed rows went in once
    });
}

TEST_CASE("processes migrating at the same moment apply each migration once", "[pg]") {
    test::PgTestDb pg;
    const int latest = static_cast<int>(storage::embedded_migrations("postgres").size());
    Database a(pg.uri(), 1);
    Database b(pg.uri(), 1);
    int va = 0;
    int vb = 0;
    std::thread ta([&] { va = a.migrate(); });
    std::thread tb([&] { vb = b.migrate(); });
    ta.join();
    tb.join();
    CHECK(va == latest);
    CHECK(vb == latest);
    a.read([&](Connection& c) {
        auto st = c.prepare("SELECT count(*), count(DISTINCT version) FROM schema_migrations");
        st.step();
        CHECK(st.int64(0) == latest);
        CHECK(st.int64(1) == latest);
    });
}

TEST_CASE("the PostgreSQL schema has the tables and columns of the SQLite schema", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.migrate();
    CHECK(postgres_columns(db) == sqlite_columns());
}

TEST_CASE("the append-only tables refuse changes as a constraint", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.migrate();
    db.write([](Connection& c) {
        c.prepare(
             "INSERT INTO audit_events (at, action, object_type, object_id, summary) "
             "VALUES (1, 'a', 'b', 'c', 'd')")
            .exec();
        CHECK(c.prepare("UPDATE audit_events SET summary = 'x'").exec_checked() ==
              storage::ExecResult::other_constraint);
        CHECK(c.prepare("DELETE FROM audit_events").exec_checked() ==
              storage::ExecResult::other_constraint);
    });
}

TEST_CASE("the search index finds words, Chinese words and single Chinese characters", "[pg]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.migrate();
    db.write([](Connection& c) {
        auto ins = c.prepare("INSERT INTO tickets_fts (rowid, title, body) VALUES (?1, ?2, ?3)");
        ins.bind(1, 1)
            .bind(2, domain::search_text("数据库扩容"))
            .bind(3, domain::search_text("CHG-20261121-0001 nginx.conf Hello，World"))
            .exec();
        auto other = c.prepare("INSERT INTO tickets_fts (rowid, title, body) VALUES (?1, ?2, ?3)");
        other.bind(1, 2).bind(2, domain::search_text("重启服务")).bind(3, "nginx").exec();
    });
    auto found = [&](const std::string& q) {
        const std::string query = db.dialect().full_text_query(domain::search_terms(q));
        std::set<int64_t> ids;
        db.read([&](Connection& c) {
            auto st =
                c.prepare("SELECT rowid FROM tickets_fts WHERE words @@ to_tsquery('simple', ?1)");
            st.bind(1, query);
            while (st.step()) ids.insert(st.int64(0));
        });
        return ids;
    };
    CHECK(found("数据库") == std::set<int64_t>{1});
    CHECK(found("扩容") == std::set<int64_t>{1});
    CHECK(found("容") == std::set<int64_t>{1});  // the last character of a run
    CHECK(found("数") == std::set<int64_t>{1});
    CHECK(found("库数").empty());
    CHECK(found("NGINX") == std::set<int64_t>{1, 2});
    CHECK(found("nginx 服务") == std::set<int64_t>{2});
    CHECK(found("CHG-20261121") == std::set<int64_t>{1});
    CHECK(found("20261121-CHG").empty());
    CHECK(found("world") == std::set<int64_t>{1});
    CHECK(found("ngin").empty());  // whole words, as with FTS5
    CHECK(found("o'brien").empty());
}

TEST_CASE("the PostgreSQL dialect quotes every search word", "[pg]") {
    const auto& d = storage::postgres::postgres_dialect();
    CHECK(d.full_text_query({}).empty());
    CHECK(d.full_text_query({{"数据 据库", false}, {"数", true}}) ==
          "('数据' <-> '据库') & ('数':*)");
    CHECK(d.full_text_query({{"CHG-2026", false}, {"!!", false}}) == "('CHG' <-> '2026')");
}

TEST_CASE("placeholders turn into PostgreSQL's outside literals and comments", "[pg]") {
    int n = 0;
    using storage::postgres::translate_placeholders;
    CHECK(translate_placeholders("SELECT ?1, '?2', \"a?3\", ?2 -- ?9\n, ? /* ?8 */", &n) ==
          "SELECT $1, '?2', \"a?3\", $2 -- ?9\n, $3 /* ?8 */");
    CHECK(n == 3);
    CHECK(translate_placeholders("SELECT 'it''s ?1', ?12", &n) == "SELECT 'it''s ?1', $12");
    CHECK(n == 12);
    using storage::postgres::redact_password;
    CHECK(redact_password("postgresql://u:secret@h:5432/db?sslmode=require") ==
          "postgresql://u@h:5432/db?sslmode=require");
    CHECK(redact_password("postgresql:///db?host=/tmp/x&password=secret&user=u") ==
          "postgresql:///db?host=/tmp/x&user=u");
    CHECK(redact_password("postgresql:///db?password=secret") == "postgresql:///db");
}
