#pragma once
// The execution engine: a bounded pool of worker threads that run queued executions.
//
// Stateless: everything lives in the database. A worker claims the oldest `queued` row with one
// atomic UPDATE (storage::claim_next_execution; on PostgreSQL the row is picked with FOR UPDATE
// SKIP LOCKED), so several server processes ("nodes") on one database never run the same
// execution; the rest wait `queued`. The claim comes with a lease (options().lease) that the
// heartbeat renews. It builds the argument vector through
// the injected ArgvBuilder (production: app::revalidate_snapshot of the ticket's template
// snapshot), runs it with integrations::run_process (no shell, own process group, clean
// environment, timeout), and
// stores the output through the storage layer in chunks with byte offsets, so any server
// process can serve the log. Output is made valid UTF-8, secrets are masked (also when a secret
// is split across reads), and the stored log is capped (ExecutionEngineOptions::max_log_bytes):
// past the cap a marker line is written and further output is read and dropped while the
// process keeps running, so memory stays flat whatever the task prints.
//
// Cancel requests are stored in the database (any process can accept one); the worker that runs
// the execution notices them (a monitor thread polls for this process's executions) and stops
// the whole process group: SIGTERM, then SIGKILL after kill_grace. The end of an execution is
// recorded in one transaction together with the FinishHook (the ticket moves on).
//
// Honest restarts: every running row names its owner process ("host|boot|pid|start time") and
// process group. At start and then every recovery_interval, rows whose owner is gone (a process
// of this host that no longer exists) or whose lease ran out (its node stopped renewing it: dead
// on another host, frozen, cut off from the database) are marked `interrupted` with an
// explanation, and whatever is left of a gone owner's process group is killed. Stopping the
// engine stops its running executions the same way and marks them `interrupted`: nothing stays
// `running` forever.
//
// Fencing: every write of the owner to a running execution (its process group, log chunks, its
// end) first checks, in the same transaction and with the row locked, that its claim still holds
// (storage::holds_execution: running, same owner and run token). An owner that finds its claim
// gone (at a log write or a heartbeat, e.g. after being frozen past its lease) writes nothing
// more to that execution and stops its process group. Leases compare the nodes' clocks: they
// must agree to well within the lease.
//
// Thread safety: all public methods may be called from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/log_filter.h"
#include "core/error.h"
#include "core/time.h"
#include "storage/change_feed.h"
#include "storage/database.h"
#include "storage/execution_store.h"

namespace orderly {

// What the engine runs for one execution.
struct PreparedRun {
    std::vector<std::string> argv;      // final, clear text (never stored or shown as is)
    std::vector<std::string> secrets;   // clear secret values, masked in the log and the argv
    std::string variables_json = "{}";  // the values it runs with (masked by the engine)
    int64_t timeout_s = 0;              // 0 = the engine's default
};
// Builds the run from the execution's ticket, on a read transaction. An Error fails the
// execution with Error::message in its log.
using ArgvBuilder =
    std::function<Result<PreparedRun>(storage::Connection& c, const storage::ExecutionRow& e)>;
// Called in the transaction that records the end of an execution.
using FinishHook = std::function<void(storage::Connection& c, int64_t ticket_id,
                                      int64_t execution_id, bool succeeded, TimeMs now)>;

// The production builder: the ticket's template snapshot, revalidated now
// (app::revalidate_snapshot: values still allowed, {config.KEY} resolved with `secret_key`
// decrypting secret values, placeholders substituted one argument each), with its timeout_s and
// the submitter's values.
ArgvBuilder snapshot_argv_builder(std::string secret_key);

struct ExecutionEngineOptions {
    int workers = 16;                               // executions run at once by this process
    size_t max_log_bytes = 16u << 20;               // per execution; then a marker, output dropped
    std::string work_dir;                           // <work_dir>/<execution id> is its directory
    bool keep_work_dirs = false;                    // remove that directory after the run
    int64_t default_timeout_s = 3600;               // when the run names none
    int64_t max_timeout_s = 7 * 24 * 3600;          // a longer one is cut to this
    std::chrono::milliseconds kill_grace{5000};     // SIGTERM -> SIGKILL
    std::chrono::milliseconds poll_interval{1000};  // idle re-check for queued rows
    std::chrono::milliseconds cancel_check_interval{250};  // DB poll for cancel requests
    std::chrono::milliseconds flush_interval{200};         // log chunks at least this often
    size_t flush_bytes = 64u << 10;                        // ... or when this much is pending
    std::chrono::milliseconds heartbeat_interval{5000};    // renews the leases of running ones
    std::chrono::milliseconds recovery_interval{5000};     // re-check others' running rows
    // How long a claim holds without a heartbeat; then other nodes mark the execution
    // interrupted. Several heartbeats long, so that a slow transaction does not lose it.
    std::chrono::milliseconds lease{30000};
    std::string api_url;  // ORDERLY_API_URL in the task's environment; "" = none
    // The PATH of the task's environment.
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    int max_log_waiters = 8;  // long-polls of the log held at once; more are answered at once
};

class ExecutionEngine {
  public:
    ExecutionEngine(storage::Database& db, const Clock& clock, ExecutionEngineOptions opts,
                    ArgvBuilder builder, FinishHook on_finished);
    ~ExecutionEngine();  // stops
    ExecutionEngine(const ExecutionEngine&) = delete;
    ExecutionEngine& operator=(const ExecutionEngine&) = delete;

