// Executions over the API, on the shared in-process server, through the real flow: a template
// without approval runs at submit. Literal arguments, cancel of the whole group, timeout, log
// paging and long-polling, secrets, who sees and who cancels what.
#include <catch2/catch.hpp>

#include <filesystem>

#include "test_executions_support.h"

using namespace orderly::test;
using namespace orderly::test::executions;

namespace {

// Scripts live in a directory of this test process, removed when it exits.
struct ScriptsDir {
    std::string path = temp_dir();
    ScriptsDir() { chmod(path.c_str(), 0755); }
    ~ScriptsDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};
std::string scripts_dir() {
    static ScriptsDir dir;
    return dir.path;
}

}  // namespace

TEST_CASE("a hostile variable value arrives as one literal argument", "[api][executions]") {
    auto a = admin();
    Categories cat(a);
    auto script = write_script(scripts_dir(), "argv.py", kArgvScript);
    std::string var = unique("Target");
    auto v = a.post(
        "/api/v1/variables",
        R"({"name":)" + q(var) +
            R"J(,"multiple":false,"source":"static","options":["x\"; rm -rf / #","$(id)","a b"]})J");
    INFO(v.body);
    REQUIRE(v.status == 201);
    int64_t tmpl = make_template(a, cat, script + " -t {" + var + "} --mode={Mode}",
                                 R"(,"variables":[{"name":)" + q(var) +
                                     R"J(,"required":true}],"choices":{"Mode":["a b","$(id)"]})J");
    for (const std::string value : {"x\"; rm -rf / #", "$(id)", "a b"}) {
        INFO(value);
        auto s = run_template(a, tmpl, "{" + q(var) + ":" + q(value) + R"J(,"Mode":"$(id)"})J");
        auto e = wait_end(a, s.execution_id);
        REQUIRE(e.str("status") == "succeeded");
        CHECK(e.num("exit_code") == 0);
        orderly::json::Document d;
        auto log = read_log(a, s.execution_id);
        d.Parse(log.c_str());
        INFO(log);
        REQUIRE(d.IsObject());
        REQUIRE(d["argv"].Size() == 3);
        CHECK(d["argv"][0].GetString() == std::string("-t"));
        CHECK(d["argv"][1].GetString() == value);
        CHECK(d["argv"][2].GetString() == std::string("--mode=$(id)"));
        CHECK(d["env"]["ORDERLY_EXECUTION_ID"].GetString() == std::to_string(s.execution_id));
        CHECK(d["env"]["ORDERLY_TICKET_ID"].GetString() == std::to_string(s.ticket_id));
        CHECK(d["env"]["ORDERLY_ENV"].GetString() == cat.env);
        // The record shows the argument vector as run, and the values chosen.
        CHECK(e.json["argv"][2].GetString() == value);
        CHECK(e.json["variables"][var.c_str()][0].GetString() == value);
        CHECK(e.json["ticket_id"].GetInt64() == s.ticket_id);
        CHECK(e.json["template_id"].GetInt64() == tmpl);
        CHECK(e.str("environment") == cat.env);
        CHECK(e.str("executed_by") == "admin");
        CHECK(e.json["duration_ms"].IsInt64());
        CHECK(e.str("log_url") == exec_path(s.execution_id, "/log"));
    }
}

TEST_CASE("cancel stops a script and the sleep it forked, no process of its group remains",
          "[api][executions]") {
    auto a = admin();
    Categories cat(a);
    std::string role = make_role("ops", {"ticket.submit"});
    std::string ops_name;
    auto ops = make_user("ops", {role}, &ops_name);
    auto script = write_script(scripts_dir(), "forks.sh",
                               "#!/bin/sh\necho \"pid $$\"\nsleep 1000 &\nwait\necho never\n");
    int64_t tmpl = make_template(a, cat, script);
    auto s = run_template(ops, tmpl);
    auto log = wait_log(ops, s.execution_id, "pid ");
    pid_t pgid = pid_in(log);
    REQUIRE(pgid > 1);
    REQUIRE(kill(-pgid, 0) == 0);  // the script and its sleep run

    // Someone who may see it but did not run it and is no admin may not cancel it.
    auto auditor = make_user("auditor", {make_role("audit", {"audit.read"})});
    CHECK(auditor.get(exec_path(s.execution_id)).status == 200);
    CHECK(auditor.post(exec_path(s.execution_id, "/cancel"), "").status == 403);
    auto stranger = make_user("stranger", {});
    CHECK(stranger.post(exec_path(s.execution_id, "/cancel"), "").status == 404);

    auto c = ops.post(exec_path(s.execution_id, "/cancel"), "");
    INFO(c.body);
    CHECK(c.status == 202);
    CHECK(c.json["cancel_requested"].GetBool());
    auto e = wait_end(ops, s.execution_id);
    CHECK(e.str("status") == "cancelled");
    CHECK(e.str("message").find("cancelled by " + ops_name) == 0);
    CHECK(group_gone(pgid));
    int rc = kill(-pgid, 0), err = errno;
    CHECK(rc == -1);
    CHECK(err == ESRCH);
    auto text = read_log(ops, s.execution_id);
    CHECK(text.find("never") == std::string::npos);
    CHECK(text.find("[orderly] cancelled by " + ops_name) != std::string::npos);
    // Ended: a second cancel is a conflict.
    CHECK(ops.post(exec_path(s.execution_id, "/cancel"), "").status == 409);
    // The ticket moved on (failed: it may be retried).
    auto t = ops.get("/api/v1/tickets/" + std::to_string(s.ticket_id));
    CHECK(t.str("status") == "failed");
    // The cancel is in the audit log.
    auto ev = a.get("/api/v1/audit-events?action=execution.cancel&object_id=" +
                    std::to_string(s.execution_id));
    CHECK(ev.json["items"].Size() == 1);
}

