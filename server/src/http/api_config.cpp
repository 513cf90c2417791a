// The config center (配置中心): per-environment keys and values, every change a revision.
// Secret values are encrypted at rest and appear in clear only in GET /config/{env}/{key}
// (config.read) and to executions; lists, revisions, diffs and audit events mask them.
#include "core/codes.h"
#include "domain/catalog.h"
#include "http/app.h"
#include "http/render.h"
#include "storage/catalog_store.h"

namespace orderly::http {

namespace {

using domain::kMasked;

std::string object_id(const std::string& env, const std::string& key) {
    return env + "/" + key;
}

void require_environment(storage::Connection& c, const std::string& env) {
    if (!storage::find_category(c, storage::CategoryKind::environment, env))
        fail(Error::NotFound("no environment with key \"" + env + "\"")
                 .with(codes::environment_not_found, {{"key", env}}));
}

void check_key(const std::string& key) {
    if (!domain::valid_config_key(key))
        fail(Error::Field("key",
                          "must be 1 to 128 letters, digits, _ . or -, starting with a letter, "
                          "digit or _",
                          codes::field_pattern));
}

domain::ConfigEntry load_entry(storage::Connection& c, const App& app, const std::string& env,
                               const std::string& key) {
    auto e = storage::find_config(c, app.secret_key, env, key);
    if (!e)
        fail(Error::NotFound("no config key \"" + key + "\" in environment \"" + env + "\"")
                 .with(codes::config_key_not_found, {{"key", key}, {"env", env}}));
    return *e;
}

// clear: show a secret's value (config.read); otherwise it is masked.
void write_entry(json::Writer& w, const domain::ConfigEntry& e, bool clear) {
    w.start_object()
        .kv("env", e.env)
        .kv("key", e.key)
        .kv("value", e.secret && !clear ? std::string(kMasked) : e.value)
        .kv("secret", e.secret)
        .kv("description", e.description)
        .kv("revision", e.revision)
        .kv("version", e.version);
    w.key("created_at").time(e.created_at);
    w.key("updated_at").time(e.updated_at);
    w.kv("updated_by", e.updated_by).end_object();
}

std::string entry_json(const domain::ConfigEntry& e, bool clear) {
    json::Writer w;
    write_entry(w, e, clear);
    return w.take();
}

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

domain::ConfigRevision load_revision(storage::Connection& c, const App& app, const std::string& env,
                                     const std::string& key, int64_t revision) {
    auto r = storage::find_config_revision(c, app.secret_key, env, key, revision);
    if (!r)
        fail(Error::NotFound("config key \"" + object_id(env, key) + "\" has no revision " +
                             std::to_string(revision))
                 .with(codes::config_revision_not_found,
                       {{"key", key}, {"env", env}, {"revision", revision}}));
    return *r;
}

}  // namespace

void register_config_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/config/{env}", [&app](Request& req) {
        const auto& env = req.str_param("env");
        auto body = app.db.read([&](storage::Connection& c) {
            require_environment(c, env);
            json::Writer w;
            w.start_object().key("items").start_array();
            for (const auto& e : storage::list_config(c, app.secret_key, env))
                write_entry(w, e, false);
            w.end_array().key("next_cursor").null().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    // For scripts with an API token holding config.read: the clear value.
    s.route("GET", "/api/v1/config/{env}/{key}", [&app](Request& req) {
        const auto& env = req.str_param("env");
        const auto& key = req.str_param("key");
        auto e = app.db.read([&](storage::Connection& c) {
            require_environment(c, env);
            return load_entry(c, app, env, key);
        });
        return Response::ok(entry_json(e, true))
            .header("ETag", etag(e.version))
            .header("Cache-Control", "no-store");
    });

    s.route("PUT", "/api/v1/config/{env}/{key}", [&app](Request& req) {
        const auto& env = req.str_param("env");
        const auto& key = req.str_param("key");
        check_key(key);
        const std::string value = *json::get_string(req.json, "value");
        if (value.find('\0') != std::string::npos)
            fail(Error::Field("value", "must not contain a NUL character",
                              codes::field_nul_character));
        TimeMs now = app.clock.now_ms();
        bool created = false;
        auto body = app.db.write([&](storage::Connection& c) {
            require_environment(c, env);
            auto existing = storage::find_config(c, app.secret_key, env, key);
            if (existing)
                check_version(req, existing->version, "config key " + object_id(env, key));
            domain::ConfigEntry e;
            e.env = env;
            e.key = key;
            e.value = value;
            e.secret = json::get_bool(req.json, "secret").value_or(existing && existing->secret);
            e.description = json::get_string(req.json, "description")
                                .value_or(existing ? existing->description : std::string());
            // Writing what is already there changes nothing: no revision, no audit event.
            if (existing && existing->value == e.value && existing->secret == e.secret &&
                existing->description == e.description)
                return entry_json(*existing, false);
            created = !existing;
            const auto actor = std::optional<std::string>(req.user().username);
            int64_t rev =
                storage::put_config(c, app.secret_key, e, "set", std::nullopt, actor, now);
            auto after = load_entry(c, app, env, key);
            audit(c, req, now, "config.set", "config", object_id(env, key),
                  "set config " + object_id(env, key) + (after.secret ? " (secret)" : "") +
                      ", revision " + std::to_string(rev),
                  existing ? std::optional(entry_json(*existing, false)) : std::nullopt,
                  entry_json(after, false));
            return entry_json(after, false);
        });
        return created ? Response::created(std::move(body)) : Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/config/{env}/{key}", [&app](Request& req) {
        const auto& env = req.str_param("env");
        const auto& key = req.str_param("key");
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            require_environment(c, env);
            auto e = load_entry(c, app, env, key);
            check_version(req, e.version, "config key " + object_id(env, key));
            int64_t rev = storage::delete_config(c, env, key, req.user().username, now);
            audit(c, req, now, "config.delete", "config", object_id(env, key),
                  "deleted config " + object_id(env, key) + ", revision " + std::to_string(rev),
                  entry_json(e, false));
        });
        return Response::no_content();
    });

