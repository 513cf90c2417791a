#include "domain/accounts_json.h"

namespace orderly::domain {

void write_business(json::Writer& w, const Business& b) {
    w.start_object().kv("key", b.key).kv("name", b.name).kv("description", b.description);
    w.key("members").start_object();
    for (const auto& [role, names] : b.members) w.kv(role, names);
    w.end_object();
    w.kv("version", b.version);
    w.key("created_at").time(b.created_at);
    w.key("updated_at").time(b.updated_at);
    w.end_object();
}

std::string user_json(const User& u) {
    json::Writer w;
    w.start_object()
        .kv("username", u.username)
        .kv("display_name", u.display_name)
        .kv("email", u.email)
        .kv("roles", u.roles)
        .kv("disabled", u.disabled)
        .kv("locale", u.locale)
        .kv("timezone", u.timezone);
    w.key("chat_ids").start_object();
    for (const auto& [platform, id] : u.chat_ids) w.kv(platform, id);
    w.end_object().end_object();
    return w.take();
}

std::string role_json(const Role& r) {
    json::Writer w;
    w.start_object()
        .kv("key", r.key)
        .kv("name", r.name)
        .kv("permissions", r.permissions)
        .end_object();
    return w.take();
}

std::string business_json(const Business& b) {
    json::Writer w;
    write_business(w, b);
    return w.take();
}

}  // namespace orderly::domain