TEST_CASE("a timeout ends timed_out", "[api][executions]") {
    auto a = admin();
    Categories cat(a);
    auto script =
        write_script(scripts_dir(), "slow.sh", "#!/bin/sh\necho \"pid $$\"\nsleep 1000 &\nwait\n");
    int64_t tmpl = make_template(a, cat, script, R"(,"timeout_s":1)");
    auto s = run_template(a, tmpl);
    auto e = wait_end(a, s.execution_id);
    CHECK(e.str("status") == "timed_out");
    CHECK(e.num("timeout_s") == 1);
    CHECK(e.str("message") == "timed out after 1 s; its process group was terminated");
    auto text = read_log(a, s.execution_id);
    CHECK(group_gone(pid_in(text)));
    CHECK(text.find("[orderly] timed out after 1 s") != std::string::npos);
}

TEST_CASE("the log: offsets, paging, long-poll and its bounds", "[api][executions]") {
    auto a = admin();
    Categories cat(a);
    auto script = write_script(scripts_dir(), "slowlog.sh",
                               "#!/bin/sh\necho first\nsleep 2\necho 中文 second >&2\n");
    int64_t tmpl = make_template(a, cat, script);
    auto s = run_template(a, tmpl);
    wait_log(a, s.execution_id, "first\n");
    // Nothing new yet: the request is held until the next output arrives (about 2 s later).
    auto t0 = std::chrono::steady_clock::now();
    auto r = a.get(exec_path(s.execution_id, "/log?offset=6&wait=10"));
    auto held = std::chrono::steady_clock::now() - t0;
    REQUIRE(r.status == 200);
    CHECK(r.str("data").find("中文 second") == 0);
    CHECK(held > 500ms);
    CHECK(held < 8s);
    CHECK(r.header("Cache-Control") == "no-store");
    auto e = wait_end(a, s.execution_id);
    CHECK(e.str("status") == "succeeded");
    // Ended and read to the end: complete, and a wait returns at once.
    int64_t size = e.num("log_size");
    auto end = a.get(exec_path(s.execution_id, "/log?offset=" + std::to_string(size) + "&wait=20"));
    CHECK(end.json["complete"].GetBool());
    CHECK(end.str("data").empty());
    CHECK(end.num("next_offset") == size);
    // Small pages never split a character; an offset inside one moves forward.
    auto p = a.get(exec_path(s.execution_id, "/log?offset=6&max_bytes=2"));
    CHECK(p.str("data").empty());
    CHECK(p.num("next_offset") == 6);
    p = a.get(exec_path(s.execution_id, "/log?offset=6&max_bytes=3"));
    CHECK(p.str("data") == "中");
    p = a.get(exec_path(s.execution_id, "/log?offset=7&max_bytes=100"));
    CHECK(p.num("offset") == 9);
    CHECK(p.str("data") == "文 second\n");
    int pages = 0;
    CHECK(read_log(a, s.execution_id, &pages, "&max_bytes=4") == "first\n中文 second\n");
    CHECK(pages > 4);
    // Bounds.
    CHECK(a.get(exec_path(s.execution_id, "/log?offset=" + std::to_string(size + 1))).status ==
          400);
    CHECK(a.get(exec_path(s.execution_id, "/log?wait=21")).status == 400);
    CHECK(a.get(exec_path(s.execution_id, "/log?offset=-1")).status == 400);
    CHECK(a.get(exec_path(s.execution_id, "/log?max_bytes=0")).status == 400);
    CHECK(a.get(exec_path(987654321, "/log")).status == 404);
    CHECK(a.get("/api/v1/executions/abc/log").status == 404);  // not an id: no such resource
}

