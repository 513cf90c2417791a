#include "app/execution_engine.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "app/log_filter.h"
#include "app/run_observer.h"
#include "app/run_outcome.h"
#include "app/template_snapshots.h"
#include "core/codes.h"
#include "core/json.h"
#include "domain/command.h"
#include "integrations/crypto.h"
#include "integrations/process_runner.h"
#include "storage/accounts_store.h"
#include "storage/catalog_ports.h"

namespace orderly {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::mutex g_engine_log_mu;

// The run an execution's ticket asks for, built by `builder` on a read transaction; a failure
// to build it (thrown or returned) is an Error.
Result<PreparedRun> build_run(storage::Database& db, const ArgvBuilder& builder,
                              const storage::ExecutionRow& row) {
    Result<PreparedRun> prepared = Error::Internal("no argument builder");
    try {
        if (builder) prepared = db.read([&](storage::Connection& c) { return builder(c, row); });
    } catch (const ErrorException& e) {
        prepared = e.error;
    } catch (...) {
        prepared = Error::Internal(current_exception_text());
    }
    return prepared;
}

std::vector<std::string> non_empty(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& v : values)
        if (!v.empty()) out.push_back(v);
    return out;
}

// The execution's working directory: <work_dir>/<id>, under /tmp without a work_dir.
std::string work_dir_of(const std::string& work_dir, int64_t id) {
    return (work_dir.empty() ? std::string("/tmp") : work_dir) + "/" + std::to_string(id);
}

// Creates `dir` empty and private; throws when it cannot.
void make_fresh_dir(const std::string& dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    chmod(dir.c_str(), 0700);
}

// How the task is started: no shell, a clean environment naming the ticket, the execution and
// its run id, in its own working directory, with the run's timeout.
integrations::ProcessSpec process_spec(const ExecutionEngineOptions& opts,
                                       const storage::ExecutionRow& row,
                                       std::vector<std::string> argv, const std::string& dir,
                                       int64_t timeout_s) {
    integrations::ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = {"PATH=" + opts.path,
                "HOME=" + dir,
                "LANG=C.UTF-8",
                "ORDERLY_TICKET_ID=" + std::to_string(row.ticket_id),
                "ORDERLY_EXECUTION_ID=" + std::to_string(row.id),
                "ORDERLY_ENV=" + row.environment,
                "ORDERLY_RUN_ID=" + *row.run_token};
    if (!opts.api_url.empty()) spec.env.push_back("ORDERLY_API_URL=" + opts.api_url);
    spec.work_dir = dir;
    spec.timeout = std::chrono::seconds(timeout_s);
    spec.kill_grace = opts.kill_grace;
    spec.poll_interval = std::min(opts.flush_interval, std::chrono::milliseconds(100));
    return spec;
}

// The claim under which this process runs a row it claimed.
storage::ExecutionClaim claim_of(const storage::ExecutionRow& row) {
    return {row.owner.value_or(""), row.run_token.value_or("")};
}

// Who asked for the execution's cancel; "" when that cannot be read.
std::string cancelled_by(storage::Database& db, int64_t id) {
    try {
        return db.read([&](storage::Connection& c) {
            auto cur = storage::find_execution(c, id);
            if (!cur || !cur->cancel_requested_by) return std::string();
            auto u = storage::find_user(c, *cur->cancel_requested_by);
            return u ? u->username : std::string();
        });
    } catch (...) {
        return {};
    }
}

}  // namespace

// ---- the production builder

ArgvBuilder snapshot_argv_builder(std::string secret_key) {
    return [secret_key = std::move(secret_key)](
               storage::Connection& c, const storage::ExecutionRow& e) -> Result<PreparedRun> {
        auto ticket = storage::find_ticket_snapshot(c, e.ticket_id);
        if (!ticket)
            return Error::NotFound("ticket " + std::to_string(e.ticket_id) + " is gone")
                .with(codes::ticket_not_found, {{"id", e.ticket_id}});
        if (ticket->template_snapshot.empty())
            return Error::Unprocessable("ticket " + std::to_string(e.ticket_id) +
                                        " has no task template to run")
                .with(codes::service_no_template);
        PreparedRun run;
        storage::SqlCatalogReader catalog(c);
        auto argv =
            app::revalidate_snapshot(catalog, secret_key, ticket->template_snapshot, &run.secrets);
        if (!argv.ok()) return argv.error();
        run.argv = std::move(argv.value());
        json::Document snap;
        snap.Parse(ticket->template_snapshot.data(), ticket->template_snapshot.size());
        if (!snap.HasParseError() && snap.IsObject())
            run.timeout_s = json::get_int(snap, "timeout_s").value_or(0);
        // The values as the submitter chose them (a value or a list); the engine masks secrets.
        run.variables_json = ticket->variables.empty() ? "{}" : ticket->variables;
        return run;
    };
}

