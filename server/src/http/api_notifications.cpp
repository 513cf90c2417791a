// Notification deliveries (the outbox), an admin's retry and test email, the caller's in-app
// notices, and webhook subscriptions. Everything but the notices needs notification.manage.
// The rules are app::Notifications'.
#include "core/codes.h"
#include "domain/notification_json.h"
#include "http/app.h"
#include "http/render.h"

namespace orderly::http {

namespace {

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

// ---- deliveries

Response list_notifications(App& app, Request& req) {
    domain::NotificationFilter f;
    f.status = optional_filter(req, "status", {"pending", "sending", "sent", "failed", "skipped"});
    f.channel = optional_filter(req, "channel", {"email", "webhook", "chat"});
    f.event = req.query_str("event");
    f.ticket_id = req.query_int("ticket_id", 1, INT64_MAX);
    f.before_id = decode_cursor(req.query_str("cursor"));
    const int limit = req.limit();
    f.limit = limit + 1;
    auto rows = app.notifications.list(f);
    return Response::ok(page_json(
        rows, limit,
        [](json::Writer& w, const domain::Notification& n) {
            domain::write_notification_json(w, n);
        },
        [](const domain::Notification& n) { return n.id; }));
}

Response get_notification(App& app, Request& req) {
    return Response::ok(
        domain::notification_json(app.notifications.get(req.id_param()), /*with_content=*/true));
}

Response retry_notification(App& app, Request& req) {
    auto n = app.notifications.retry(caller(req), req.id_param());
    return Response::ok(domain::notification_json(n));
}

// A test email goes through the outbox like any other; the call waits a little for the first
// attempt so the admin sees at once whether SMTP works (status and last_error).
Response send_test_email(App& app, Request& req) {
    const std::string to = *json::get_string(req.json, "to");
    return Response::ok(
        domain::notification_json(app.notifications.send_test_email(caller(req), to)));
}

// ---- in-app notices of the caller

// with_read: an inbox entry, which says whether its user marked it read.
void write_notice(json::Writer& w, const domain::UserNotice& n, bool with_read = false) {
    w.start_object()
        .kv("id", n.id)
        .kv("event", n.event)
        .kv("ticket_id", n.ticket_id)
        .kv("ticket_sn", n.ticket_sn)
        .kv("title", n.title)
        .kv("node_name", n.node_name)
        .kv("actor", n.actor)
        .kv("reason", n.reason);
    if (with_read) {
        w.kv("read", n.read_at.has_value());
        w.key("environment").opt_str(n.environment);
        w.key("planned_start").opt_time(n.window_start);
        w.key("planned_end").opt_time(n.window_end);
    }
    w.key("created_at").time(n.created_at);
    w.end_object();
}

void write_inbox_item(json::Writer& w, const domain::UserNotice& n) {
    write_notice(w, n, true);
}

Response list_my_notices(App& app, Request& req) {
    const int64_t before = decode_cursor(req.query_str("cursor"));
    const int limit = req.limit();
    auto rows = app.notifications.notices(caller(req), before, limit + 1);
    return Response::ok(page_json(
        rows, limit, [](json::Writer& w, const domain::UserNotice& n) { write_notice(w, n); },
        [](const domain::UserNotice& n) { return n.id; }));
}

Response my_inbox(App& app, Request& req) {
    const int64_t before = decode_cursor(req.query_str("cursor"));
    const int limit = req.limit();
    auto page = app.notifications.inbox(caller(req), before, limit + 1,
                                        req.query_bool("unread").value_or(false));
    return Response::ok(page_json(
        page.items, limit, write_inbox_item, [](const domain::UserNotice& n) { return n.id; },
        [&](json::Writer& w) { w.kv("unread", page.unread); }));
}

std::string unread_json(int64_t unread) {
    json::Writer w(32);
    w.start_object().kv("unread", unread).end_object();
    return w.take();
}

Response my_unread_count(App& app, Request& req) {
    return Response::ok(unread_json(app.notifications.unread_count(caller(req))));
}

// Body {"ids": [...]} or {"all": true} (the schema checks the shapes).
Response mark_my_notices_read(App& app, Request& req) {
    std::vector<int64_t> ids;
    if (auto it = req.json.FindMember("ids"); it != req.json.MemberEnd() && it->value.IsArray())
        for (const auto& v : it->value.GetArray()) ids.push_back(v.GetInt64());
    const bool all = json::get_bool(req.json, "all").value_or(false);
    return Response::ok(unread_json(app.notifications.mark_read(caller(req), ids, all)));
}

// ---- webhook subscriptions

std::string webhook_body(const domain::WebhookSubscription& s,
                         const std::string* new_secret = nullptr) {
    json::Writer w;
    domain::write_webhook_json(w, s, new_secret);
    return w.take();
}

Response list_webhooks(App& app, Request& req) {
    auto workflow_id = req.query_int("workflow_id", 1, INT64_MAX);
    const int64_t after = decode_cursor(req.query_str("cursor"));
    const int limit = req.limit();
    auto rows = app.notifications.list_webhooks(workflow_id, after, limit + 1);
    return Response::ok(page_json(
        rows, limit,
        [](json::Writer& w, const domain::WebhookSubscription& x) {
            domain::write_webhook_json(w, x);
        },
        [](const domain::WebhookSubscription& x) { return x.id; }));
}

Response create_webhook(App& app, Request& req) {
    app::NewWebhook in;
    in.url = *json::get_string(req.json, "url");
    in.events = json::get_strings(req.json, "events").value_or(std::vector<std::string>{});
    in.workflow_id = json::get_int(req.json, "workflow_id");
    in.active = json::get_bool(req.json, "active").value_or(true);
    in.secret = json::get_string(req.json, "secret");
    auto created = app.notifications.create_webhook(caller(req), std::move(in));
    return Response::created(webhook_body(
        created.subscription, created.generated_secret ? &*created.generated_secret : nullptr));
}

Response get_webhook(App& app, Request& req) {
    auto sub = app.notifications.get_webhook(req.id_param());
    return Response::ok(webhook_body(sub)).header("ETag", etag(sub.version));
}

Response update_webhook(App& app, Request& req) {
    const int64_t id = req.id_param();
    app::WebhookChanges ch;
    ch.url = json::get_string(req.json, "url");
    ch.events = json::get_strings(req.json, "events");
    ch.secret = json::get_string(req.json, "secret");
    ch.clear_workflow = json::is_null_member(req.json, "workflow_id");
    ch.workflow_id = json::get_int(req.json, "workflow_id");
    ch.active = json::get_bool(req.json, "active");
    auto after = app.notifications.update_webhook(caller(req), id, ch, req.if_match());
    return Response::ok(webhook_body(after));
}

Response delete_webhook(App& app, Request& req) {
    app.notifications.delete_webhook(caller(req), req.id_param(), req.if_match());
    return Response::no_content();
}

}  // namespace

void register_notification_routes(App& app, Server& s) {
    using Handler = Response (*)(App&, Request&);
    auto on = [&](const char* method, const char* path, Handler h, bool blocking = false) {
        s.route(
            method, path, [&app, h](Request& req) { return h(app, req); }, blocking);
    };
    on("GET", "/api/v1/notifications", list_notifications);
    on("GET", "/api/v1/me/notices", list_my_notices);
    on("GET", "/api/v1/me/inbox", my_inbox);
    on("GET", "/api/v1/me/inbox/count", my_unread_count);
    on("POST", "/api/v1/me/inbox/read", mark_my_notices_read);
    on("GET", "/api/v1/notifications/{id}", get_notification);
    on("POST", "/api/v1/notifications/{id}/retry", retry_notification);
    on("POST", "/api/v1/notifications/test", send_test_email, /*blocking=*/true);
    on("GET", "/api/v1/webhooks", list_webhooks);
    on("POST", "/api/v1/webhooks", create_webhook);
    on("GET", "/api/v1/webhooks/{id}", get_webhook);
    on("PATCH", "/api/v1/webhooks/{id}", update_webhook);
    on("DELETE", "/api/v1/webhooks/{id}", delete_webhook);
}

}  // namespace orderly::http
