#pragma once
// The window scheduler: starts scheduled tickets when their change window opens, on behalf of
// their submitters, and marks "missed" the tickets whose window closed without a start
// (TicketEngine::run_due). Its work is in the database, not in memory: tickets.run_at says when
// each ticket is next due, and a due ticket is claimed in the transaction that changes it (on
// PostgreSQL with FOR UPDATE SKIP LOCKED), so that each start happens once across restarts and
// nodes. Idle, it reads the earliest run_at (one indexed query) and sleeps until then, at most
// poll_interval (a ticket scheduled on another node is seen by then); wake() ends the sleep at
// once, after this node scheduled a ticket.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "app/ticket_engine.h"
#include "core/time.h"

namespace orderly::storage {
class Connection;
class Database;
}  // namespace orderly::storage

namespace orderly::app {

class WindowScheduler {
  public:
    // wake_executions (may be empty) is called after a commit that queued an execution.
    WindowScheduler(storage::Database& db, const Clock& clock, const TicketEngine& engine,
                    std::function<void()> wake_executions,
                    std::chrono::milliseconds poll_interval = std::chrono::seconds(30));
    ~WindowScheduler();
    WindowScheduler(const WindowScheduler&) = delete;
    WindowScheduler& operator=(const WindowScheduler&) = delete;

    // start() after stop() starts it again (tests hold the scheduler for a while).
    void start();
    void stop();
    void wake();

    // Works off every ticket due now (the clock's now); returns how many it started or marked
    // missed. The background thread calls it; tests with a fake clock may call it directly.
    int run_due();
    // The earliest time a ticket is due; nullopt when none is.
    std::optional<TimeMs> next_due() const;

  private:
    void loop();
    // Up to `limit` due tickets in one transaction: how many were handled (fewer: nothing more
    // is due). Sets `started` when it queued an execution.
    int run_batch(int limit, bool& started);
    // A claimed ticket in the caller's transaction: started (true), missed, or held by a freeze.
    bool run_claimed(storage::Connection& c, int64_t id, TimeMs now);

    storage::Database& db_;
    const Clock& clock_;
    const TicketEngine& engine_;
    std::function<void()> wake_executions_;
    std::chrono::milliseconds poll_interval_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace orderly::app
