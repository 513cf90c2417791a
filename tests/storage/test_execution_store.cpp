// The execution store on a temp-file database with the real migrations: claiming is atomic
// across processes, logs are chunks with byte offsets read back on character boundaries, an
// execution ends once, the history filters and visibility, and the use cases of
// app/executions.h (who sees, who cancels).
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "app/executions.h"
#include "core/codes.h"
#include "core/json.h"
#include "storage/database.h"
#include "storage/execution_store.h"
#include "support/fake_ticket_ports.h"
#include "support/problem_code.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::Connection;

namespace {

struct TempDb {
    std::string dir = test::temp_dir();
    std::string path = test::database_location(dir, "x.db");
    storage::Database db{path, 2};
    TempDb() { db.migrate(); }
    ~TempDb() { std::filesystem::remove_all(dir); }
};

int64_t add_user(storage::Database& db, const std::string& name) {
    return db.write([&](Connection& c) {
        auto s = c.prepare(
            "INSERT INTO users (username, display_name, password_hash, created_at, updated_at) "
            "VALUES (?1, ?2, 'x', 0, 0) RETURNING id");
        s.bind(1, name).bind(2, "Name of " + name);
        return storage::inserted_id(std::move(s));
    });
}

int64_t add_execution(storage::Database& db, int64_t ticket, std::optional<int64_t> by,
                      std::optional<int64_t> creator = std::nullopt, TimeMs at = 1000,
                      const std::string& env = "PROD", std::optional<int64_t> tmpl = 7) {
    storage::NewExecution e;
    e.ticket_id = ticket;
    e.ticket_sn = "TASK-" + std::to_string(ticket);
    e.ticket_creator_id = creator;
    e.template_id = tmpl;
    e.template_name = "Deploy app01";
    e.environment = env;
    e.executed_by = by;
    e.queued_at = at;
    return db.write([&](Connection& c) { return storage::insert_execution(c, e); });
}

app::Principal test_principal(int64_t id, const std::string& name,
                              std::set<std::string> perms = {}) {
    app::Principal p;
    p.user_id = id;
    p.username = name;
    p.permissions = std::move(perms);
    return p;
}

}  // namespace

TEST_CASE("enqueue_execution records the ticket's facts as they are now", "[storage][executions]") {
    TempDb t;
    int64_t alice = add_user(t.db, "alice");
    int64_t bob = add_user(t.db, "bob");
    int64_t ticket = t.db.write([&](Connection& c) {
        auto s = c.prepare(
            "INSERT INTO tickets (sn, title, status, template_id, environment, creator_id, "
            "template_snapshot, variables, created_at, updated_at) "
            "VALUES ('TASK-20250301-0001', 't', 'approved', 3, 'PROD', ?, "
            "'{\"name\":\"Deploy app01\",\"timeout_s\":60}', '{\"Hosts\":[\"h1\"]}', 0, 0) "
            "RETURNING id");
        s.bind(1, alice);
        return storage::inserted_id(std::move(s));
    });
    int64_t id =
        t.db.write([&](Connection& c) { return storage::enqueue_execution(c, ticket, bob, 500); });
    auto e = *t.db.read([&](Connection& c) { return storage::find_execution(c, id); });
    CHECK(e.status == "queued");
    CHECK(e.ticket_sn == "TASK-20250301-0001");
    CHECK(e.ticket_creator_id == alice);
    CHECK(e.template_id == 3);
    CHECK(e.template_name == "Deploy app01");
    CHECK(e.environment == "PROD");
    CHECK(e.executed_by == bob);
    CHECK(e.executed_by_username == "bob");
    CHECK(e.queued_at == 500);
    CHECK(e.variables_json == R"({"Hosts":["h1"]})");
    auto snap = t.db.read([&](Connection& c) { return storage::find_ticket_snapshot(c, ticket); });
    REQUIRE(snap);
    CHECK(snap->environment == "PROD");
    CHECK_THROWS(t.db.write([&](Connection& c) { storage::enqueue_execution(c, 99999, bob, 1); }));

    // The ticket's executions, as the ticket view renders them.
    auto rows =
        t.db.read([&](Connection& c) { return storage::list_ticket_executions(c, ticket); });
    json::Writer w;
    w.start_array();
    for (const auto& r : rows) domain::write_execution_json(w, r);
    w.end_array();
    json::Document d;
    d.Parse(w.take().c_str());
    REQUIRE(d.IsArray());
    REQUIRE(d.Size() == 1);
    CHECK(d[0]["id"].GetInt64() == id);
    CHECK(d[0]["status"].GetString() == std::string("queued"));
    CHECK(d[0]["argv"].IsNull());
    CHECK(d[0]["executed_by"].GetString() == std::string("bob"));
    CHECK(d[0]["log_url"].GetString() == "/api/v1/executions/" + std::to_string(id) + "/log");
}

