#include "app/notifier.h"

#include "app/ticket_engine.h"
#include "app/time_zones.h"

#include <cstdio>
#include <random>

#include "core/codes.h"
#include "core/json.h"
#include "integrations/crypto.h"
#include "storage/notification_store.h"
#include "storage/ticket_store.h"

namespace orderly {

namespace {
std::mutex g_log_mu;

double jitter() {
    thread_local std::mt19937 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}
}  // namespace

Notifier::Notifier(storage::Database& db, const Clock& clock, NotifierOptions opts)
    : db_(db), clock_(clock), opts_(std::move(opts)) {
    owner_ = "notifier-" + crypto::random_hex(8);
    if (opts_.workers < 1) opts_.workers = 1;
    if (opts_.batch < 1) opts_.batch = 1;

    std::string why;
    if (opts_.smtp_url.empty()) {
        email_problem_ = {"email is not configured on the server (set ORDERLY_SMTP_URL)",
                          codes::email_not_configured,
                          {}};
    } else if (!smtp::parse_server_url(opts_.smtp_url, &why)) {
        email_problem_ = {
            "ORDERLY_SMTP_URL " + why, codes::email_smtp_url_invalid, {{"reason", why}}};
    } else {
        auto from = smtp::parse_mailbox(opts_.smtp_from.empty() ? "Orderly <orderly@localhost>"
                                                                : opts_.smtp_from);
        if (!from)
            email_problem_ = {
                "ORDERLY_SMTP_FROM is not an address like \"Orderly <orderly@example.com>\"",
                codes::email_smtp_from_invalid,
                {}};
        else
            from_ = *from;
    }
    message_id_domain_ = from_.address.empty() ? "orderly.invalid"
                                               : from_.address.substr(from_.address.rfind('@') + 1);
    if (email_enabled()) channels_.push_back("email");
    channels_.push_back("webhook");
    channels_.push_back("chat");
}

Notifier::~Notifier() {
    stop();
}

void Notifier::start() {
    if (!threads_.empty()) return;
    stop_ = false;
    if (email_enabled())
        log("info",
            "sending email through " + smtp::redact_url(opts_.smtp_url) + " as " + from_.address);
    else
        log("warn", email_problem_.text + "; emails stay queued");
    for (int i = 0; i < opts_.workers; ++i) threads_.emplace_back([this, i] { run(i); });
    threads_.emplace_back([this] { keep_leases(); });
}

void Notifier::keep_leases() {
    const auto every = std::chrono::milliseconds(std::max<TimeMs>(opts_.lease_ms / 3, 1));
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, every, [&] { return stopping(); })) {
        if (holding_.load() == 0) continue;  // an idle server writes nothing
        lock.unlock();
        try {
            db_.write([&](storage::Connection& c) {
                storage::renew_leases(c, owner_, clock_.now_ms(), opts_.lease_ms);
            });
        } catch (const std::exception& e) {
            log("error", std::string("renewing the notification leases failed: ") + e.what());
        }
        lock.lock();
    }
}

void Notifier::stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

void Notifier::wake() {
    {
        std::lock_guard lock(mu_);
        ++wakes_;
    }
    cv_.notify_all();
}

void Notifier::log(const char* level, const std::string& msg, int64_t id) const {
    json::Writer w;
    w.start_object().kv("level", level).kv("component", "notifier").kv("msg", msg);
    if (id) w.kv("notification_id", id);
    w.end_object();
    std::lock_guard lock(g_log_mu);
    std::fprintf(stderr, "%s\n", w.take().c_str());
}