// ---- engine

ExecutionEngine::ExecutionEngine(storage::Database& db, const Clock& clock,
                                 ExecutionEngineOptions opts, ArgvBuilder builder,
                                 FinishHook on_finished)
    : db_(db),
      clock_(clock),
      opts_(std::move(opts)),
      builder_(std::move(builder)),
      on_finished_(std::move(on_finished)),
      identity_(integrations::self_identity()) {
    opts_.workers = std::max(1, opts_.workers);
    opts_.max_log_waiters = std::max(0, opts_.max_log_waiters);
}

ExecutionEngine::~ExecutionEngine() {
    stop();
}

void ExecutionEngine::log(const char* level, const std::string& msg, int64_t id) const {
    json::Writer w;
    w.start_object()
        .kv("ts", format_rfc3339(clock_.now_ms()))
        .kv("level", level)
        .kv("component", "executions")
        .kv("msg", msg);
    if (id) w.kv("execution_id", id);
    w.end_object();
    std::lock_guard lock(g_engine_log_mu);
    std::fprintf(stderr, "%s\n", w.take().c_str());
}

void ExecutionEngine::start() {
    if (started_.exchange(true)) return;
    if (!opts_.work_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(opts_.work_dir, ec);
        chmod(opts_.work_dir.c_str(), 0700);
    }
    try {
        recover();
    } catch (...) {
        log("error", "recovery failed: " + current_exception_text());
    }
    auto feed = storage::open_change_feed(
        db_, {[this](int64_t id) { notify_log(id); }, [this] { notify_all_logs(); }});
    {
        std::lock_guard lock(log_mu_);  // wait_for_log looks at it under this lock
        feed_ = std::move(feed);
    }
    for (int i = 0; i < opts_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
    threads_.emplace_back([this] { monitor_loop(); });
}

void ExecutionEngine::stop() {
    release_log_waiters();
    if (stop_.exchange(true)) return;
    cv_.notify_all();
    log_cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    std::unique_ptr<storage::ChangeFeed> feed;
    {
        std::lock_guard lock(log_mu_);
        feed = std::move(feed_);
    }
    feed.reset();  // outside the lock: its thread may be waiting for it in notify_log
}

void ExecutionEngine::release_log_waiters() {
    waiters_released_ = true;
    std::lock_guard lock(log_mu_);
    log_cv_.notify_all();
}

void ExecutionEngine::wake() {
    ++wakes_;
    cv_.notify_all();
}

void ExecutionEngine::cancel_requested(int64_t id) {
    std::lock_guard lock(mu_);
    if (active_.count(id)) cancels_.insert(id);
}

void ExecutionEngine::lose_claim(int64_t id) {
    std::lock_guard lock(mu_);
    if (active_.count(id)) lost_.insert(id);
}

void ExecutionEngine::notify_log(int64_t id) {
    std::lock_guard lock(log_mu_);
    auto it = log_gen_.find(id);
    if (it == log_gen_.end()) return;
    ++it->second;
    log_cv_.notify_all();
}

void ExecutionEngine::notify_all_logs() {
    std::lock_guard lock(log_mu_);
    for (auto& entry : log_gen_) ++entry.second;
    log_cv_.notify_all();
}

bool ExecutionEngine::wait_for_log(int64_t id, int64_t log_size, SteadyClock::time_point deadline) {
    if (waiters_.fetch_add(1) >= opts_.max_log_waiters) {
        --waiters_;
        return false;
    }
    struct Release {
        ExecutionEngine& e;
        int64_t id;
        ~Release() {
            std::lock_guard lock(e.log_mu_);
            // The entry is shared by the waiters of one execution; the last one removes it.
            if (--e.waiters_ == 0) e.log_gen_.clear();
        }
    } release{*this, id};
    for (;;) {
        uint64_t gen;
        {
            std::lock_guard lock(log_mu_);
            gen = log_gen_[id];
        }
        // Read after taking the generation: output stored after this read bumps it.
        bool ready = db_.read([&](storage::Connection& c) {
            auto e = storage::find_execution(c, id);
            return !e || e->log_size > log_size || e->finished();
        });
        auto now = SteadyClock::now();
        if (ready || now >= deadline || stopping() || waiters_released_) return true;
        // Another process may be the writer: its commits wake us through the change feed; look
        // at the database now and then anyway, and twice a second while nothing would wake us.
        std::unique_lock lock(log_mu_);
        const bool fed = feed_ && feed_->connected();
        auto until = std::min(deadline, now + std::chrono::milliseconds(fed ? 5000 : 500));
        log_cv_.wait_until(lock, until,
                           [&] { return stopping() || waiters_released_ || log_gen_[id] != gen; });
    }
}

void ExecutionEngine::worker_loop() {
    while (!stopping()) {
        uint64_t seen = wakes_.load();
        std::optional<storage::ExecutionRow> row;
        try {
            row = db_.write([&](storage::Connection& c) {
                return storage::claim_next_execution(c, identity_, crypto::random_hex(16),
                                                     clock_.now_ms(), lease_until());
            });
        } catch (...) {
            log("error", "claiming an execution failed: " + current_exception_text());
        }
        if (row) {
            try {
                execute(*row);
            } catch (...) {  // never expected: execute handles its own failures
                log("error", "execution failed unexpectedly: " + current_exception_text(), row->id);
            }
            continue;
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, opts_.poll_interval,
                     [&] { return stopping() || wakes_.load() != seen; });
    }
}

void ExecutionEngine::monitor_loop() {
    auto next_heartbeat = SteadyClock::now() + opts_.heartbeat_interval;
    auto next_recovery = SteadyClock::now() + opts_.recovery_interval;
    while (!stopping()) {
        {
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, opts_.cancel_check_interval, [&] { return stopping(); });
            if (stopping()) return;
        }
        try {
            bool busy;
            {
                std::lock_guard lock(mu_);
                busy = !active_.empty();
            }
            if (busy) {
                auto ids = db_.read([&](storage::Connection& c) {
                    return storage::cancel_requested_executions(c, identity_);
                });
                std::lock_guard lock(mu_);
                for (int64_t id : ids)
                    if (active_.count(id)) cancels_.insert(id);
            }
            auto now = SteadyClock::now();
            if (busy && now >= next_heartbeat) {
                next_heartbeat = now + opts_.heartbeat_interval;
                heartbeat();
            }
            if (now >= next_recovery) {
                next_recovery = now + opts_.recovery_interval;
                recover();
            }
        } catch (...) {
            log("error", "execution monitor: " + current_exception_text());
        }
    }
}