TEST_CASE("two processes claiming at once never get the same execution", "[storage][executions]") {
    TempDb t;
    storage::Database other(t.path, 1);  // a second process's connections
    const int n = 60;
    for (int i = 0; i < n; ++i) add_execution(t.db, i + 1, std::nullopt);
    std::mutex mu;
    std::multiset<int64_t> claimed;
    auto claimer = [&](storage::Database& db, const std::string& owner) {
        for (;;) {
            auto row = db.write([&](Connection& c) {
                return storage::claim_next_execution(c, owner, "tok", 2000);
            });
            if (!row) return;
            CHECK(row->status == "running");
            CHECK(row->owner == owner);
            std::lock_guard lock(mu);
            claimed.insert(row->id);
        }
    };
    std::thread a([&] { claimer(t.db, "a"); }), b([&] { claimer(other, "b"); }),
        c([&] { claimer(t.db, "a2"); });
    a.join();
    b.join();
    c.join();
    CHECK(claimed.size() == static_cast<size_t>(n));
    CHECK(std::set<int64_t>(claimed.begin(), claimed.end()).size() == static_cast<size_t>(n));
}

TEST_CASE("claim takes the oldest queued execution first", "[storage][executions]") {
    TempDb t;
    int64_t first = add_execution(t.db, 1, std::nullopt);
    int64_t second = add_execution(t.db, 2, std::nullopt);
    auto row =
        t.db.write([&](Connection& c) { return storage::claim_next_execution(c, "me", "tok", 5); });
    REQUIRE(row);
    CHECK(row->id == first);
    CHECK(row->run_token == "tok");
    CHECK(row->started_at == 5);
    row = t.db.write(
        [&](Connection& c) { return storage::claim_next_execution(c, "me", "tok2", 6); });
    CHECK(row->id == second);
    CHECK_FALSE(
        t.db.write([&](Connection& c) { return storage::claim_next_execution(c, "me", "t", 7); }));
}

TEST_CASE("a claim holds its execution under a lease until another node ends it",
          "[storage][executions]") {
    TempDb t;
    int64_t id = add_execution(t.db, 1, std::nullopt);
    auto row = t.db.write(
        [&](Connection& c) { return storage::claim_next_execution(c, "me", "tok", 5, 30005); });
    REQUIRE(row);
    CHECK(row->lease_until == 30005);
    auto holds = [&](const std::string& owner, const std::string& token) {
        return t.db.write([&](Connection& c) {
            return storage::holds_execution(c, {owner, token}, id);
        });
    };
    auto heartbeat = [&](const std::string& owner, TimeMs now) {
        return t.db.write([&](Connection& c) {
            return storage::heartbeat_executions(c, owner, now, now + 30000);
        });
    };
    CHECK(holds("me", "tok"));
    CHECK_FALSE(holds("me", "an earlier run"));
    CHECK_FALSE(holds("another node", "tok"));
    // The heartbeat renews the lease of what it still holds, and says which those are.
    CHECK(heartbeat("me", 10) == std::vector<int64_t>{id});
    CHECK(heartbeat("another node", 11).empty());
    auto e = *t.db.read([&](Connection& c) { return storage::find_execution(c, id); });
    CHECK(e.lease_until == 30010);
    CHECK(e.heartbeat_at == 10);
    // Another node found this one lost and ended the execution: the claim is gone.
    storage::ExecutionEnd end{"interrupted", std::nullopt, std::nullopt, "lost"};
    CHECK(t.db.write([&](Connection& c) { return storage::finish_execution(c, id, end, 40000); }));
    CHECK_FALSE(holds("me", "tok"));
    CHECK(heartbeat("me", 40001).empty());
}

