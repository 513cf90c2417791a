#include "storage/notification_store.h"

// Webhook subscriptions and the events each one asks for.
namespace orderly::storage {

namespace {

std::vector<std::string> webhook_events_of(Connection& c, int64_t id) {
    auto s = c.prepare("SELECT event FROM webhook_events WHERE webhook_id = ?1 ORDER BY event");
    s.bind(1, id);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

void set_webhook_events(Connection& c, int64_t id, const std::vector<std::string>& events) {
    auto d = c.prepare("DELETE FROM webhook_events WHERE webhook_id = ?1");
    d.bind(1, id);
    d.exec();
    for (const auto& e : events) {
        auto s = c.prepare(
            "INSERT INTO webhook_events (webhook_id, event) VALUES (?1, ?2) "
            "ON CONFLICT DO NOTHING");
        s.bind(1, id).bind(2, e);
        s.exec();
    }
}

constexpr const char* kWebhookCols =
    "id, url, workflow_id, active, secret_enc, created_at, updated_at, version";

domain::WebhookSubscription read_webhook(Stmt& s) {
    domain::WebhookSubscription w;
    w.id = s.int64(0);
    w.url = s.text(1);
    w.workflow_id = s.opt_int64(2);
    w.active = s.integer(3) != 0;
    w.secret_enc = s.blob(4);
    w.created_at = s.int64(5);
    w.updated_at = s.int64(6);
    w.version = s.int64(7);
    return w;
}

}  // namespace

std::vector<domain::WebhookSubscription> list_webhooks(Connection& c,
                                                       std::optional<int64_t> workflow_id,
                                                       int64_t after_id, int limit) {
    auto s = c.prepare(
        std::string("SELECT ") + kWebhookCols +
        " FROM webhooks WHERE (CAST(?1 AS BIGINT) IS NULL OR workflow_id = ?1) AND id > ?2 "
        "ORDER BY id LIMIT ?3");
    s.bind(1, workflow_id).bind(2, after_id).bind(3, limit);
    std::vector<domain::WebhookSubscription> out;
    while (s.step()) out.push_back(read_webhook(s));
    for (auto& w : out) w.events = webhook_events_of(c, w.id);
    return out;
}

std::optional<domain::WebhookSubscription> find_webhook(Connection& c, int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + kWebhookCols + " FROM webhooks WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    auto w = read_webhook(s);
    w.events = webhook_events_of(c, id);
    return w;
}

int64_t insert_webhook(Connection& c, const domain::WebhookSubscription& w, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO webhooks (url, workflow_id, active, secret_enc, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id");
    s.bind(1, w.url).bind(2, w.workflow_id).bind(3, w.active);
    s.bind_blob(4, w.secret_enc.data(), w.secret_enc.size()).bind(5, now);
    const int64_t id = inserted_id(std::move(s));
    set_webhook_events(c, id, w.events);
    return id;
}

void update_webhook(Connection& c, const domain::WebhookSubscription& w, TimeMs now) {
    auto s = c.prepare(
        "UPDATE webhooks SET url = ?2, workflow_id = ?3, active = ?4, secret_enc = ?5, "
        "updated_at = ?6, version = version + 1 WHERE id = ?1");
    s.bind(1, w.id).bind(2, w.url).bind(3, w.workflow_id).bind(4, w.active);
    s.bind_blob(5, w.secret_enc.data(), w.secret_enc.size()).bind(6, now);
    s.exec();
    set_webhook_events(c, w.id, w.events);
}

void delete_webhook(Connection& c, int64_t id) {
    auto s = c.prepare("DELETE FROM webhooks WHERE id = ?1");
    s.bind(1, id);
    s.exec();
}
}  // namespace orderly::storage
