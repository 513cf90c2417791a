// The execution engine on a temp-file database, with real processes and an injected argument
// builder: literal arguments, cancel and timeout of the whole group, the log cap, masking,
// recovery of executions whose server died, honest shutdown, bounded workers.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/execution_engine.h"
#include "core/json.h"
#include "execution_engine_fixture.h"
#include "integrations/crypto.h"
#include "integrations/process_runner.h"
#include "storage/execution_store.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using namespace std::chrono_literals;
using storage::Connection;

using namespace orderly::test::engine;

TEST_CASE("engine: a hostile variable value arrives as one literal argument",
          "[executions][engine]") {
    Fixture f;
    auto eng = f.engine(f.options());
    eng->start();
    PreparedRun r;
    r.argv = {"python3",
              "-c",
              "import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'env': "
              "{k: v for k, v in os.environ.items() if k.startswith('ORDERLY_')}, 'cwd': "
              "os.getcwd()}))",
              "x\"; rm -rf / #",
              "$(id)",
              "a b",
              "`id`",
              "*"};
    r.variables_json = R"({"Host":"x\"; rm -rf / #"})";
    int64_t id = f.enqueue(11, r);
    eng->wake();
    auto e = f.wait_end(id);
    CHECK(e.status == "succeeded");
    CHECK(e.exit_code == 0);
    json::Document d;
    d.Parse(f.log(id).c_str());
    REQUIRE(d.IsObject());
    const auto& argv = d["argv"];
    REQUIRE(argv.Size() == 5);
    CHECK(argv[0].GetString() == std::string("x\"; rm -rf / #"));
    CHECK(argv[1].GetString() == std::string("$(id)"));
    CHECK(argv[2].GetString() == std::string("a b"));
    CHECK(argv[3].GetString() == std::string("`id`"));
    CHECK(argv[4].GetString() == std::string("*"));
    CHECK(d["env"]["ORDERLY_EXECUTION_ID"].GetString() == std::to_string(id));
    CHECK(d["env"]["ORDERLY_TICKET_ID"].GetString() == std::string("11"));
    CHECK(d["env"]["ORDERLY_ENV"].GetString() == std::string("PROD"));
    CHECK(d["cwd"].GetString() == f.dir + "/work/" + std::to_string(id));
    CHECK_FALSE(std::filesystem::exists(f.dir + "/work/" + std::to_string(id)));  // cleaned up
    // What it ran is on record, as run.
    json::Document a;
    a.Parse(e.argv_json->c_str());
    CHECK(a.Size() == 8);
    CHECK(a[3].GetString() == std::string("x\"; rm -rf / #"));
    CHECK(e.variables_json == R"({"Host":"x\"; rm -rf / #"})");
    REQUIRE(f.finished.size() == 1);
    CHECK(f.finished[0].succeeded);
    CHECK(f.finished[0].ticket_id == 11);
    CHECK(f.finished[0].status_in_tx == "succeeded");  // the hook runs in the ending transaction
}

TEST_CASE("engine: cancel stops a script and the sleep it forked, nothing of the group is left",
          "[executions][engine]") {
    Fixture f;
    auto eng = f.engine(f.options());
    eng->start();
    // The script ignores SIGTERM, so SIGKILL after the grace period is what ends it.
    int64_t id =
        f.enqueue(12, sh("trap '' TERM; sleep 1000 & echo started; wait; echo never; sleep 1000"));
    eng->wake();
    REQUIRE(f.wait_for([&] { return f.log(id).find("started") != std::string::npos; }));
    auto r = f.row(id);
    REQUIRE(r.status == "running");
    REQUIRE(r.pgid);
    // The request goes through the database only, as from another server process.
    CHECK(f.db.write([&](Connection& c) {
        return storage::request_execution_cancel(c, id, f.user, f.clock.now_ms());
    }));
    auto e = f.wait_end(id);
    CHECK(e.status == "cancelled");
    CHECK(e.signal == SIGKILL);
    CHECK(e.message.find("cancelled by runner") != std::string::npos);
    CHECK(group_gone(static_cast<pid_t>(*r.pgid)));
    int rc = kill(-static_cast<pid_t>(*r.pgid), 0);
    int err = errno;
    CHECK(rc == -1);
    CHECK(err == ESRCH);
    CHECK(f.log(id).find("never") == std::string::npos);
    CHECK(f.log(id).find("[orderly] cancelled by runner") != std::string::npos);
    REQUIRE(f.finished.size() == 1);
    CHECK_FALSE(f.finished[0].succeeded);
}

