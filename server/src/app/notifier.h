#pragma once
// The notifier: background worker threads that deliver the notification outbox (emails over
// SMTP, webhooks over HTTP, chat platforms' robots over HTTP).
//
// Stateless: everything lives in the database. Each worker claims due rows with one atomic
// UPDATE that leases them (storage::claim_due), so several workers and several server
// processes on one database never send the same row. While the process lives it renews the
// leases of the rows it holds (every lease_ms / 3), and a worker confirms a row is still its
// own right before sending it; the rows of a claimer that died are taken over by another
// process once their lease expires (lease_ms after its last renewal). After a send the row is
// marked sent, or given a retry time with capped exponential backoff (domain::BackoffPolicy), or
// marked failed after 24 h of failures or a permanent refusal; an admin can retry failed rows.
// Nothing is dropped silently.
//
// At-least-once: a row is marked sent after the receiver acknowledged it; if the process dies
// between the acknowledgement and that mark, the row is sent again after its lease expires,
// with the same Message-ID / X-Orderly-Delivery so the receiver can recognise the copy. Rows
// claimed but not yet tried are not sent twice: a crash duplicates at most the sends in flight,
// one per worker. The Message-ID is the row's delivery id at the domain of ORDERLY_SMTP_FROM,
// so server processes sharing a database give a row the same one when they share that setting.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "domain/notification.h"
#include "integrations/smtp.h"
#include "integrations/webhook.h"
#include "storage/database.h"

namespace orderly {

struct NotifierOptions {
    std::string smtp_url;    // ORDERLY_SMTP_URL; empty = email is not sent by this process
    std::string smtp_from;   // ORDERLY_SMTP_FROM; empty = "Orderly <orderly@localhost>"
    std::string secret_key;  // decrypts webhook secrets (the App's key)
    std::string link_base = "http://127.0.0.1:8080";  // reminders link to <link_base>/tickets/<id>
    std::string timezone = "UTC";  // reminders' times for readers without a zone of their own
    // How often the reminder scan (workflow notify policy "repeat", app/ticket_engine.h)
    // looks for nodes due a "still waiting" reminder.
    std::chrono::milliseconds reminder_scan_interval{15000};
    std::chrono::milliseconds poll_interval{1000};  // idle re-check; wake() cuts it short
    domain::BackoffPolicy backoff;
    // A claimed row stays this process's while it renews the lease; a row of a process that
    // died goes to another one this long after the last renewal.
    TimeMs lease_ms = 30'000;
    int workers = 2;
    int batch = 10;  // rows claimed at once by a worker
    long smtp_connect_timeout_ms = 10'000;
    long smtp_timeout_ms = 60'000;
    webhook::Timeouts webhook_timeouts;
    // Chat platforms: how long a message waits after the platform said it is limiting the rate
    // (HTTP 429, DingTalk 130101, WeCom 45009), and how many messages a DingTalk robot takes a
    // minute (the platform's documented limit: 20); more wait, they are not lost.
    TimeMs chat_rate_limit_wait_ms = 60'000;
    int dingtalk_per_minute = 20;
};

class Notifier {
  public:
    Notifier(storage::Database& db, const Clock& clock, NotifierOptions opts);
    ~Notifier();  // stops
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    void start();
    // Stops the workers: a send in progress is cancelled (it is retried later), claimed rows
    // not yet tried are released. Idempotent.
    void stop();
    // Makes idle workers look for due rows now (after enqueueing from this process).
    void wake();

    // Whether this process sends email, and if not, why (shown on queued rows and by the API).
    bool email_enabled() const { return email_problem_.code.empty(); }
    const Problem& email_problem() const { return email_problem_; }
    const NotifierOptions& options() const { return opts_; }
    // How many times a worker has looked for due rows and found none. After a wake(), every
    // worker passing once more with nothing found means nothing else is due now.
    uint64_t idle_passes() const { return idle_passes_.load(); }

  private:
    void run(int index);
    void housekeeping(TimeMs now);
    // Renews the leases of the rows this notifier holds, every lease_ms / 3, until it stops.
    void keep_leases();
    void deliver(const domain::Notification& n);
    void deliver_email(const domain::Notification& n);
    void deliver_webhook(const domain::Notification& n);
    void deliver_chat(const domain::Notification& n);  // notifier_chat.cpp
    // When a message to this DingTalk robot may go out without passing its per-minute limit
    // (nullopt = now); with record, counts a message sent now instead.
    std::optional<TimeMs> dingtalk_slot(int64_t channel_id, TimeMs now, bool record);
    // Back to pending until `until`, the attempt not counted.
    void defer(const domain::Notification& n, TimeMs until, const Problem& reason);
    void failed_attempt(const domain::Notification& n, const Problem& error);
    void log(const char* level, const std::string& msg, int64_t id = 0) const;
    bool stopping() const { return stop_.load(); }

    storage::Database& db_;
    const Clock& clock_;
    NotifierOptions opts_;
    std::string owner_;  // lease owner id, unique per Notifier
    std::vector<std::string> channels_;
    Problem email_problem_;  // code empty when email can be sent
    smtp::Mailbox from_;
    std::string message_id_domain_;

    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> wakes_{0};
    std::atomic<uint64_t> idle_passes_{0};
    std::atomic<size_t> holding_{0};  // rows claimed by the workers and not yet done with
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::thread> threads_;
    TimeMs last_housekeeping_ = 0;
    TimeMs last_reminder_scan_ = 0;
    bool reminder_scan_broken_ = false;  // logged once
    std::mutex pace_mu_;
    std::map<int64_t, std::deque<TimeMs>> dingtalk_sends_;  // per channel, the last minute's
};

// Prometheus text: the outbox's rows per status (orderly_notifications{status="..."}), so a
// growing backlog of pending or failed notifications can alert.
std::string notification_metrics(storage::Database& db);

}  // namespace orderly
