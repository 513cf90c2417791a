#include "domain/notification_json.h"

namespace orderly::domain {

void write_notification_json(json::Writer& w, const Notification& n, bool with_content) {
    w.start_object()
        .kv("id", n.id)
        .kv("event", n.event)
        .kv("channel", n.channel)
        .kv("recipient", n.recipient);
    w.key("user_id");
    n.user_id ? w.num(*n.user_id) : w.null();
    w.key("webhook_id");
    n.webhook_id ? w.num(*n.webhook_id) : w.null();
    w.key("chat_channel_id");
    n.chat_channel_id ? w.num(*n.chat_channel_id) : w.null();
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
    if (with_content)
        w.kv("body_text", n.body_text).kv("body_html", n.body_html).kv("payload", n.payload);
    w.end_object();
}

std::string notification_json(const Notification& n, bool with_content) {
    json::Writer w;
    write_notification_json(w, n, with_content);
    return w.take();
}

void write_webhook_json(json::Writer& w, const WebhookSubscription& s,
                        const std::string* new_secret) {
    w.start_object().kv("id", s.id).kv("url", s.url).kv("events", s.events);
    w.key("workflow_id");
    s.workflow_id ? w.num(*s.workflow_id) : w.null();
    w.kv("active", s.active);
    if (new_secret) w.kv("secret", *new_secret);
    w.key("created_at").time(s.created_at);
    w.key("updated_at").time(s.updated_at);
    w.kv("version", s.version).end_object();
}

void write_chat_channel_json(json::Writer& w, const ChatChannel& c) {
    w.start_object()
        .kv("id", c.id)
        .kv("name", c.name)
        .kv("kind", to_string(c.kind))
        .kv("url", c.url)
        .kv("has_secret", c.secret_enc.has_value())
        .kv("language", c.language)
        .kv("timezone", c.timezone);
    w.key("created_at").time(c.created_at);
    w.key("updated_at").time(c.updated_at);
    w.kv("version", c.version).end_object();
}

std::string chat_channel_json(const ChatChannel& c) {
    json::Writer w;
    write_chat_channel_json(w, c);
    return w.take();
}

std::string webhook_json(const WebhookSubscription& s) {
    json::Writer w;
    write_webhook_json(w, s);
    return w.take();
}

void write_stored_problem(json::Writer& w, const std::string& name,
                          const std::optional<std::string>& text, const std::string& code,
                          const std::string& params_json) {
    w.key(name).opt_str(text);
    w.key(name + "_code");
    if (text && !code.empty())
        w.str(code);
    else
        w.null();
    w.key(name + "_params").raw(text && !code.empty() ? params_json : "{}");
}

}  // namespace orderly::domain