void ExecutionEngine::heartbeat() {
    // Only executions claimed before the renewal can be missing from it: a claim commits
    // before its execution becomes active.
    std::set<int64_t> before;
    {
        std::lock_guard lock(mu_);
        before = active_;
    }
    auto renewed = db_.write([&](storage::Connection& c) {
        return storage::heartbeat_executions(c, identity_, clock_.now_ms(), lease_until());
    });
    for (int64_t id : before)
        if (std::find(renewed.begin(), renewed.end(), id) == renewed.end()) lose_claim(id);
}

void ExecutionEngine::finish(const storage::ExecutionRow& row, const storage::ExecutionEnd& end,
                             const std::string& log_tail, int64_t dropped) {
    TimeMs now = clock_.now_ms();
    bool fenced = false;
    auto record = [&](bool with_hook) {
        db_.write([&](storage::Connection& c) {
            fenced = !storage::holds_execution(c, claim_of(row), row.id);
            if (fenced) return;
            auto cur = storage::find_execution(c, row.id);
            if (!cur) return;
            storage::append_execution_log(c, row.id, cur->log_size, log_tail,
                                          std::max(dropped, cur->log_dropped));
            if (!storage::finish_execution(c, row.id, end, now)) return;
            if (with_hook && on_finished_)
                on_finished_(c, row.ticket_id, row.id, end.status == "succeeded", now);
        });
    };
    try {
        record(true);
    } catch (...) {
        // The ticket's hook (or the database) failed. The execution's end is recorded anyway: it
        // must never stay `running` (and should even that fail, the recovery of the next server
        // start marks it interrupted).
        log("error",
            "recording the end failed, retrying without the ticket hook: " +
                current_exception_text(),
            row.id);
        try {
            record(false);
        } catch (...) {
            log("error", "recording the end failed: " + current_exception_text(), row.id);
        }
    }
    notify_log(row.id);
    if (fenced)
        log("warn",
            "this process no longer held the execution (its lease ran out and another node marked "
            "it interrupted): its processes were stopped and its end is not recorded",
            row.id);
    else
        log("info", "execution " + end.status + (end.message.empty() ? "" : ": " + end.message),
            row.id);
}