    // Recovers executions left running by dead processes, then starts the workers.
    void start();
    // Answers every held log long-poll now and holds no new ones (call before the HTTP server
    // drains: a held request would keep one of its workers up to 20 s).
    void release_log_waiters();
    // Stops: running executions are terminated (their whole group) and marked interrupted;
    // queued ones stay queued for the next server. Idempotent.
    void stop();
    // Queued executions exist: idle workers look now (after an enqueue from this process).
    void wake();
    // A cancel request was stored for execution `id`: if this process runs it, stop it now
    // rather than at the next database poll.
    void cancel_requested(int64_t id);

    // Holds a log reader until execution `id` may have output past `log_size` or has ended, or
    // until `deadline` (bounded by options().max_log_waiters). Another process may be writing
    // the log: on PostgreSQL its commits wake the waiters through the database's change feed
    // (storage/change_feed.h), and the database is checked every 5 s as a fallback; without a
    // connected feed it is checked twice a second. Returns false without waiting when too many
    // readers already wait.
    bool wait_for_log(int64_t id, int64_t log_size, std::chrono::steady_clock::time_point deadline);

    // The hook called in the transaction that records the end of an execution.
    const FinishHook& finish_hook() const { return on_finished_; }

    // Runs the recovery pass now (also done at start and every recovery_interval).
    // Returns how many executions were marked interrupted.
    int recover();

    const std::string& identity() const { return identity_; }
    const ExecutionEngineOptions& options() const { return opts_; }
    int running() const { return running_.load(); }
    int log_waiters() const { return waiters_.load(); }
    // Prometheus text: running (this process), queued (database), log waiters.
    std::string metrics_text();

  private:
    friend class RunObserver;
    void worker_loop();
    void monitor_loop();
    void execute(const storage::ExecutionRow& row);
    // Records the end with the last of the log, and calls the finish hook, in one transaction.
    void finish(const storage::ExecutionRow& row, const storage::ExecutionEnd& end,
                const std::string& log_tail, int64_t dropped = 0);
    void notify_log(int64_t id);
    // Removes a run's working directory, unless keep_work_dirs.
    void remove_work_dir(const std::string& dir) const;
    // The claim on execution `id` is gone: its run stops and writes nothing more.
    void lose_claim(int64_t id);
    TimeMs lease_until() const { return clock_.now_ms() + opts_.lease.count(); }
    void heartbeat();
    // Every waiter reads the database again (the change feed may have missed changes).
    void notify_all_logs();
    void log(const char* level, const std::string& msg, int64_t id = 0) const;
    bool stopping() const { return stop_.load(); }

    storage::Database& db_;
    const Clock& clock_;
    ExecutionEngineOptions opts_;
    ArgvBuilder builder_;
    FinishHook on_finished_;
    std::string identity_;

    std::atomic<bool> stop_{false};
    std::atomic<bool> started_{false};
    std::atomic<uint64_t> wakes_{0};
    std::atomic<int> running_{0};
    std::mutex mu_;  // guards cv_ waits, cancels_, active_, lost_
    std::condition_variable cv_;
    std::set<int64_t> active_;   // executions this process runs now
    std::set<int64_t> cancels_;  // ... of which a cancel was requested
    std::set<int64_t> lost_;     // ... of which the claim is gone (fenced)
    std::vector<std::thread> threads_;

    // Log waiters: a generation per execution, bumped when output or the end arrives.
    std::atomic<int> waiters_{0};
    std::atomic<bool> waiters_released_{false};
    std::mutex log_mu_;  // guards log_gen_ and feed_
    std::condition_variable log_cv_;
    std::map<int64_t, uint64_t> log_gen_;
    // Other processes' log writes, as they commit; null without a feed (SQLite).
    std::unique_ptr<storage::ChangeFeed> feed_;
};

}  // namespace orderly
