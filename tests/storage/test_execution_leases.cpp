// Leases and fencing in the execution engine, with short intervals: a run whose execution
// another node ended writes nothing more and stops its group; an execution whose lease ran out
// is marked interrupted although its owner process is alive, one whose lease holds is not.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include "execution_engine_fixture.h"

using namespace orderly;
using namespace orderly::test::engine;

TEST_CASE("engine: a run whose execution another node ended writes nothing more and stops",
          "[executions][engine]") {
    Fixture f;
    auto o = f.options();
    o.heartbeat_interval = 100ms;
    auto eng = f.engine(o);
    eng->start();
    int64_t id = f.enqueue(70, sh("sleep 1000 & while true; do echo tick; sleep 0.05; done"));
    eng->wake();
    REQUIRE(f.wait_for([&] { return f.log(id).find("tick\n") != std::string::npos; }));
    auto pgid = static_cast<pid_t>(*f.row(id).pgid);
    // Another node found this one lost (its lease ran out) and ended the execution.
    f.db.write([&](Connection& c) {
        storage::ExecutionEnd end{"interrupted", std::nullopt, std::nullopt, "lost"};
        auto cur = storage::find_execution(c, id);
        storage::append_execution_log(c, id, cur->log_size, "[orderly] lost\n", 0);
        return storage::finish_execution(c, id, end, 1);
    });
    const std::string log_then = f.log(id);
    CHECK(group_gone(pgid));
    REQUIRE(f.wait_for([&] { return eng->running() == 0; }));
    auto e = f.row(id);
    CHECK(e.status == "interrupted");
    CHECK(e.message == "lost");
    CHECK(e.finished_at == 1);
    CHECK(f.log(id) == log_then);
    CHECK(f.finished.empty());  // its ticket heard nothing from this run
}

TEST_CASE("engine: an execution whose lease ran out is interrupted though its owner lives",
          "[executions][engine]") {
    Fixture f;
    // A live process of this host (our parent) owns both; one lease ran out, one holds.
    const std::string owner = live_identity(getppid());
    const TimeMs now = f.clock.now_ms();
    int64_t expired = f.enqueue(80, sh("true"));
    int64_t holding = f.enqueue(81, sh("true"));
    auto claim = [&](int64_t id, TimeMs heartbeat, TimeMs lease_until) {
        f.db.write([&](Connection& c) {
            auto s = c.prepare(
                "UPDATE executions SET status = 'running', started_at = 1, owner = ?1, "
                "run_token = 'tok', heartbeat_at = ?2, lease_until = ?3 WHERE id = ?4");
            s.bind(1, owner).bind(2, heartbeat).bind(3, lease_until).bind(4, id);
            s.exec();
        });
    };
    claim(expired, now - 40'000, now - 10'000);
    claim(holding, now, now + 60'000);
    auto eng = f.engine(f.options());
    eng->start();
    auto e = f.wait_end(expired, 5s);
    CHECK(e.status == "interrupted");
    CHECK(e.message.find("interrupted: the server process that ran it (pid " +
                         std::to_string(getppid())) == 0);
    CHECK(e.message.find(" was lost: its lease ran out (no heartbeat for 4") !=
          std::string::npos);  // 40 s
    CHECK(e.message.find(" s; it is frozen or cut off from the database; it stops the processes "
                         "it ran if it comes back)") != std::string::npos);
    CHECK(f.log(expired).find("[orderly] interrupted: ") != std::string::npos);
    CHECK(eng->recover() == 0);
    CHECK(f.row(holding).status == "running");
}