void Notifier::run(int index) {
    while (!stopping()) {
        uint64_t seen_wakes = wakes_.load();
        std::vector<domain::Notification> batch;
        std::optional<TimeMs> next_due;
        try {
            TimeMs now = clock_.now_ms();
            if (index == 0) housekeeping(now);
            batch = db_.write([&](storage::Connection& c) {
                return storage::claim_due(c, owner_, now, opts_.lease_ms, opts_.batch, channels_);
            });
            if (batch.empty())
                next_due = db_.read(
                    [&](storage::Connection& c) { return storage::next_due_at(c, channels_); });
        } catch (const std::exception& e) {
            // The database is busy or failing: back off a poll interval and try again.
            log("error", std::string("claiming notifications failed: ") + e.what());
        }
        if (batch.empty()) {
            idle_passes_.fetch_add(1);
            auto wait = opts_.poll_interval;
            if (next_due) {
                auto until =
                    std::chrono::milliseconds(std::max<TimeMs>(*next_due - clock_.now_ms(), 5));
                wait = std::min(wait, until);
            }
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, wait, [&] { return stopping() || wakes_.load() != seen_wakes; });
            continue;
        }
        holding_ += batch.size();
        size_t i = 0;
        for (; i < batch.size() && !stopping(); ++i) {
            try {
                // Still ours, with a fresh lease? A row whose lease ran out may have gone to
                // another process: sending it here too would send it twice.
                const bool ours = db_.write([&](storage::Connection& c) {
                    return storage::renew_lease(c, batch[i].id, owner_, clock_.now_ms(),
                                                opts_.lease_ms);
                });
                if (!ours) continue;
                deliver(batch[i]);
            } catch (const std::exception& e) {
                // A database error while marking: the lease expires and the row is retried.
                log("error", std::string("delivering failed: ") + e.what(), batch[i].id);
            }
        }
        // Stopping: give back what was claimed but not tried, so it goes out without waiting
        // for the lease.
        for (; i < batch.size(); ++i) {
            try {
                db_.write([&](storage::Connection& c) {
                    storage::release(c, batch[i].id, owner_, clock_.now_ms());
                });
            } catch (const std::exception&) {
            }
        }
        holding_ -= batch.size();
    }
}

void Notifier::housekeeping(TimeMs now) {
    if (now - last_housekeeping_ < std::max<TimeMs>(opts_.poll_interval.count(), 1000)) return;
    last_housekeeping_ = now;
    if (!email_enabled()) {
        int failed = db_.write([&](storage::Connection& c) {
            return storage::note_undeliverable(c, "email", email_problem_, now,
                                               opts_.backoff.give_up_after_ms);
        });
        if (failed > 0)
            log("warn", std::to_string(failed) + " queued emails failed: " + email_problem_.text);
    }
    if (now - last_reminder_scan_ >= opts_.reminder_scan_interval.count()) {
        last_reminder_scan_ = now;
        try {
            // The ticket code knows when each waiting node is due a reminder; the reminders it
            // queues are delivered like every other notification. One write transaction: server
            // processes sharing the database never remind twice.
            const app::TicketEngine tickets(app::notice_settings(opts_.link_base, opts_.timezone));
            db_.write([&](storage::Connection& c) {
                storage::SqlTicketPorts ports(c);
                tickets.send_due_reminders(ports.ports, now);
            });
            reminder_scan_broken_ = false;
        } catch (const std::exception& e) {
            // The ticket tables are not what the scan expects: say so once, keep delivering.
            if (!reminder_scan_broken_)
                log("error", std::string("the reminder scan failed: ") + e.what());
            reminder_scan_broken_ = true;
        }
    }
}

void Notifier::deliver(const domain::Notification& n) {
    if (n.channel == "email")
        deliver_email(n);
    else if (n.channel == "chat")
        deliver_chat(n);
    else
        deliver_webhook(n);
}