// Long on purpose: one run from start to its recorded end (argv, process, log, fencing), with
// the steps commented in place.
void ExecutionEngine::execute(const storage::ExecutionRow& row) {
    const int64_t id = row.id;
    {
        std::lock_guard lock(mu_);
        active_.insert(id);
    }
    ++running_;
    struct Done {
        ExecutionEngine& e;
        int64_t id;
        ~Done() {
            std::lock_guard lock(e.mu_);
            e.active_.erase(id);
            e.cancels_.erase(id);
            e.lost_.erase(id);
            --e.running_;
        }
    } done{*this, id};

    auto fail_to_start = [&](const std::string& why) {
        finish(row, {"failed", std::nullopt, std::nullopt, "could not start: " + why},
               "[orderly] could not start: " + why + "\n");
    };

    // 1. What to run, from the ticket's snapshot (revalidated now: the config may have changed).
    Result<PreparedRun> prepared = build_run(db_, builder_, row);
    if (!prepared.ok()) {
        const Error& err = prepared.error();
        if (err.kind == ErrorKind::internal)
            log("error", "building the command failed: " + err.log_detail, id);
        fail_to_start(err.kind == ErrorKind::internal ? "internal error" : err.message);
        return;
    }
    PreparedRun run = std::move(prepared.value());
    if (run.argv.empty()) {
        fail_to_start("the command is empty");
        return;
    }
    const std::vector<std::string> secrets = non_empty(run.secrets);
    int64_t timeout_s =
        run.timeout_s > 0 ? std::min(run.timeout_s, opts_.max_timeout_s) : opts_.default_timeout_s;
    std::string dir;
    try {
        bool held = db_.write([&](storage::Connection& c) {
            if (!storage::holds_execution(c, claim_of(row), id)) return false;
            storage::set_execution_started(c, id, masked_argv(run.argv, secrets),
                                           masked_variables(run.variables_json, secrets),
                                           timeout_s);
            return true;
        });
        if (!held) {
            log("warn", "this process no longer holds the execution: it is not started", id);
            return;
        }
        // 2. A fresh working directory of its own.
        dir = work_dir_of(opts_.work_dir, id);
        make_fresh_dir(dir);
    } catch (...) {
        log("error", "preparing the run failed: " + current_exception_text(), id);
        fail_to_start(dir.empty() ? "internal error" : "cannot create the working directory");
        return;
    }

    // 3. Run it.
    const auto spec = process_spec(opts_, row, std::move(run.argv), dir, timeout_s);
    log("info", "execution started", id);
    RunObserver observer(*this, id, claim_of(row), secrets);
    integrations::ProcessResult res;
    try {
        res = integrations::run_process(spec, observer);
    } catch (...) {
        // Storing the log failed (the run's processes are already killed by the runner).
        log("error", "the run failed: " + current_exception_text(), id);
        remove_work_dir(dir);
        finish(row, {"failed", std::nullopt, std::nullopt, "internal error while storing the log"},
               "\n[orderly] internal error while storing the log; the task was stopped\n");
        return;
    }

    // 4. How it ended. The working directory goes first (its processes have ended): an
    // execution that reads as ended has none left behind.
    remove_work_dir(dir);
    RunOutcome outcome = describe_outcome(res, timeout_s, [&] { return cancelled_by(db_, id); });
    std::string rest = observer.take_rest(outcome.tail.empty() ? "" : "\n" + outcome.tail);
    finish(row, outcome.end, rest, observer.dropped());
}

void ExecutionEngine::remove_work_dir(const std::string& dir) const {
    if (opts_.keep_work_dirs) return;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

std::string ExecutionEngine::metrics_text() {
    int64_t queued = 0;
    try {
        queued =
            db_.read([](storage::Connection& c) { return storage::count_executions(c, "queued"); });
    } catch (...) {
    }
    std::string out;
    out +=
        "# HELP orderly_executions_running Executions this process runs now.\n"
        "# TYPE orderly_executions_running gauge\n";
    out += "orderly_executions_running " + std::to_string(running()) + "\n";
    out +=
        "# HELP orderly_executions_queued Executions waiting for a worker (all processes).\n"
        "# TYPE orderly_executions_queued gauge\n";
    out += "orderly_executions_queued " + std::to_string(queued) + "\n";
    out +=
        "# HELP orderly_execution_log_waiters Log long-polls held now.\n"
        "# TYPE orderly_execution_log_waiters gauge\n";
    out += "orderly_execution_log_waiters " + std::to_string(log_waiters()) + "\n";
    std::lock_guard lock(log_mu_);
    if (feed_) {
        out +=
            "# HELP orderly_change_feed_connected 1 while this process listens for other "
            "processes' log writes (PostgreSQL LISTEN), 0 while it polls instead.\n"
            "# TYPE orderly_change_feed_connected gauge\n";
        out +=
            std::string("orderly_change_feed_connected ") + (feed_->connected() ? "1" : "0") + "\n";
    }
    return out;
}

}  // namespace orderly
