#include "app/notifications.h"

#include <algorithm>
#include <thread>

#include "app/version_check.h"
#include "core/codes.h"
#include "domain/notification_json.h"
#include "integrations/crypto.h"
#include "integrations/smtp.h"
#include "integrations/webhook.h"
#include "storage/database.h"
#include "storage/notification_store.h"
#include "storage/workflow_store.h"

namespace orderly::app {

namespace {

domain::WebhookSubscription load_webhook(storage::Connection& c, int64_t id) {
    auto w = storage::find_webhook(c, id);
    if (!w)
        fail(Error::NotFound("no webhook subscription with id " + std::to_string(id))
                 .with(codes::webhook_not_found, {{"id", id}}));
    return *w;
}

std::string checked_url(const std::string& url) {
    std::string why;
    if (!webhook::parse_url(url, &why))
        fail(Error::UnprocessableField("url", why, codes::webhook_url_invalid, {{"reason", why}}));
    return url;
}

void check_workflow(storage::Connection& c, const std::optional<int64_t>& workflow_id) {
    if (workflow_id && !storage::find_workflow(c, *workflow_id))
        fail(Error::UnprocessableField("workflow_id",
                                       "no workflow with id " + std::to_string(*workflow_id),
                                       codes::workflow_unknown, {{"id", *workflow_id}}));
}

std::vector<std::string> checked_events(std::vector<std::string> events) {
    for (const auto& e : events)
        if (!domain::is_notification_event(e))
            fail(Error::UnprocessableField("events", "unknown event \"" + e + "\"",
                                           codes::event_unknown, {{"event", e}}));
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    return events;
}

}  // namespace

std::vector<domain::Notification> Notifications::list(const domain::NotificationFilter& f) const {
    return db_.read([&](storage::Connection& c) { return storage::list_notifications(c, f); });
}

domain::Notification Notifications::get(int64_t id) const {
    auto n = db_.read([&](storage::Connection& c) { return storage::find_notification(c, id); });
    if (!n)
        fail(Error::NotFound("no notification with id " + std::to_string(id))
                 .with(codes::notification_not_found, {{"id", id}}));
    return *n;
}

domain::Notification Notifications::retry(const Caller& who, int64_t id) {
    const TimeMs now = clock_.now_ms();
    auto after = db_.write([&](storage::Connection& c) {
        auto before = storage::find_notification(c, id);
        auto after = unwrap(storage::retry_notification(c, id, now));
        audit(c, who, now, "notification.retry", "notification", std::to_string(id),
              "queued " + after.channel + " notification " + std::to_string(id) + " (" +
                  after.event + ") again",
              domain::notification_json(*before), domain::notification_json(after));
        return after;
    });
    if (notifier_.wake) notifier_.wake();
    return after;
}

domain::Notification Notifications::send_test_email(const Caller& who, const std::string& to) {
    if (!smtp::is_plausible_address(to))
        fail(Error::UnprocessableField("to", "is not a usable email address",
                                       codes::email_address_invalid));
    if (const auto& why = notifier_.email_problem; !why.code.empty())
        fail(Error::Conflict(why.text).with(why.code, why.params));
    const TimeMs now = clock_.now_ms();
    const int64_t id = db_.write([&](storage::Connection& c) {
        int64_t nid = storage::enqueue_test_email(c, base_url_, to, now);
        audit(c, who, now, "notification.test", "notification", std::to_string(nid),
              "sent a test email to " + to);
        return nid;
    });
    if (notifier_.wake) notifier_.wake();
    const auto deadline = std::chrono::steady_clock::now() + notifier_.test_wait;
    std::optional<domain::Notification> n;
    for (;;) {
        n = db_.read([&](storage::Connection& c) { return storage::find_notification(c, id); });
        const bool attempted =
            n && n->status != "sending" && (n->status != "pending" || n->attempts > 0);
        if (attempted || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return *n;
}

std::vector<domain::UserNotice> Notifications::notices(const Caller& who, int64_t before_id,
                                                       int limit) const {
    if (!who.principal) fail(Error::Unauthorized().with(codes::auth_required));
    return db_.read([&](storage::Connection& c) {
        return storage::list_user_notices(c, who.user_id(), before_id, limit);
    });
}

Notifications::InboxPage Notifications::inbox(const Caller& who, int64_t before_id, int limit,
                                              bool unread_only) const {
    if (!who.principal) fail(Error::Unauthorized().with(codes::auth_required));
    return db_.read([&](storage::Connection& c) {
        InboxPage page;
        page.items = storage::list_user_notices(c, who.user_id(), before_id, limit, unread_only);
        page.unread = storage::count_unread_notices(c, who.user_id());
        return page;
    });
}

int64_t Notifications::unread_count(const Caller& who) const {
    if (!who.principal) fail(Error::Unauthorized().with(codes::auth_required));
    return db_.read(
        [&](storage::Connection& c) { return storage::count_unread_notices(c, who.user_id()); });
}

int64_t Notifications::mark_read(const Caller& who, const std::vector<int64_t>& ids, bool all) {
    if (!who.principal) fail(Error::Unauthorized().with(codes::auth_required));
    if (all == !ids.empty())
        fail(Error::Unprocessable("give either \"ids\" or \"all\": true")
                 .with(codes::inbox_read_target));
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        storage::mark_notices_read(c, who.user_id(), all ? std::vector<int64_t>{} : ids, now);
        return storage::count_unread_notices(c, who.user_id());
    });
}

std::vector<domain::WebhookSubscription> Notifications::list_webhooks(
    std::optional<int64_t> workflow_id, int64_t after_id, int limit) const {
    return db_.read([&](storage::Connection& c) {
        return storage::list_webhooks(c, workflow_id, after_id, limit);
    });
}

domain::WebhookSubscription Notifications::get_webhook(int64_t id) const {
    return db_.read([&](storage::Connection& c) { return load_webhook(c, id); });
}

CreatedWebhook Notifications::create_webhook(const Caller& who, NewWebhook in) {
    domain::WebhookSubscription sub;
    sub.url = checked_url(in.url);
    sub.events = checked_events(std::move(in.events));
    sub.workflow_id = in.workflow_id;
    sub.active = in.active;
    const std::string secret = in.secret ? *in.secret : crypto::random_token("whsec_");
    sub.secret_enc = crypto::encrypt(secret_key_, secret);
    const TimeMs now = clock_.now_ms();
    CreatedWebhook out;
    out.subscription = db_.write([&](storage::Connection& c) {
        check_workflow(c, sub.workflow_id);
        int64_t id = storage::insert_webhook(c, sub, now);
        auto created = load_webhook(c, id);
        audit(c, who, now, "webhook.create", "webhook", std::to_string(id),
              "created webhook subscription " + std::to_string(id) + " to " + created.url,
              std::nullopt, domain::webhook_json(created));
        return created;
    });
    if (!in.secret) out.generated_secret = secret;
    return out;
}

domain::WebhookSubscription Notifications::update_webhook(const Caller& who, int64_t id,
                                                          const WebhookChanges& changes,
                                                          std::optional<int64_t> if_match) {
    std::optional<std::string> url, secret_enc;
    if (changes.url) url = checked_url(*changes.url);
    std::optional<std::vector<std::string>> events;
    if (changes.events) events = checked_events(*changes.events);
    if (changes.secret) secret_enc = crypto::encrypt(secret_key_, *changes.secret);
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto sub = load_webhook(c, id);
        check_version(if_match, sub.version, "webhook subscription " + std::to_string(id));
        const auto before_sub = sub;
        auto before = domain::webhook_json(sub);
        if (url) sub.url = *url;
        if (events) sub.events = *events;
        if (changes.clear_workflow)
            sub.workflow_id.reset();
        else if (changes.workflow_id)
            sub.workflow_id = *changes.workflow_id;
        if (changes.active) sub.active = *changes.active;
        if (secret_enc) sub.secret_enc = *secret_enc;
        if (sub.workflow_id != before_sub.workflow_id) check_workflow(c, sub.workflow_id);
        storage::update_webhook(c, sub, now);
        auto after = load_webhook(c, id);
        audit(c, who, now, "webhook.update", "webhook", std::to_string(id),
              "updated webhook subscription " + std::to_string(id) +
                  (secret_enc ? " (new secret)" : ""),
              before, domain::webhook_json(after));
        return after;
    });
}

void Notifications::delete_webhook(const Caller& who, int64_t id, std::optional<int64_t> if_match) {
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto sub = load_webhook(c, id);
        check_version(if_match, sub.version, "webhook subscription " + std::to_string(id));
        storage::delete_webhook(c, id);
        audit(c, who, now, "webhook.delete", "webhook", std::to_string(id),
              "deleted webhook subscription " + std::to_string(id), domain::webhook_json(sub));
    });
}

}  // namespace orderly::app
