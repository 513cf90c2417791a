// The config center (配置中心): per-environment keys and values, every change a revision.
// Secret values are encrypted at rest and appear in clear only in GET /config/{env}/{key}
// (config.read) and to executions; lists, revisions, diffs and audit events mask them.
#include "core/codes.h"
#include "domain/catalog.h"
#include "domain/catalog_json.h"
#include "http/app.h"
#include "http/render.h"

namespace orderly::http {

namespace {

using domain::kMasked;

std::optional<std::string> shown(const std::optional<std::string>& value, bool secret) {
    if (!value) return std::nullopt;
    return secret ? std::string(kMasked) : *value;
}

void write_revision(json::Writer& w, const domain::ConfigRevision& r,
                    const std::optional<domain::ConfigRevision>& previous) {
    w.start_object()
        .kv("revision", r.revision)
        .kv("action", r.action)
        .kv("value", shown(r.value, r.secret))
        .kv("secret", r.secret)
        .kv("description", r.description);
    w.key("old_value");
    w.opt_str(previous ? shown(previous->value, previous->secret) : std::nullopt);
    w.kv("value_changed", !previous || previous->value != r.value);
    w.key("rollback_of");
    if (r.rollback_of)
        w.num(*r.rollback_of);
    else
        w.null();
    w.kv("actor", r.actor);
    w.key("at").time(r.at);
    w.end_object();
}

void write_revision_side(json::Writer& w, const domain::ConfigRevision& r) {
    w.start_object()
        .kv("revision", r.revision)
        .kv("action", r.action)
        .kv("value", shown(r.value, r.secret))
        .kv("secret", r.secret)
        .kv("description", r.description)
        .kv("actor", r.actor);
    w.key("at").time(r.at);
    w.end_object();
}

int64_t revision_param(const Request& req, const char* name) {
    auto v = req.query_int(name, 1, INT64_MAX);
    if (!v) fail(Error::Field(name, "is required (a revision number)", codes::field_required));
    return *v;
}

Response list_entries(App& app, Request& req) {
    auto entries = app.config_center.list(req.str_param("env"));
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& e : entries) domain::write_config_entry(w, e, false);
    w.end_array().key("next_cursor").null().end_object();
    return Response::ok(w.take());
}

// For scripts with an API token holding config.read: the clear value.
Response get_entry(App& app, Request& req) {
    auto e = app.config_center.get(req.str_param("env"), req.str_param("key"));
    return Response::ok(domain::config_entry_json(e, true))
        .header("ETag", etag(e.version))
        .header("Cache-Control", "no-store");
}

Response put_entry(App& app, Request& req) {
    app::ConfigPut in;
    in.env = req.str_param("env");
    in.key = req.str_param("key");
    in.value = *json::get_string(req.json, "value");
    in.secret = json::get_bool(req.json, "secret");
    in.description = json::get_string(req.json, "description");
    in.if_match = req.header("if-match");
    auto result = app.config_center.put(caller(req), in);
    auto body = domain::config_entry_json(result.entry, false);
    return result.created ? Response::created(std::move(body)) : Response::ok(std::move(body));
}

Response delete_entry(App& app, Request& req) {
    app.config_center.remove(caller(req), req.str_param("env"), req.str_param("key"),
                             req.header("if-match"));
    return Response::no_content();
}

Response list_revisions(App& app, Request& req) {
    const auto& env = req.str_param("env");
    const auto& key = req.str_param("key");
    const int limit = req.limit();
    const int64_t before = decode_cursor(req.query_str("cursor"));
    // One more than the page: it tells whether there is a next page and what the last revision
    // of this page changed from.
    auto revs = app.config_center.revisions(env, key, before, limit + 1);
    return Response::ok(page_json(
        revs, limit,
        [&](json::Writer& w, const domain::ConfigRevision& r) {
            const size_t i = static_cast<size_t>(&r - revs.data());
            std::optional<domain::ConfigRevision> prev;
            if (i + 1 < revs.size()) prev = revs[i + 1];
            write_revision(w, r, prev);
        },
        [](const domain::ConfigRevision& r) { return r.revision; },
        [&](json::Writer& w) { w.kv("env", env).kv("key", key); }));
}

void write_changes(json::Writer& w, const domain::ConfigRevision& from,
                   const domain::ConfigRevision& to, bool secret) {
    w.key("changes").start_array();
    if (from.value != to.value)
        w.start_object()
            .kv("field", "value")
            .kv("from", shown(from.value, secret))
            .kv("to", shown(to.value, secret))
            .end_object();
    if (from.secret != to.secret)
        w.start_object()
            .kv("field", "secret")
            .key("from")
            .boolean(from.secret)
            .key("to")
            .boolean(to.secret)
            .end_object();
    if (from.description != to.description)
        w.start_object()
            .kv("field", "description")
            .kv("from", from.description)
            .kv("to", to.description)
            .end_object();
    w.end_array();
}

Response diff_revisions(App& app, Request& req) {
    const auto& env = req.str_param("env");
    const auto& key = req.str_param("key");
    const int64_t from_rev = revision_param(req, "from");
    const int64_t to_rev = revision_param(req, "to");
    auto [from, to] = app.config_center.revision_pair(env, key, from_rev, to_rev);
    const bool secret = from.secret || to.secret;
    json::Writer w;
    w.start_object().kv("env", env).kv("key", key);
    w.key("from");
    write_revision_side(w, from);
    w.key("to");
    write_revision_side(w, to);
    write_changes(w, from, to, secret);
    // A line diff of the values; never of a secret (it would show the value).
    w.key("lines").start_array();
    if (!secret)
        for (const auto& l : domain::line_diff(from.value.value_or(""), to.value.value_or("")))
            w.start_object().kv("op", std::string(1, l.op)).kv("text", l.text).end_object();
    w.end_array().end_object();
    return Response::ok(w.take());
}

Response rollback_entry(App& app, Request& req) {
    auto after =
        app.config_center.rollback(caller(req), req.str_param("env"), req.str_param("key"),
                                   *json::get_int(req.json, "revision"), req.header("if-match"));
    return Response::ok(domain::config_entry_json(after, false));
}

}  // namespace

void register_config_routes(App& app, Server& s) {
    const std::string entry = "/api/v1/config/{env}/{key}";
    s.route("GET", "/api/v1/config/{env}", [&app](Request& r) { return list_entries(app, r); });
    s.route("GET", entry, [&app](Request& r) { return get_entry(app, r); });
    s.route("PUT", entry, [&app](Request& r) { return put_entry(app, r); });
    s.route("DELETE", entry, [&app](Request& r) { return delete_entry(app, r); });
    s.route("GET", entry + "/revisions", [&app](Request& r) { return list_revisions(app, r); });
    s.route("GET", entry + "/diff", [&app](Request& r) { return diff_revisions(app, r); });
    s.route("POST", entry + "/rollback", [&app](Request& r) { return rollback_entry(app, r); });
}

}  // namespace orderly::http