    s.route("GET", "/api/v1/config/{env}/{key}/revisions", [&app](Request& req) {
        const auto& env = req.str_param("env");
        const auto& key = req.str_param("key");
        const int limit = req.limit();
        const int64_t before = decode_cursor(req.query_str("cursor"));
        auto body = app.db.read([&](storage::Connection& c) {
            // One more than the page: it tells whether there is a next page and what the last
            // revision of this page changed from.
            auto revs =
                storage::list_config_revisions(c, app.secret_key, env, key, before, limit + 1);
            if (revs.empty() && before == 0)
                fail(Error::NotFound("config key \"" + object_id(env, key) + "\" has no revisions")
                         .with(codes::config_key_not_found, {{"key", key}, {"env", env}}));
            return page_json(
                revs, limit,
                [&](json::Writer& w, const domain::ConfigRevision& r) {
                    const size_t i = static_cast<size_t>(&r - revs.data());
                    std::optional<domain::ConfigRevision> prev;
                    if (i + 1 < revs.size()) prev = revs[i + 1];
                    write_revision(w, r, prev);
                },
                [](const domain::ConfigRevision& r) { return r.revision; },
                [&](json::Writer& w) { w.kv("env", env).kv("key", key); });
        });
        return Response::ok(std::move(body));
    });

    s.route("GET", "/api/v1/config/{env}/{key}/diff", [&app](Request& req) {
        const auto& env = req.str_param("env");
        const auto& key = req.str_param("key");
        const int64_t from_rev = revision_param(req, "from");
        const int64_t to_rev = revision_param(req, "to");
        auto body = app.db.read([&](storage::Connection& c) {
            auto from = load_revision(c, app, env, key, from_rev);
            auto to = load_revision(c, app, env, key, to_rev);
            const bool secret = from.secret || to.secret;
            json::Writer w;
            w.start_object().kv("env", env).kv("key", key);
            w.key("from");
            write_revision_side(w, from);
            w.key("to");
            write_revision_side(w, to);
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
            // A line diff of the values; never of a secret (it would show the value).
            w.key("lines").start_array();
            if (!secret)
                for (const auto& l :
                     domain::line_diff(from.value.value_or(""), to.value.value_or("")))
                    w.start_object().kv("op", std::string(1, l.op)).kv("text", l.text).end_object();
            w.end_array().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/config/{env}/{key}/rollback", [&app](Request& req) {
        const auto& env = req.str_param("env");
        const auto& key = req.str_param("key");
        const int64_t revision = *json::get_int(req.json, "revision");
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            require_environment(c, env);
            auto target = load_revision(c, app, env, key, revision);
            if (!target.value)
                fail(Error::UnprocessableField(
                    "revision",
                    "revision " + std::to_string(revision) +
                        " deleted the key; there is no value to go back to (DELETE "
                        "the key instead)",
                    codes::config_revision_is_delete, {{"revision", revision}}));
            auto existing = storage::find_config(c, app.secret_key, env, key);
            if (existing)
                check_version(req, existing->version, "config key " + object_id(env, key));
            domain::ConfigEntry e;
            e.env = env;
            e.key = key;
            e.value = *target.value;
            e.secret = target.secret;
            e.description = target.description;
            int64_t rev = storage::put_config(c, app.secret_key, e, "rollback", revision,
                                              req.user().username, now);
            auto after = load_entry(c, app, env, key);
            audit(c, req, now, "config.rollback", "config", object_id(env, key),
                  "rolled config " + object_id(env, key) + " back to revision " +
                      std::to_string(revision) + " (new revision " + std::to_string(rev) + ")",
                  existing ? std::optional(entry_json(*existing, false)) : std::nullopt,
                  entry_json(after, false));
            return entry_json(after, false);
        });
        return Response::ok(std::move(body));
    });
}

}  // namespace orderly::http