TEST_CASE("log chunks append at the end only and read back by offset", "[storage][executions]") {
    TempDb t;
    int64_t id = add_execution(t.db, 1, std::nullopt);
    const std::string a = "hello \xE4\xB8", b = "\xAD\xE6\x96\x87 world\n";  // 中文 split
    t.db.write([&](Connection& c) {
        CHECK(storage::append_execution_log(c, id, 0, a, 0) == 8);
        CHECK(storage::append_execution_log(c, id, 8, b, 0) == 8 + static_cast<int64_t>(b.size()));
    });
    // A chunk that is not at the end is refused (a second writer would be a bug).
    CHECK_THROWS(
        t.db.write([&](Connection& c) { storage::append_execution_log(c, id, 3, "x", 0); }));
    auto e = *t.db.read([&](Connection& c) { return storage::find_execution(c, id); });
    const std::string all = a + b;
    REQUIRE(e.log_size == static_cast<int64_t>(all.size()));
    auto read = [&](int64_t off, size_t max) {
        return t.db.read([&](Connection& c) {
            return storage::read_execution_log(c, id, off, e.log_size, max);
        });
    };
    CHECK(read(0, 1000).data == all);
    CHECK(read(0, 1000).offset == 0);
    // Pages never split a character; an offset inside one moves to the next.
    auto p = read(0, 7);  // "hello " + 3 bytes of 中 would split it
    CHECK(p.data == "hello ");
    auto q = read(6, 4);
    CHECK(q.data == "\xE4\xB8\xAD");
    auto r = read(7, 100);
    CHECK(r.offset == 9);
    CHECK(r.data == "\xE6\x96\x87 world\n");
    CHECK(read(e.log_size, 10).data.empty());
    // Paging through with next_offset gives back the whole log.
    std::string joined;
    int64_t off = 0;
    while (off < e.log_size) {
        auto s = read(off, 5);
        REQUIRE(!s.data.empty());
        joined += s.data;
        off = s.offset + static_cast<int64_t>(s.data.size());
    }
    CHECK(joined == all);
}

TEST_CASE("an execution ends once, cancel requests only for running ones",
          "[storage][executions]") {
    TempDb t;
    int64_t user = add_user(t.db, "carol");
    int64_t queued = add_execution(t.db, 1, user);
    CHECK_FALSE(t.db.write(
        [&](Connection& c) { return storage::request_execution_cancel(c, queued, user, 10); }));
    auto row =
        t.db.write([&](Connection& c) { return storage::claim_next_execution(c, "me", "tok", 5); });
    REQUIRE(row);
    CHECK(t.db.write(
        [&](Connection& c) { return storage::request_execution_cancel(c, queued, user, 10); }));
    CHECK(t.db.read([&](Connection& c) { return storage::cancel_requested_executions(c, "me"); }) ==
          std::vector<int64_t>{queued});
    CHECK(t.db.read([&](Connection& c) { return storage::cancel_requested_executions(c, "x"); })
              .empty());
    storage::ExecutionEnd end{"cancelled", std::nullopt, 15, "cancelled by carol"};
    CHECK(t.db.write([&](Connection& c) { return storage::finish_execution(c, queued, end, 20); }));
    storage::ExecutionEnd again{"failed", 1, std::nullopt, "late"};
    CHECK_FALSE(
        t.db.write([&](Connection& c) { return storage::finish_execution(c, queued, again, 30); }));
    auto e = *t.db.read([&](Connection& c) { return storage::find_execution(c, queued); });
    CHECK(e.status == "cancelled");
    CHECK(e.signal == 15);
    CHECK(e.finished_at == 20);
    CHECK(e.cancel_requested_by == user);
    CHECK(e.finished());
    CHECK_THROWS(t.db.write([&](Connection& c) {
        c.exec_script("UPDATE executions SET status = 'done' WHERE id = " + std::to_string(queued));
    }));
}

TEST_CASE("the history filters, pages newest first and hides others' executions",
          "[storage][executions]") {
    TempDb t;
    int64_t alice = add_user(t.db, "alice");
    int64_t bob = add_user(t.db, "bob");
    int64_t a1 = add_execution(t.db, 1, alice, alice, 1000, "PROD", 7);
    int64_t b1 = add_execution(t.db, 2, bob, bob, 2000, "STAGE", 8);
    int64_t b2 = add_execution(t.db, 3, bob, alice, 3000, "PROD", 7);  // alice's ticket, run by bob
    int64_t b3 = add_execution(t.db, 2, bob, bob, 4000, "PROD", 8);
    auto ids = [&](storage::ExecutionFilter f) {
        auto rows = t.db.read([&](Connection& c) { return storage::list_executions(c, f); });
        std::vector<int64_t> out;
        for (const auto& r : rows) out.push_back(r.id);
        return out;
    };
    using V = std::vector<int64_t>;
    CHECK(ids({}) == V{b3, b2, b1, a1});
    storage::ExecutionFilter f;
    f.environment = "PROD";
    CHECK(ids(f) == V{b3, b2, a1});
    f = {};
    f.template_id = 8;
    CHECK(ids(f) == V{b3, b1});
    f = {};
    f.ticket_id = 2;
    CHECK(ids(f) == V{b3, b1});
    f = {};
    f.executed_by = alice;
    CHECK(ids(f) == V{a1});
    f = {};
    f.from = 2000;
    f.to = 4000;
    CHECK(ids(f) == V{b2, b1});
    f = {};
    f.visible_to = alice;  // ran a1, created the ticket of b2
    CHECK(ids(f) == V{b2, a1});
    f = {};
    f.status = "queued";
    f.limit = 2;
    CHECK(ids(f) == V{b3, b2});
    f.before_id = b2;
    CHECK(ids(f) == V{b1, a1});
    f = {};
    f.status = "running";
    CHECK(ids(f).empty());
    CHECK(storage::is_execution_status("timed_out"));
    CHECK_FALSE(storage::is_execution_status("done"));
}