void Notifier::deliver_email(const domain::Notification& n) {
    smtp::Settings s;
    s.url = opts_.smtp_url;
    s.connect_timeout_ms = opts_.smtp_connect_timeout_ms;
    s.timeout_ms = opts_.smtp_timeout_ms;
    smtp::Message m;
    m.from = from_;
    m.to = n.recipient;
    m.subject = n.subject;
    m.text = n.body_text;
    m.html = n.body_html;
    m.message_id = n.delivery_id + "@" + message_id_domain_;
    m.date = n.created_at;
    m.extra_headers = {{"X-Orderly-Event", n.event}, {"X-Orderly-Delivery", n.delivery_id}};
    if (n.ticket_id) m.extra_headers.emplace_back("X-Orderly-Ticket", std::to_string(*n.ticket_id));
    auto r = smtp::send(s, m, [this] { return stopping(); });
    if (r.ok) {
        db_.write(
            [&](storage::Connection& c) { storage::mark_sent(c, n.id, owner_, clock_.now_ms()); });
        return;
    }
    if (r.permanent) {
        log("warn", "email refused for good: " + r.error.text, n.id);
        db_.write([&](storage::Connection& c) {
            storage::mark_failed(c, n.id, owner_, clock_.now_ms(), r.error);
        });
        return;
    }
    failed_attempt(n, r.error);
}

void Notifier::deliver_webhook(const domain::Notification& n) {
    auto sub = db_.read([&](storage::Connection& c) -> std::optional<domain::WebhookSubscription> {
        if (!n.webhook_id) return std::nullopt;
        return storage::find_webhook(c, *n.webhook_id);
    });
    if (!sub || !sub->active) {
        const Problem reason =
            !sub ? Problem{"the webhook subscription was deleted", codes::webhook_gone, {}}
                 : Problem{"the webhook subscription is inactive", codes::webhook_inactive, {}};
        db_.write([&](storage::Connection& c) {
            storage::mark_skipped(c, n.id, owner_, clock_.now_ms(), reason);
        });
        return;
    }
    auto secret = crypto::decrypt(opts_.secret_key, sub->secret_enc);
    if (!secret) {
        const Problem err{
            "cannot decrypt the webhook's secret (was the server's secret key replaced?); "
            "set a new secret on the subscription and retry",
            codes::notification_webhook_secret_lost,
            {}};
        log("error", err.text, n.id);
        db_.write([&](storage::Connection& c) {
            storage::mark_failed(c, n.id, owner_, clock_.now_ms(), err);
        });
        return;
    }
    webhook::Delivery d;
    d.url = sub->url;
    d.event = n.event;
    d.delivery_id = n.delivery_id;
    d.body = n.payload;
    d.secret = *secret;
    auto r = webhook::post(d, opts_.webhook_timeouts);
    if (r.ok) {
        db_.write([&](storage::Connection& c) {
            storage::mark_sent(c, n.id, owner_, clock_.now_ms(), sub->url);
        });
        return;
    }
    failed_attempt(n, r.error);
}

void Notifier::failed_attempt(const domain::Notification& n, const Problem& error) {
    TimeMs now = clock_.now_ms();
    if (opts_.backoff.gives_up(n.queued_at, now)) {
        // The code stays the last attempt's: the row's status (failed) and attempts tell the rest.
        Problem msg = error;
        msg.text =
            "gave up after " + std::to_string(n.attempts) + " attempts; last error: " + error.text;
        log("warn", msg.text, n.id);
        db_.write([&](storage::Connection& c) { storage::mark_failed(c, n.id, owner_, now, msg); });
        return;
    }
    TimeMs next = now + opts_.backoff.delay_after(n.attempts, jitter());
    db_.write(
        [&](storage::Connection& c) { storage::mark_retry(c, n.id, owner_, now, next, error); });
}

std::string notification_metrics(storage::Database& db) {
    auto counts =
        db.read([](storage::Connection& c) { return storage::count_notifications_by_status(c); });
    std::string out =
        "# HELP orderly_notifications Notifications (emails, webhook deliveries) by status.\n"
        "# TYPE orderly_notifications gauge\n";
    for (auto st : {"pending", "sending", "sent", "failed", "skipped"}) {
        int64_t n = 0;
        for (const auto& [status, count] : counts)
            if (status == st) n = count;
        out +=
            std::string("orderly_notifications{status=\"") + st + "\"} " + std::to_string(n) + "\n";
    }
    return out;
}

}  // namespace orderly