TEST_CASE("a secret placed in config never appears in logs or records", "[api][executions]") {
    auto a = admin();
    Categories cat(a);
    const std::string secret = "s3cr3t-" + unique("tok");
    auto put = a.put("/api/v1/config/" + cat.env + "/deploy.token",
                     R"({"value":)" + q(secret) + R"(,"secret":true,"description":"token"})");
    INFO(put.body);
    REQUIRE((put.status == 200 || put.status == 201));
    std::string pw_var = unique("Password");
    const std::string pw = "pw-" + unique("hunter");
    auto v = a.post("/api/v1/variables", R"({"name":)" + q(pw_var) +
                                             R"(,"secret":true,"source":"static","options":[)" +
                                             q(pw) + "]}");
    INFO(v.body);
    REQUIRE(v.status == 201);
    // The task prints the secrets it gets, in pieces, to stdout and stderr.
    auto script =
        write_script(scripts_dir(), "leaky.py",
                     "#!/usr/bin/python3\n"
                     "import sys, time\n"
                     "tok, pw = sys.argv[1], sys.argv[2]\n"
                     "print('token is', tok)\n"
                     "sys.stdout.write('split: ' + tok[:5]); sys.stdout.flush(); time.sleep(0.4)\n"
                     "sys.stdout.write(tok[5:] + '\\n'); sys.stdout.flush()\n"
                     "print('password', pw, file=sys.stderr)\n");
    int64_t tmpl = make_template(a, cat, script + " {config.deploy.token} {" + pw_var + "}",
                                 R"(,"variables":[{"name":)" + q(pw_var) + R"(,"required":true}])");
    auto s = run_template(a, tmpl, "{" + q(pw_var) + ":" + q(pw) + "}");
    auto e = wait_end(a, s.execution_id);
    REQUIRE(e.str("status") == "succeeded");
    auto text = read_log(a, s.execution_id);
    CHECK(text == "token is ******\nsplit: ******\npassword ******\n");
    CHECK(e.body.find(secret) == std::string::npos);
    CHECK(e.body.find(pw) == std::string::npos);
    CHECK(e.json["argv"][1].GetString() == std::string("******"));
    auto list = a.get("/api/v1/executions?ticket_id=" + std::to_string(s.ticket_id));
    CHECK(list.body.find(secret) == std::string::npos);
    CHECK(list.body.find(pw) == std::string::npos);
    auto ticket = a.get("/api/v1/tickets/" + std::to_string(s.ticket_id));
    CHECK(ticket.body.find(secret) == std::string::npos);
}

