#include "app/window_scheduler.h"

#include <algorithm>
#include <cstdio>

#include "app/freeze_calendar.h"
#include "core/json.h"
#include "storage/database.h"
#include "storage/execution_store.h"
#include "storage/ticket_store.h"
#include "storage/window_store.h"

namespace orderly::app {

namespace {

// Due tickets per round at most, so that stop() is never kept waiting long.
constexpr int kPerRound = 256;
// Due tickets per write transaction: one durable commit for several starts (one commit per start
// held a burst of windows to about 300 starts a second), short enough not to hold the writer
// from the requests queued behind it for long.
constexpr int kPerTransaction = 32;
// When the earliest due ticket is held by another node, look again this soon.
constexpr std::chrono::milliseconds kHeldElsewhere{200};

void log_error(const Clock& clock, const std::string& msg) {
    json::Writer w;
    w.start_object()
        .kv("ts", format_rfc3339(clock.now_ms()))
        .kv("level", "error")
        .kv("component", "windows")
        .kv("msg", msg)
        .end_object();
    std::fprintf(stderr, "%s\n", w.take().c_str());
}

}  // namespace

WindowScheduler::WindowScheduler(storage::Database& db, const Clock& clock,
                                 const TicketEngine& engine, std::function<void()> wake_executions,
                                 std::chrono::milliseconds poll_interval)
    : db_(db),
      clock_(clock),
      engine_(engine),
      wake_executions_(std::move(wake_executions)),
      poll_interval_(std::max(poll_interval, std::chrono::milliseconds(10))) {}

WindowScheduler::~WindowScheduler() {
    stop();
}

void WindowScheduler::start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { loop(); });
}

void WindowScheduler::stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void WindowScheduler::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

namespace {

// How often a ticket held by a hard freeze is looked at again (a change to any freeze window
// makes it due at once, see storage::release_held_tickets).
constexpr TimeMs kFreezeRecheckMs = 60'000;

// A scheduled ticket whose window has opened waits while a hard freeze holds its environment:
// when to look at it again (at the latest its window's end, when it is missed), or nullopt
// when nothing holds it.
std::optional<TimeMs> held_by_freeze(storage::Connection& c, int64_t id, TimeMs now) {
    auto t = storage::find_ticket(c, id);
    if (!t || t->status != domain::TicketStatus::scheduled || !t->window) return std::nullopt;
    if (now < t->window->start || now >= t->window->end) return std::nullopt;
    if (!active_hard_freeze(c, t->environment, now)) return std::nullopt;
    return std::min(t->window->end, now + kFreezeRecheckMs);
}

}  // namespace

bool WindowScheduler::run_claimed(storage::Connection& c, int64_t id, TimeMs now) {
    if (auto held = held_by_freeze(c, id, now)) {
        storage::defer_window_due(c, id, *held);
        return false;
    }
    storage::SqlTicketPorts ports(c);
    auto done = engine_.run_due(
        ports.ports, id,
        [&](int64_t on_behalf_of) { return storage::enqueue_execution(c, id, on_behalf_of, now); },
        now);
    if (!done) {
        storage::clear_window_due(c, id);  // changed meanwhile: nothing is due any more
        return false;
    }
    return done->execution_id.has_value();
}

int WindowScheduler::run_batch(int limit, bool& started) {
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        started = false;
        int handled = 0;
        // Each ticket handled leaves run_at NULL or later than now: it is not claimed twice.
        while (handled < limit) {
            auto id = storage::claim_due_ticket(c, now);
            if (!id) break;
            ++handled;
            if (run_claimed(c, *id, now)) started = true;
        }
        return handled;
    });
}

int WindowScheduler::run_due() {
    int handled = 0;
    while (handled < kPerRound) {
        bool started = false;
        int n = 0;
        try {
            n = run_batch(kPerTransaction, started);
        } catch (...) {
            // One ticket that cannot be handled must not hold the others of its batch: one at a
            // time, so that only its own transaction fails (and ends the round, as before).
            n = run_batch(1, started);
        }
        handled += n;
        // The execution workers start on this batch's runs while the next one is claimed.
        if (started && wake_executions_) wake_executions_();
        if (n < kPerTransaction) break;
    }
    return handled;
}

std::optional<TimeMs> WindowScheduler::next_due() const {
    return db_.read([](storage::Connection& c) { return storage::next_window_due(c); });
}

void WindowScheduler::loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        woken_ = false;
        lock.unlock();
        std::chrono::milliseconds wait = poll_interval_;
        try {
            const int handled = run_due();
            if (auto next = next_due()) {
                const TimeMs in = *next - clock_.now_ms();
                // Due already: more came due meanwhile (go on at once), or what is due is held
                // by another node (look again soon).
                if (in <= 0)
                    wait = handled > 0 ? std::chrono::milliseconds(0) : kHeldElsewhere;
                else
                    wait = std::min(wait, std::chrono::milliseconds(in));
            }
        } catch (...) {
            log_error(clock_, "window scheduler: " + current_exception_text());
        }
        lock.lock();
        cv_.wait_for(lock, wait, [this] { return stop_ || woken_; });
    }
}

}  // namespace orderly::app