TEST_CASE("engine: a timeout ends timed_out and kills the group", "[executions][engine]") {
    Fixture f;
    auto eng = f.engine(f.options());
    eng->start();
    int64_t id = f.enqueue(13, sh("sleep 1000 & echo go; wait", 1));
    eng->wake();
    auto t0 = std::chrono::steady_clock::now();
    auto e = f.wait_end(id);
    CHECK(e.status == "timed_out");
    CHECK(e.timeout_s == 1);
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
    CHECK(e.message == "timed out after 1 s; its process group was terminated");
    CHECK(group_gone(static_cast<pid_t>(*e.pgid)));
    CHECK(f.log(id) == "go\n\n[orderly] timed out after 1 s; its process group was terminated\n");
}

TEST_CASE("engine: output beyond the cap is dropped with a marker while the task runs on",
          "[executions][engine]") {
    Fixture f;
    auto o = f.options();
    o.max_log_bytes = 256 * 1024;
    auto eng = f.engine(o);
    eng->start();
    // 8 MiB of output, then a last line and exit code 3: it ran to the end.
    int64_t id = f.enqueue(14, sh("head -c 8388608 /dev/zero | tr '\\0' 'x'; echo; echo last; "
                                  "exit 3"));
    eng->wake();
    auto e = f.wait_end(id);
    CHECK(e.status == "failed");
    CHECK(e.exit_code == 3);
    CHECK(e.log_dropped > 8000000);
    auto text = f.log(id);
    CHECK(text.substr(0, 262144) == std::string(262144, 'x'));
    CHECK(text.find("[orderly] the log reached its limit of 256 KiB; further output is discarded "
                    "(the task keeps running)\n") == 262145);
    CHECK(text.find("bytes of output were discarded after the log limit") != std::string::npos);
    CHECK(text.find("last") == std::string::npos);
    CHECK(e.log_size < 262144 + 400);
}

TEST_CASE("engine: secrets never reach the log or the recorded argv", "[executions][engine]") {
    Fixture f;
    auto eng = f.engine(f.options());
    eng->start();
    PreparedRun r;
    // The secret is printed in pieces with pauses, so that it arrives in separate reads.
    r.argv = {"python3", "-c",
              "import sys, time\n"
              "for part in ['tok', 'en=Sup', 'erS3cret', '!\\n']:\n"
              "    sys.stdout.write(part); sys.stdout.flush(); time.sleep(0.3)\n"
              "print('arg:' + sys.argv[1])\n",
              "--password=SuperS3cret!"};
    r.secrets = {"SuperS3cret!"};
    r.variables_json = R"({"Password":"SuperS3cret!","Hosts":["a","SuperS3cret!"]})";
    int64_t id = f.enqueue(15, r);
    eng->wake();
    auto e = f.wait_end(id);
    CHECK(e.status == "succeeded");
    auto text = f.log(id);
    CHECK(text == "token=******\narg:--password=******\n");
    CHECK(e.argv_json->find("SuperS3cret") == std::string::npos);
    CHECK(e.argv_json->find("--password=******") != std::string::npos);
    CHECK(e.variables_json == R"({"Password":"******","Hosts":["a","******"]})");
}

TEST_CASE("engine: what cannot start fails with the reason in its log", "[executions][engine]") {
    Fixture f;
    auto eng = f.engine(f.options());
    eng->start();
    PreparedRun missing;
    missing.argv = {"no-such-program-orderly", "x"};
    int64_t a = f.enqueue(16, missing);
    storage::NewExecution orphan;  // a ticket the builder does not know
    orphan.ticket_id = 999;
    orphan.queued_at = 1;
    int64_t b = f.db.write([&](Connection& c) { return storage::insert_execution(c, orphan); });
    eng->wake();
    auto ea = f.wait_end(a), eb = f.wait_end(b);
    CHECK(ea.status == "failed");
    CHECK(ea.message.find("no-such-program-orderly: command not found") != std::string::npos);
    CHECK(f.log(a).find("[orderly] could not start: no-such-program-orderly") != std::string::npos);
    CHECK(eb.status == "failed");
    CHECK(eb.message == "could not start: the template no longer exists");
    CHECK(f.log(b) == "[orderly] could not start: the template no longer exists\n");
    CHECK(f.finished.size() == 2);
}