TEST_CASE("the execution JSON names every field of the API", "[storage][executions]") {
    TempDb t;
    int64_t user = add_user(t.db, "dave");
    int64_t id = add_execution(t.db, 5, user, user);
    t.db.write([&](Connection& c) {
        auto row = storage::claim_next_execution(c, "me", "tok", 1500);
        storage::set_execution_started(c, id, R"(["echo","******"])", R"({"Hosts":["h1","h2"]})",
                                       60);
        storage::finish_execution(c, id, {"succeeded", 0, std::nullopt, "exited with code 0"},
                                  2750);
        (void)row;
    });
    auto e = *t.db.read([&](Connection& c) { return storage::find_execution(c, id); });
    json::Writer w;
    domain::write_execution_json(w, e);
    json::Document d;
    d.Parse(w.take().c_str());
    REQUIRE(d.IsObject());
    for (const char* k : {"id",
                          "ticket_id",
                          "ticket_sn",
                          "template_id",
                          "template_name",
                          "environment",
                          "status",
                          "argv",
                          "variables",
                          "exit_code",
                          "signal",
                          "timeout_s",
                          "queued_at",
                          "started_at",
                          "finished_at",
                          "duration_ms",
                          "executed_by",
                          "executed_by_display_name",
                          "log_size",
                          "log_truncated",
                          "message",
                          "cancel_requested",
                          "log_url"})
        CHECK(d.HasMember(k));
    CHECK(d["argv"][1].GetString() == std::string("******"));
    CHECK(d["variables"]["Hosts"][1].GetString() == std::string("h2"));
    CHECK(d["exit_code"].GetInt() == 0);
    CHECK(d["signal"].IsNull());
    CHECK(d["duration_ms"].GetInt64() == 1250);
    CHECK(d["started_at"].GetString() == std::string("1970-01-01T00:00:01.500Z"));
    CHECK(d["executed_by_display_name"].GetString() == std::string("Name of dave"));
}

TEST_CASE("app::Executions: whoever may read the ticket sees it, the runner cancels it",
          "[storage][app][executions]") {
    TempDb t;
    const int64_t alice = add_user(t.db, "alice");
    const int64_t bob = add_user(t.db, "bob");
    const int64_t carol = add_user(t.db, "carol");
    const int64_t id = add_execution(t.db, 5, alice, alice);
    test::ManualClock clock(1'000'000);
    app::Executions uses(t.db, clock);
    std::vector<int64_t> finished;
    app::ExecutionEngineLink link;
    link.on_finished = [&](Connection&, int64_t, int64_t execution_id, bool ok, TimeMs) {
        CHECK_FALSE(ok);
        finished.push_back(execution_id);
    };
    uses.connect(std::move(link));

    const auto a = test_principal(alice, "alice");
    const auto b = test_principal(bob, "bob");
    const auto auditor = test_principal(carol, "carol", {"audit.read"});
    const app::Caller as_alice{&a}, as_bob{&b}, as_auditor{&auditor};

    CHECK(uses.get(as_alice, id).ticket_sn == "TASK-5");
    CHECK(test::code_of([&] { uses.get(as_bob, id); }) == codes::execution_not_found);
    CHECK(uses.list(as_bob, {}).empty());
    CHECK(uses.list(as_auditor, {}).size() == 1);
    app::ExecutionQuery by_nobody;
    by_nobody.user = "nobody";
    CHECK(uses.list(as_auditor, by_nobody).empty());

    // Seeing is not cancelling; a stranger learns nothing.
    CHECK(test::code_of([&] { uses.cancel(as_auditor, id); }) == codes::execution_cancel_denied);
    CHECK(test::code_of([&] { uses.cancel(as_bob, id); }) == codes::execution_not_found);

    // Queued: it ends at once, the ticket's hook runs in the same transaction.
    auto e = uses.cancel(as_alice, id);
    CHECK(e.status == "cancelled");
    CHECK(e.message == "cancelled by alice before it started");
    CHECK(finished == std::vector<int64_t>{id});
    CHECK(test::code_of([&] { uses.cancel(as_alice, id); }) == codes::execution_already_ended);

    app::LogRequest r;
    r.execution_id = id;
    r.max_bytes = 1024;
    auto page = uses.read_log(as_alice, r);
    CHECK(page.slice.data == "[orderly] cancelled by alice before it started\n");
    r.offset = page.execution.log_size + 1;
    CHECK(test::code_of([&] { uses.read_log(as_alice, r); }) == codes::execution_log_offset);
}
