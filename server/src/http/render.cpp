#include "http/render.h"

#include "domain/notification_json.h"

namespace orderly::http {

void write_user_fields(json::Writer& w, const domain::User& u) {
    w.kv("id", u.id)
        .kv("username", u.username)
        .kv("display_name", u.display_name)
        .kv("email", u.email)
        .kv("roles", u.roles)
        .kv("disabled", u.disabled)
        .kv("locale", u.locale)
        .kv("timezone", u.timezone);
    w.key("chat_ids").start_object();
    for (const auto& [platform, id] : u.chat_ids) w.kv(platform, id);
    w.end_object();
    w.key("created_at").time(u.created_at);
    w.key("updated_at").time(u.updated_at);
    w.kv("version", u.version);
}

void write_user(json::Writer& w, const domain::User& u) {
    w.start_object();
    write_user_fields(w, u);
    w.end_object();
}

void write_role(json::Writer& w, const domain::Role& r) {
    w.start_object()
        .kv("key", r.key)
        .kv("name", r.name)
        .kv("permissions", r.permissions)
        .kv("builtin", r.builtin)
        .kv("version", r.version)
        .end_object();
}

void write_api_token(json::Writer& w, const domain::ApiToken& t, const std::string* secret) {
    w.start_object().kv("id", t.id).kv("name", t.name).kv("prefix", t.prefix);
    w.key("created_at").time(t.created_at);
    w.key("expires_at").opt_time(t.expires_at);
    w.key("last_used_at").opt_time(t.last_used_at);
    if (secret) w.kv("token", *secret);
    w.end_object();
}

void write_audit_event(json::Writer& w, const domain::AuditEvent& e) {
    w.start_object().kv("id", e.id);
    w.key("at").time(e.at);
    w.kv("actor", e.actor)
        .kv("actor_name", e.actor_name)
        .kv("action", e.action)
        .kv("object_type", e.object_type)
        .kv("object_id", e.object_id)
        .kv("summary", e.summary);
    // The summary is English; the action code and these values let a client write its own.
    w.kv("summary_code", e.action);
    w.key("summary_params")
        .start_object()
        .kv("object_type", e.object_type)
        .kv("object_id", e.object_id)
        .kv("actor", e.actor.value_or(""))
        .end_object();
    w.key("before");
    if (e.before_json)
        w.raw(*e.before_json);
    else
        w.null();
    w.key("after");
    if (e.after_json)
        w.raw(*e.after_json);
    else
        w.null();
    w.kv("address", e.address).kv("request_id", e.request_id).end_object();
}

void write_stored_problem(json::Writer& w, const std::string& name,
                          const std::optional<std::string>& text, const std::string& code,
                          const std::string& params_json) {
    domain::write_stored_problem(w, name, text, code, params_json);
}

}  // namespace orderly::http
