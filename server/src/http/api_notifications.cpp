// Notification deliveries (the outbox), an admin's retry and test email, and webhook
// subscriptions. Everything here needs notification.manage.
#include <thread>

#include "core/codes.h"
#include "domain/notification.h"
#include "http/app.h"
#include "http/render.h"
#include "integrations/crypto.h"
#include "integrations/smtp.h"
#include "integrations/webhook.h"
#include "storage/notification_store.h"
#include "storage/workflow_store.h"

namespace orderly::http {

namespace {

void write_notification(json::Writer& w, const domain::Notification& n) {
    w.start_object()
        .kv("id", n.id)
        .kv("event", n.event)
        .kv("channel", n.channel)
        .kv("recipient", n.recipient);
    w.key("user_id");
    n.user_id ? w.num(*n.user_id) : w.null();
    w.key("webhook_id");
    n.webhook_id ? w.num(*n.webhook_id) : w.null();
    w.key("ticket_id");
    n.ticket_id ? w.num(*n.ticket_id) : w.null();
    w.kv("delivery_id", n.delivery_id)
        .kv("subject", n.subject)
        .kv("status", n.status)
        .kv("attempts", n.attempts);
    w.key("next_attempt_at").opt_time(n.next_attempt_at);
    write_stored_problem(w, "last_error", n.last_error, n.last_error_code, n.last_error_params);
    write_stored_problem(w, "skip_reason", n.skip_reason, n.skip_reason_code, n.skip_reason_params);
    w.key("created_at").time(n.created_at);
    w.key("updated_at").time(n.updated_at);
    w.key("sent_at").opt_time(n.sent_at);
    w.end_object();
}

std::string notification_json(const domain::Notification& n) {
    json::Writer w;
    write_notification(w, n);
    return w.take();
}

// The secret is write-only: it is shown once, by the create call, when Orderly generated it.
void write_webhook(json::Writer& w, const domain::WebhookSubscription& s,
                   const std::string* new_secret = nullptr) {
    w.start_object().kv("id", s.id).kv("url", s.url).kv("events", s.events);
    w.key("workflow_id");
    s.workflow_id ? w.num(*s.workflow_id) : w.null();
    w.kv("active", s.active);
    if (new_secret) w.kv("secret", *new_secret);
    w.key("created_at").time(s.created_at);
    w.key("updated_at").time(s.updated_at);
    w.kv("version", s.version).end_object();
}

std::string webhook_json(const domain::WebhookSubscription& s) {
    json::Writer w;
    write_webhook(w, s);
    return w.take();
}

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

std::optional<std::string> optional_filter(const Request& req, const char* name,
                                           std::initializer_list<std::string_view> allowed) {
    auto v = req.query_str(name);
    if (!v) return v;
    for (auto a : allowed)
        if (*v == a) return v;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(Error::Field(name, "must be one of " + list, codes::field_enum, {{"allowed", list}}));
}

}  // namespace

void register_notification_routes(App& app, Server& s, NotifierHandle notifier) {
    auto handle = std::make_shared<const NotifierHandle>(std::move(notifier));
    // ---- deliveries
    s.route("GET", "/api/v1/notifications", [&app](Request& req) {
        storage::NotificationFilter f;
        f.status =
            optional_filter(req, "status", {"pending", "sending", "sent", "failed", "skipped"});
        f.channel = optional_filter(req, "channel", {"email", "webhook"});
        f.event = req.query_str("event");
        f.ticket_id = req.query_int("ticket_id", 1, INT64_MAX);
        f.before_id = decode_cursor(req.query_str("cursor"));
        int limit = req.limit();
        f.limit = limit + 1;
        auto body = app.db.read([&](storage::Connection& c) {
            auto rows = storage::list_notifications(c, f);
            return page_json(rows, limit, write_notification,
                             [](const domain::Notification& n) { return n.id; });
        });
        return Response::ok(std::move(body));
    });

    // ---- in-app notices of the caller
    s.route("GET", "/api/v1/me/notices", [&app](Request& req) {
        const int64_t before = decode_cursor(req.query_str("cursor"));
        const int limit = req.limit();
        auto body = app.db.read([&](storage::Connection& c) {
            auto rows = storage::list_user_notices(c, req.user().user_id, before, limit + 1);
            json::Writer w;
            w.start_object().key("items").start_array();
            for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
                const auto& n = rows[i];
                w.start_object()
                    .kv("id", n.id)
                    .kv("event", n.event)
                    .kv("ticket_id", n.ticket_id)
                    .kv("ticket_sn", n.ticket_sn)
                    .kv("title", n.title)
                    .kv("node_name", n.node_name)
                    .kv("actor", n.actor)
                    .kv("reason", n.reason);
                w.key("created_at").time(n.created_at);
                w.end_object();
            }
            w.end_array().key("next_cursor");
            if (rows.size() > static_cast<size_t>(limit))
                w.str(encode_cursor(rows[limit - 1].id));
            else
                w.null();
            w.end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("GET", "/api/v1/notifications/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        auto n =
            app.db.read([&](storage::Connection& c) { return storage::find_notification(c, id); });
        if (!n)
            fail(Error::NotFound("no notification with id " + std::to_string(id))
                     .with(codes::notification_not_found, {{"id", id}}));
        return Response::ok(notification_json(*n));
    });

    s.route("POST", "/api/v1/notifications/{id}/retry", [&app, handle](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto before = storage::find_notification(c, id);
            auto after = unwrap(storage::retry_notification(c, id, now));
            audit(c, req, now, "notification.retry", "notification", std::to_string(id),
                  "queued " + after.channel + " notification " + std::to_string(id) + " (" +
                      after.event + ") again",
                  notification_json(*before), notification_json(after));
            return notification_json(after);
        });
        if (handle->wake) handle->wake();
        return Response::ok(std::move(body));
    });

    // A test email goes through the outbox like any other; the call waits a little for the
    // first attempt so the admin sees at once whether SMTP works (status and last_error).
    s.route(
        "POST", "/api/v1/notifications/test",
        [&app, handle](Request& req) {
            const std::string to = *json::get_string(req.json, "to");
            if (!smtp::is_plausible_address(to))
                fail(Error::UnprocessableField("to", "is not a usable email address",
                                               codes::email_address_invalid));
            if (const auto& why = handle->email_problem; !why.code.empty())
                fail(Error::Conflict(why.text).with(why.code, why.params));
            TimeMs now = app.clock.now_ms();
            int64_t id = app.db.write([&](storage::Connection& c) {
                int64_t nid = storage::enqueue_test_email(c, app.config.base_url, to, now);
                audit(c, req, now, "notification.test", "notification", std::to_string(nid),
                      "sent a test email to " + to);
                return nid;
            });
            if (handle->wake) handle->wake();
            const auto deadline = std::chrono::steady_clock::now() + handle->test_wait;
            std::optional<domain::Notification> n;
            for (;;) {
                n = app.db.read(
                    [&](storage::Connection& c) { return storage::find_notification(c, id); });
                const bool attempted =
                    n && n->status != "sending" && (n->status != "pending" || n->attempts > 0);
                if (attempted || std::chrono::steady_clock::now() >= deadline) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            return Response::ok(notification_json(*n));
        },
        /*blocking=*/true);

    // ---- webhook subscriptions
    s.route("GET", "/api/v1/webhooks", [&app](Request& req) {
        auto workflow_id = req.query_int("workflow_id", 1, INT64_MAX);
        int64_t after = decode_cursor(req.query_str("cursor"));
        int limit = req.limit();
        auto body = app.db.read([&](storage::Connection& c) {
            auto rows = storage::list_webhooks(c, workflow_id, after, limit + 1);
            return page_json(
                rows, limit,
                [](json::Writer& w, const domain::WebhookSubscription& x) { write_webhook(w, x); },
                [](const domain::WebhookSubscription& x) { return x.id; });
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/webhooks", [&app](Request& req) {
        domain::WebhookSubscription sub;
        sub.url = checked_url(*json::get_string(req.json, "url"));
        sub.events = checked_events(
            json::get_strings(req.json, "events").value_or(std::vector<std::string>{}));
        sub.workflow_id = json::get_int(req.json, "workflow_id");
        sub.active = json::get_bool(req.json, "active").value_or(true);
        auto given = json::get_string(req.json, "secret");
        const std::string secret = given ? *given : crypto::random_token("whsec_");
        sub.secret_enc = crypto::encrypt(app.secret_key, secret);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            check_workflow(c, sub.workflow_id);
            int64_t id = storage::insert_webhook(c, sub, now);
            auto created = load_webhook(c, id);
            audit(c, req, now, "webhook.create", "webhook", std::to_string(id),
                  "created webhook subscription " + std::to_string(id) + " to " + created.url,
                  std::nullopt, webhook_json(created));
            json::Writer w;
            write_webhook(w, created, given ? nullptr : &secret);
            return w.take();
        });
        return Response::created(std::move(body));
    });

    s.route("GET", "/api/v1/webhooks/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        auto sub = app.db.read([&](storage::Connection& c) { return load_webhook(c, id); });
        return Response::ok(webhook_json(sub)).header("ETag", etag(sub.version));
    });

    s.route("PATCH", "/api/v1/webhooks/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        std::optional<std::string> url, secret_enc;
        if (auto v = json::get_string(req.json, "url")) url = checked_url(*v);
        std::optional<std::vector<std::string>> events;
        if (auto v = json::get_strings(req.json, "events")) events = checked_events(*v);
        if (auto v = json::get_string(req.json, "secret"))
            secret_enc = crypto::encrypt(app.secret_key, *v);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto sub = load_webhook(c, id);
            check_version(req, sub.version, "webhook subscription " + std::to_string(id));
            const auto before_sub = sub;
            auto before = webhook_json(sub);
            if (url) sub.url = *url;
            if (events) sub.events = *events;
            if (json::is_null_member(req.json, "workflow_id"))
                sub.workflow_id.reset();
            else if (auto v = json::get_int(req.json, "workflow_id"))
                sub.workflow_id = *v;
            if (auto v = json::get_bool(req.json, "active")) sub.active = *v;
            if (secret_enc) sub.secret_enc = *secret_enc;
            if (sub.workflow_id != before_sub.workflow_id) check_workflow(c, sub.workflow_id);
            storage::update_webhook(c, sub, now);
            auto after = load_webhook(c, id);
            audit(c, req, now, "webhook.update", "webhook", std::to_string(id),
                  "updated webhook subscription " + std::to_string(id) +
                      (secret_enc ? " (new secret)" : ""),
                  before, webhook_json(after));
            return webhook_json(after);
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/webhooks/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto sub = load_webhook(c, id);
            check_version(req, sub.version, "webhook subscription " + std::to_string(id));
            storage::delete_webhook(c, id);
            audit(c, req, now, "webhook.delete", "webhook", std::to_string(id),
                  "deleted webhook subscription " + std::to_string(id), webhook_json(sub));
        });
        return Response::no_content();
    });
}

}  // namespace orderly::http
