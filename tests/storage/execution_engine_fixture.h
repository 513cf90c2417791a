#pragma once
// The execution engine's test fixture: a database (SQLite file, or PostgreSQL in the pg-storage
// runs), a builder that runs what the test registered for a ticket, and a recorder of the
// finish hook.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "app/execution_engine.h"
#include "integrations/crypto.h"
#include "integrations/process_runner.h"
#include "storage/execution_store.h"
#include "support/process.h"
#include "support/test_database.h"

namespace orderly::test::engine {

using namespace std::chrono_literals;
using storage::Connection;

struct Finished {
    int64_t ticket_id, execution_id;
    bool succeeded;
    std::string status_in_tx;  // the execution's status as the hook saw it, inside the transaction
};

// A database, a builder that runs what the test registered for a ticket, and a hook recorder.
struct Fixture {
    std::string dir = test::temp_dir();
    std::string db_location = test::database_location(dir, "e.db");
    storage::Database db{db_location, 2};
    SystemClock clock;
    std::mutex mu;
    std::map<int64_t, PreparedRun> runs;  // by ticket id
    std::map<int64_t, int> builds;        // by execution id: how often it was built
    std::vector<Finished> finished;
    int64_t user = 0;

    Fixture() {
        crypto::init();
        db.migrate();
        user = db.write([&](Connection& c) {
            return storage::inserted_id(
                c.prepare("INSERT INTO users (username, display_name, password_hash, created_at, "
                          "updated_at) VALUES ('runner', 'Runner', 'x', 0, 0) RETURNING id"));
        });
    }
    ~Fixture() { std::filesystem::remove_all(dir); }

    ExecutionEngineOptions options() {
        ExecutionEngineOptions o;
        o.workers = 2;
        o.work_dir = dir + "/work";
        o.poll_interval = 100ms;
        o.kill_grace = 500ms;
        o.recovery_interval = 200ms;
        return o;
    }

    ArgvBuilder builder() {
        return [this](Connection&, const storage::ExecutionRow& e) -> Result<PreparedRun> {
            std::lock_guard lock(mu);
            ++builds[e.id];
            auto it = runs.find(e.ticket_id);
            if (it == runs.end()) return Error::Unprocessable("the template no longer exists");
            return it->second;
        };
    }
    FinishHook hook() {
        return [this](Connection& c, int64_t ticket, int64_t id, bool ok, TimeMs) {
            auto row = storage::find_execution(c, id);
            std::lock_guard lock(mu);
            finished.push_back({ticket, id, ok, row ? row->status : ""});
        };
    }
    std::unique_ptr<ExecutionEngine> engine(ExecutionEngineOptions o) {
        return std::make_unique<ExecutionEngine>(db, clock, o, builder(), hook());
    }

    int64_t enqueue(int64_t ticket, PreparedRun run, const std::string& env = "PROD") {
        {
            std::lock_guard lock(mu);
            runs[ticket] = std::move(run);
        }
        storage::NewExecution e;
        e.ticket_id = ticket;
        e.environment = env;
        e.executed_by = user;
        e.queued_at = clock.now_ms();
        return db.write([&](Connection& c) { return storage::insert_execution(c, e); });
    }

    storage::ExecutionRow row(int64_t id) {
        return *db.read([&](Connection& c) { return storage::find_execution(c, id); });
    }

    storage::ExecutionRow wait_end(int64_t id, std::chrono::milliseconds within = 20s) {
        storage::ExecutionRow r;
        test::wait_until(
            [&] {
                r = row(id);
                return r.finished();
            },
            within);
        return r;
    }

    template <typename Pred>
    bool wait_for(Pred pred, std::chrono::milliseconds within = 10s) {
        return test::wait_until(pred, within);
    }

    std::string log(int64_t id) {
        return db.read([&](Connection& c) {
            auto r = storage::find_execution(c, id);
            return storage::read_execution_log(c, id, 0, r->log_size, 1u << 30).data;
        });
    }
};

inline PreparedRun sh(const std::string& script, int64_t timeout_s = 0) {
    PreparedRun r;
    r.argv = {"sh", "-c", script};
    r.timeout_s = timeout_s;
    return r;
}

inline bool group_gone(pid_t pgid, std::chrono::milliseconds within = 5000ms) {
    return test::wait_until([&] { return kill(-pgid, 0) != 0 && errno == ESRCH; }, within);
}

// The owner identity (as integrations::self_identity writes it) of live process `pid` of this
// host.
inline std::string live_identity(pid_t pid) {
    const auto me = integrations::self_identity();
    const auto second = me.find('|', me.find('|') + 1);
    std::string stat;
    {
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::getline(in, stat);
    }
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22; ++i) fields >> field;  // field 22: start time
    return me.substr(0, second + 1) + std::to_string(pid) + "|" + field;
}

}  // namespace orderly::test::engine