TEST_CASE("engine: exit codes, signals and leftovers are reported", "[executions][engine]") {
    Fixture f;
    auto eng = f.engine(f.options());
    eng->start();
    int64_t ok = f.enqueue(17, sh("echo out; echo err >&2"));
    int64_t segv = f.enqueue(18, sh("kill -SEGV $$"));
    int64_t left = f.enqueue(19, sh("sleep 1000 & echo bye"));
    eng->wake();
    auto a = f.wait_end(ok), b = f.wait_end(segv), c = f.wait_end(left);
    CHECK(a.status == "succeeded");
    CHECK(f.log(ok) == "out\nerr\n");
    CHECK(b.status == "failed");
    CHECK(b.signal == SIGSEGV);
    CHECK(b.message == "killed by SIGSEGV (11)");
    CHECK(c.status == "succeeded");
    CHECK(c.message == "exited with code 0; processes it left running were terminated");
    CHECK(group_gone(static_cast<pid_t>(*c.pgid)));
}

TEST_CASE("engine: the pool is bounded, the rest wait queued", "[executions][engine]") {
    Fixture f;
    auto o = f.options();
    o.workers = 1;
    auto eng = f.engine(o);
    eng->start();
    int64_t first = f.enqueue(20, sh("echo one; sleep 1"));
    int64_t second = f.enqueue(21, sh("echo two"));
    eng->wake();
    REQUIRE(f.wait_for([&] { return f.row(first).status == "running"; }));
    CHECK(f.row(second).status == "queued");  // and it starts only after the first has ended:
    CHECK(f.wait_end(second).status == "succeeded");
    CHECK(*f.row(second).started_at >= *f.row(first).finished_at);
}

TEST_CASE("engine: two engines on one database never run the same execution",
          "[executions][engine]") {
    Fixture f;
    storage::Database other_db(f.db_location, 1);
    auto o = f.options();
    o.workers = 3;
    auto a = f.engine(o);
    ExecutionEngine b(other_db, f.clock, o, f.builder(), f.hook());
    std::vector<int64_t> ids;
    for (int i = 0; i < 24; ++i)
        ids.push_back(f.enqueue(100 + i, sh("echo $ORDERLY_EXECUTION_ID")));
    a->start();
    b.start();
    for (auto id : ids) {
        auto e = f.wait_end(id);
        CHECK(e.status == "succeeded");
        CHECK(f.log(id) == std::to_string(id) + "\n");
    }
    std::lock_guard lock(f.mu);
    for (auto id : ids) CHECK(f.builds[id] == 1);
    CHECK(f.finished.size() == ids.size());
}

TEST_CASE("engine: at start, executions of a dead server are interrupted and their group killed",
          "[executions][engine]") {
    Fixture f;
    // A task of a server that died: still running, in its own group, with its run marker.
    const std::string token = "deadbeef" + std::to_string(getpid());
    std::string marker = "ORDERLY_RUN_ID=" + token;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    const char* argv[] = {"/bin/sh", "-c", "sleep 1000 & wait", nullptr};
    char* envp[] = {marker.data(), nullptr};
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, "/bin/sh", nullptr, &attr, const_cast<char**>(argv), envp) == 0);
    posix_spawnattr_destroy(&attr);
    // The shell has forked its sleep once the group has two members.
    REQUIRE(test::wait_until([&] {
        int members = 0;
        for (const auto& e : std::filesystem::directory_iterator("/proc")) {
            std::ifstream in(e.path() / "stat");
            std::string line;
            if (!std::getline(in, line)) continue;
            // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after the last ')'.
            std::istringstream rest(line.substr(line.rfind(')') + 1));
            std::string state;
            long ppid = 0, pgrp = 0;
            if (rest >> state >> ppid >> pgrp && pgrp == pid) ++members;
        }
        return members >= 2;
    }));
    // Reap the shell when it is killed (a dead server's child would be reaped by init).
    std::thread reaper([pid] { waitpid(pid, nullptr, 0); });

    auto me = integrations::self_identity();
    auto first = me.find('|'), second = me.find('|', first + 1), third = me.find('|', second + 1);
    std::string dead_owner = me.substr(0, second + 1) + "999999" + me.substr(third);
    // The identity of a live process of this host: our parent.
    std::string live_owner = live_identity(getppid());
    REQUIRE(integrations::owner_state(live_owner) == integrations::OwnerState::alive);
    int64_t id = f.enqueue(30, sh("true"));
    int64_t alive = f.enqueue(31, sh("true"));
    f.db.write([&](Connection& c) {
        c.exec_script("UPDATE executions SET status = 'running', started_at = 1, owner = '" +
                      dead_owner + "', pgid = " + std::to_string(pid) + ", run_token = '" + token +
                      "' WHERE id = " + std::to_string(id));
        // Another live process owns this one: it is left alone.
        c.exec_script("UPDATE executions SET status = 'running', started_at = 1, owner = '" +
                      live_owner + "', heartbeat_at = 0 WHERE id = " + std::to_string(alive));
        storage::append_execution_log(c, id, 0, "partial output", 0);
    });
    auto eng = f.engine(f.options());
    eng->start();
    auto e = f.wait_end(id, 5s);
    CHECK(e.status == "interrupted");
    CHECK(e.message.find("interrupted: the server process that ran it (pid 999999 on") == 0);
    CHECK(e.message.find("2 leftover processes were killed") != std::string::npos);
    CHECK(f.log(id).find("partial output\n[orderly] interrupted: ") == 0);
    CHECK(group_gone(pid));
    reaper.join();
    REQUIRE(f.finished.size() == 1);
    CHECK(f.finished[0].execution_id == id);
    CHECK_FALSE(f.finished[0].succeeded);
    CHECK(f.finished[0].status_in_tx == "interrupted");
    CHECK(eng->recover() == 0);
    CHECK(f.row(alive).status == "running");
}