TEST_CASE("the execution history: filters, paging, and who sees what", "[api][executions]") {
    auto a = admin();
    Categories cat(a);
    std::string submit_role = make_role("ops", {"ticket.submit"});
    std::string alice_name, bob_name;
    auto alice = make_user("alice", {submit_role}, &alice_name);
    auto bob = make_user("bob", {submit_role}, &bob_name);
    auto auditor = make_user("auditor", {make_role("audit", {"audit.read"})});
    auto script = write_script(scripts_dir(), "ok.sh", "#!/bin/sh\necho ok\n");
    auto failing = write_script(scripts_dir(), "fail.sh", "#!/bin/sh\necho no >&2\nexit 4\n");
    int64_t t_ok = make_template(a, cat, script);
    int64_t t_fail = make_template(a, cat, failing);
    auto a1 = run_template(alice, t_ok);
    auto b1 = run_template(bob, t_fail);
    auto b2 = run_template(bob, t_ok);
    for (auto id : {a1.execution_id, b1.execution_id, b2.execution_id})
        REQUIRE(ended(wait_end(a, id).str("status")));
    CHECK(a.get(exec_path(b1.execution_id)).str("status") == "failed");
    CHECK(a.get(exec_path(b1.execution_id)).num("exit_code") == 4);

    auto ids = [](const Reply& r) {
        std::vector<int64_t> out;
        for (const auto& it : r.json["items"].GetArray()) out.push_back(it["id"].GetInt64());
        return out;
    };
    using V = std::vector<int64_t>;
    const std::string env = "&environment=" + cat.env;
    // The auditor sees everyone's, newest first.
    CHECK(ids(auditor.get("/api/v1/executions?limit=500" + env)) ==
          V{b2.execution_id, b1.execution_id, a1.execution_id});
    // Others see only their own.
    CHECK(ids(alice.get("/api/v1/executions?limit=500" + env)) == V{a1.execution_id});
    CHECK(ids(bob.get("/api/v1/executions?limit=500" + env)) ==
          V{b2.execution_id, b1.execution_id});
    CHECK(alice.get(exec_path(b1.execution_id)).status == 404);
    CHECK(alice.get(exec_path(b1.execution_id, "/log")).status == 404);
    CHECK(bob.get(exec_path(b1.execution_id, "/log")).status == 200);
    // Filters.
    CHECK(ids(auditor.get("/api/v1/executions?user=" + bob_name + env)) ==
          V{b2.execution_id, b1.execution_id});
    CHECK(ids(auditor.get("/api/v1/executions?status=failed" + env)) == V{b1.execution_id});
    CHECK(ids(auditor.get("/api/v1/executions?template_id=" + std::to_string(t_ok))) ==
          V{b2.execution_id, a1.execution_id});
    CHECK(ids(auditor.get("/api/v1/executions?ticket_id=" + std::to_string(a1.ticket_id))) ==
          V{a1.execution_id});
    CHECK(ids(auditor.get("/api/v1/executions?user=nobody-at-all" + env)).empty());
    CHECK(ids(auditor.get("/api/v1/executions?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z"))
              .empty());
    CHECK(ids(auditor.get("/api/v1/executions?from=2000-01-01T00:00:00Z" + env)).size() == 3);
    // Cursor paging.
    auto p1 = auditor.get("/api/v1/executions?limit=2" + env);
    CHECK(ids(p1) == V{b2.execution_id, b1.execution_id});
    REQUIRE(p1.json["next_cursor"].IsString());
    auto p2 = auditor.get("/api/v1/executions?limit=2" + env +
                          "&cursor=" + p1.json["next_cursor"].GetString());
    CHECK(ids(p2) == V{a1.execution_id});
    CHECK(p2.json["next_cursor"].IsNull());
    // Bad filters are 400s.
    CHECK(a.get("/api/v1/executions?status=done").status == 400);
    CHECK(a.get("/api/v1/executions?ticket_id=abc").status == 400);
    CHECK(a.get("/api/v1/executions?from=yesterday").status == 400);
    CHECK(a.get("/api/v1/executions?cursor=%%%").status == 400);
    CHECK(Client(port()).get("/api/v1/executions").status == 401);
    // The ticket shows its executions.
    auto t = alice.get("/api/v1/tickets/" + std::to_string(a1.ticket_id));
    REQUIRE(t.json["executions"].IsArray());
    CHECK(t.json["executions"][0]["id"].GetInt64() == a1.execution_id);
    CHECK(t.json["executions"][0]["status"].GetString() == std::string("succeeded"));
}

TEST_CASE("execution metrics are exported", "[api][executions]") {
    auto m = Client(port()).get("/metrics");
    CHECK(m.body.find("orderly_executions_running ") != std::string::npos);
    CHECK(m.body.find("orderly_executions_queued ") != std::string::npos);
    CHECK(m.body.find("orderly_execution_log_waiters ") != std::string::npos);
}

TEST_CASE("the pool is bounded: the rest wait queued, and a queued execution cancels at once",
          "[api][executions]") {
    auto a = admin();
    Categories cat(a);
    auto busy = write_script(scripts_dir(), "busy.sh", "#!/bin/sh\necho \"pid $$\"\nsleep 1000\n");
    int64_t tmpl = make_template(a, cat, busy);
    const int workers = server().executions().options().workers;
    std::vector<Started> running;
    for (int i = 0; i < workers; ++i) running.push_back(run_template(a, tmpl));
    for (const auto& s : running) wait_log(a, s.execution_id, "pid ");
    auto queued = run_template(a, tmpl);
    REQUIRE(a.get(exec_path(queued.execution_id)).str("status") == "queued");
    const auto m = a.get("/metrics").body;
    CHECK(m.find("\norderly_executions_running " + std::to_string(workers) + "\n") !=
          std::string::npos);

    auto c = a.post(exec_path(queued.execution_id, "/cancel"), "");
    INFO(c.body);
    CHECK(c.status == 202);
    CHECK(c.str("status") == "cancelled");
    CHECK(c.str("message") == "cancelled by admin before it started");
    CHECK(c.json["started_at"].IsNull());
    CHECK(c.json["argv"].IsNull());
    CHECK(read_log(a, queued.execution_id) == "[orderly] cancelled by admin before it started\n");
    CHECK(a.get("/api/v1/tickets/" + std::to_string(queued.ticket_id)).str("status") == "failed");

    for (const auto& s : running)
        CHECK(a.post(exec_path(s.execution_id, "/cancel"), "").status == 202);
    for (const auto& s : running) CHECK(wait_end(a, s.execution_id).str("status") == "cancelled");
}