TEST_CASE("engine: stopping the server interrupts its running executions honestly",
          "[executions][engine]") {
    Fixture f;
    auto eng = f.engine(f.options());
    eng->start();
    int64_t id = f.enqueue(40, sh("sleep 1000 & echo up; wait"));
    int64_t queued_after = 0;
    eng->wake();
    REQUIRE(f.wait_for([&] { return f.log(id) == "up\n"; }));
    auto pgid = static_cast<pid_t>(*f.row(id).pgid);
    eng->stop();
    queued_after = f.enqueue(41, sh("true"));
    auto e = f.row(id);
    CHECK(e.status == "interrupted");
    CHECK(e.message.find("the server was shut down while it ran") != std::string::npos);
    CHECK(group_gone(pgid));
    CHECK(f.row(queued_after).status == "queued");  // left for the next server
}

TEST_CASE("engine: log waiters wake on output and are bounded", "[executions][engine]") {
    Fixture f;
    auto o = f.options();
    o.max_log_waiters = 1;
    auto eng = f.engine(o);
    eng->start();
    int64_t id = f.enqueue(50, sh("sleep 1; echo late"));
    eng->wake();
    REQUIRE(f.wait_for([&] { return f.row(id).status == "running"; }));
    std::atomic<bool> second_refused{false};
    std::thread other([&] {
        // Asks once the first reader holds the only place.
        test::wait_until([&] { return eng->log_waiters() == 1; });
        second_refused = !eng->wait_for_log(id, 0, std::chrono::steady_clock::now() + 5s);
    });
    auto t0 = std::chrono::steady_clock::now();
    CHECK(eng->wait_for_log(id, 0, std::chrono::steady_clock::now() + 10s));
    auto waited = std::chrono::steady_clock::now() - t0;
    other.join();
    CHECK(second_refused);
    CHECK(waited >= 500ms);
    CHECK(waited < 4s);
    CHECK(f.log(id) == "late\n");
    CHECK(eng->log_waiters() == 0);
    // Past the deadline it returns too.
    f.wait_end(id);
    CHECK(eng->wait_for_log(id, 999, std::chrono::steady_clock::now() + 10ms));
}

TEST_CASE("engine: a failing ticket hook never leaves an execution running nor stops the engine",
          "[executions][engine]") {
    Fixture f;
    std::atomic<int> calls{0};
    FinishHook throwing = [&](Connection&, int64_t, int64_t, bool, TimeMs) {
        ++calls;
        fail(Error::Conflict("the ticket is not executing"));  // an ErrorException
    };
    ExecutionEngine eng(f.db, f.clock, f.options(), f.builder(), throwing);
    eng.start();
    int64_t a = f.enqueue(60, sh("echo one"));
    eng.wake();
    auto ea = f.wait_end(a);
    CHECK(ea.status == "succeeded");
    CHECK(f.log(a) == "one\n");
    int64_t b = f.enqueue(61, sh("exit 2"));
    eng.wake();
    CHECK(f.wait_end(b).status == "failed");
    CHECK(calls == 2);
}
