// Environments, purposes and task templates (the rules of template snapshots are in
// app/template_snapshots.h).
#include "http/app.h"
#include "http/render.h"
#include "http/run_preview.h"

#include <algorithm>
#include <map>

#include "app/option_json.h"
#include "app/template_snapshots.h"
#include "core/codes.h"
#include "domain/command.h"
#include "storage/accounts_store.h"
#include "storage/catalog_store.h"

namespace orderly::http {

using app::load_template;
using app::load_variables;
using app::lookup_in;
using app::options_from_json;
using app::VariableMap;
using app::write_options;
using storage::CategoryKind;

namespace {

// ---- environments and purposes

const char* noun(CategoryKind k) {
    return k == CategoryKind::environment ? "environment" : "purpose";
}

void write_category(json::Writer& w, const domain::Category& c, CategoryKind kind) {
    w.start_object()
        .kv("key", c.key)
        .kv("name", c.name)
        .kv("description", c.description)
        .kv("sort_order", c.sort_order);
    if (kind == CategoryKind::environment) w.kv("protected", c.protected_env);
    w.kv("version", c.version);
    w.key("created_at").time(c.created_at);
    w.key("updated_at").time(c.updated_at);
    w.end_object();
}

std::string category_json(const domain::Category& c, CategoryKind kind) {
    json::Writer w;
    write_category(w, c, kind);
    return w.take();
}

domain::Category load_category(storage::Connection& c, CategoryKind kind, const std::string& key) {
    auto cat = storage::find_category(c, kind, key);
    if (!cat)
        fail(Error::NotFound(std::string("no ") + noun(kind) + " with key \"" + key + "\"")
                 .with(kind == CategoryKind::environment ? codes::environment_not_found
                                                         : codes::purpose_not_found,
                       {{"key", key}}));
    return *cat;
}

std::string refs_text(const std::vector<storage::TemplateRef>& refs) {
    std::string out;
    for (size_t i = 0; i < refs.size() && i < 20; ++i)
        out +=
            (i ? ", " : "") + ("\"" + refs[i].name + "\" (id " + std::to_string(refs[i].id) + ")");
    if (refs.size() > 20) out += " and " + std::to_string(refs.size() - 20) + " more";
    return out;
}

void register_category_routes(App& app, Server& s, CategoryKind kind, const std::string& base) {
    const std::string what = noun(kind);
    s.route("GET", base, [&app, kind](Request&) {
        auto body = app.db.read([&](storage::Connection& c) {
            json::Writer w;
            w.start_object().key("items").start_array();
            for (const auto& cat : storage::list_categories(c, kind)) write_category(w, cat, kind);
            w.end_array().key("next_cursor").null().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", base, [&app, kind, what](Request& req) {
        domain::Category cat;
        cat.key = *json::get_string(req.json, "key");
        cat.name = *json::get_string(req.json, "name");
        cat.description = json::get_string(req.json, "description").value_or("");
        cat.sort_order = json::get_int(req.json, "sort_order").value_or(0);
        cat.protected_env = json::get_bool(req.json, "protected").value_or(false);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            unwrap(storage::insert_category(c, kind, cat, now));
            auto created = load_category(c, kind, cat.key);
            audit(c, req, now, what + ".create", what, cat.key, "created " + what + " " + cat.key,
                  std::nullopt, category_json(created, kind));
            return category_json(created, kind);
        });
        return Response::created(std::move(body));
    });

    s.route("GET", base + "/{key}", [&app, kind](Request& req) {
        const auto& key = req.str_param("key");
        auto cat = app.db.read([&](storage::Connection& c) { return load_category(c, kind, key); });
        return Response::ok(category_json(cat, kind)).header("ETag", etag(cat.version));
    });

    s.route("PATCH", base + "/{key}", [&app, kind, what](Request& req) {
        const auto& key = req.str_param("key");
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto cat = load_category(c, kind, key);
            check_version(req, cat.version, what + " " + key);
            auto before = category_json(cat, kind);
            if (auto v = json::get_string(req.json, "name")) cat.name = *v;
            if (auto v = json::get_string(req.json, "description")) cat.description = *v;
            if (auto v = json::get_int(req.json, "sort_order")) cat.sort_order = *v;
            if (auto v = json::get_bool(req.json, "protected")) cat.protected_env = *v;
            storage::update_category(c, kind, cat, now);
            auto after = category_json(load_category(c, kind, key), kind);
            audit(c, req, now, what + ".update", what, key, "updated " + what + " " + key, before,
                  after);
            return after;
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", base + "/{key}", [&app, kind, what](Request& req) {
        const auto& key = req.str_param("key");
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto cat = load_category(c, kind, key);
            check_version(req, cat.version, what + " " + key);
            auto used = storage::templates_in_category(c, kind, key);
            if (!used.empty())
                fail(Error::Conflict("the " + what + " \"" + key + "\" is used by " +
                                     std::to_string(used.size()) + " template(s): " +
                                     refs_text(used) + "; move or delete them first")
                         .with(kind == CategoryKind::environment ? codes::environment_in_use
                                                                 : codes::purpose_in_use,
                               {{"key", key}, {"count", used.size()}, {"refs", refs_text(used)}}));
            if (kind == CategoryKind::environment) {
                auto keys = storage::config_keys(c, key);
                if (!keys.empty()) {
                    std::string list;
                    for (size_t i = 0; i < keys.size() && i < 20; ++i)
                        list += (i ? ", " : "") + keys[i];
                    fail(Error::Conflict("the environment \"" + key + "\" still has " +
                                         std::to_string(keys.size()) + " config key(s): " + list +
                                         "; delete them first")
                             .with(codes::environment_has_config,
                                   {{"key", key}, {"count", keys.size()}, {"keys", list}}));
                }
            }
            unwrap(storage::delete_category(c, kind, key));
            audit(c, req, now, what + ".delete", what, key, "deleted " + what + " " + key,
                  category_json(cat, kind));
        });
        return Response::no_content();
    });
}

// ---- templates

bool manages(const Request& req) {
    return req.principal && req.principal->can("catalog.manage");
}

bool may_submit(const domain::Template& t, const Principal& p) {
    return app::may_submit(t, submitter(p));
}

void write_strings_or_null(json::Writer& w, const std::optional<std::vector<std::string>>& v) {
    if (v)
        w.strings(*v);
    else
        w.null();
}

void write_form(json::Writer& w, const std::vector<domain::FormField>& form) {
    w.start_array();
    for (const auto& f : form) {
        w.start_object()
            .kv("name", f.name)
            .kv("label", f.label)
            .kv("multiple", f.multiple)
            .kv("required", f.required)
            .kv("secret", f.secret)
            .kv("source", domain::to_string(f.source));
        w.key("default");
        write_strings_or_null(w, f.default_values);
        // A script-fed list is always fetched through GET /variables/{name}/options, which
        // refreshes it when stale.
        w.key("options");
        if (f.source != domain::FieldSource::script && f.options)
            write_options(w, *f.options);
        else
            w.null();
        w.end_object();
    }
    w.end_array();
}

// internal: whether internal_vars are included (catalog.manage holders and audit records).
// form/can_submit are left out when viewer is null (audit records).
void write_template(json::Writer& w, const domain::Template& t, bool internal,
                    const Principal* viewer, const VariableMap* vars) {
    w.start_object()
        .kv("id", t.id)
        .kv("name", t.name)
        .kv("environment", t.environment)
        .kv("purpose", t.purpose)
        .kv("description", t.description)
        .kv("command", t.command)
        .kv("argv", t.argv);
    if (internal) {
        w.key("internal_vars").start_object();
        for (const auto& [k, v] : t.internal_vars) w.kv(k, v);
        w.end_object();
    }
    w.key("variables").start_array();
    for (const auto& v : t.variables) {
        w.start_object().kv("name", v.name).kv("required", v.required);
        w.key("default");
        write_strings_or_null(w, v.default_values);
        w.key("multiple");
        if (v.multiple)
            w.boolean(*v.multiple);
        else
            w.null();
        w.kv("label", v.label).end_object();
    }
    w.end_array();
    w.key("choices").start_object();
    for (const auto& [k, opts] : t.choices) {
        w.key(k);
        write_options(w, opts);
    }
    w.end_object();
    w.key("workflow_id");
    if (t.workflow_id)
        w.num(*t.workflow_id);
    else
        w.null();
    w.kv("submit_roles", t.submit_roles)
        .kv("timeout_s", t.timeout_s)
        .kv("active", t.active)
        .kv("version", t.version);
    w.key("created_at").time(t.created_at);
    w.key("updated_at").time(t.updated_at);
    if (viewer && vars) {
        w.kv("can_submit", t.active && may_submit(t, *viewer));
        w.key("form");
        write_form(w, domain::form_fields(t, lookup_in(*vars)));
    }
    w.end_object();
}

std::string template_audit_json(const domain::Template& t) {
    json::Writer w;
    write_template(w, t, true, nullptr, nullptr);
    return w.take();
}

std::vector<std::string> unique_strings(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// Applies the members present in a create or update body (already valid against the schema).
void apply_template_body(domain::Template& t, const json::Value& body) {
    if (auto v = json::get_string(body, "name")) t.name = *v;
    if (auto v = json::get_string(body, "environment")) t.environment = *v;
    if (auto v = json::get_string(body, "purpose")) t.purpose = *v;
    if (auto v = json::get_string(body, "description")) t.description = *v;
    if (auto v = json::get_string(body, "command")) t.command = *v;
    if (auto it = body.FindMember("internal_vars");
        it != body.MemberEnd() && it->value.IsObject()) {
        t.internal_vars.clear();
        for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m)
            t.internal_vars[std::string(m->name.GetString(), m->name.GetStringLength())] =
                std::string(m->value.GetString(), m->value.GetStringLength());
    }
    if (auto it = body.FindMember("variables"); it != body.MemberEnd() && it->value.IsArray()) {
        t.variables.clear();
        for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
            const auto& item = it->value[i];
            const std::string field = "variables[" + std::to_string(i) + "]";
            domain::TemplateVariable tv;
            tv.name = json::get_string(item, "name").value_or("");
            tv.required = json::get_bool(item, "required").value_or(false);
            tv.multiple = json::get_bool(item, "multiple");
            tv.label = json::get_string(item, "label").value_or("");
            if (auto d = item.FindMember("default"); d != item.MemberEnd() && !d->value.IsNull()) {
                if (d->value.IsString()) {
                    tv.default_values = std::vector<std::string>{
                        std::string(d->value.GetString(), d->value.GetStringLength())};
                } else if (d->value.IsArray()) {
                    std::vector<std::string> values;
                    for (const auto& x : d->value.GetArray()) {
                        if (!x.IsString())
                            fail(Error::Field(field + ".default",
                                              "must be a string or an array of strings",
                                              codes::field_string_list));
                        values.emplace_back(x.GetString(), x.GetStringLength());
                    }
                    tv.default_values = std::move(values);
                } else {
                    fail(Error::Field(field + ".default", "must be a string or an array of strings",
                                      codes::field_string_list));
                }
            }
            t.variables.push_back(std::move(tv));
        }
    }
    if (auto it = body.FindMember("choices"); it != body.MemberEnd() && it->value.IsObject()) {
        t.choices.clear();
        for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
            std::string name(m->name.GetString(), m->name.GetStringLength());
            t.choices[name] =
                unwrap(options_from_json(m->value, "choices." + name, ErrorKind::bad_request));
        }
    }
    if (json::is_null_member(body, "workflow_id"))
        t.workflow_id.reset();
    else if (auto v = json::get_int(body, "workflow_id"))
        t.workflow_id = *v;
    if (auto v = json::get_strings(body, "submit_roles")) t.submit_roles = unique_strings(*v);
    if (auto v = json::get_int(body, "timeout_s")) t.timeout_s = *v;
    if (auto v = json::get_bool(body, "active")) t.active = *v;
}

// Checks a template against the catalog and returns the registered variables it uses; fills argv.
std::set<std::string> validate_template(storage::Connection& c, domain::Template& t,
                                        const VariableMap& vars) {
    if (!storage::find_category(c, CategoryKind::environment, t.environment))
        fail(Error::UnprocessableField("environment",
                                       "there is no environment \"" + t.environment + "\"",
                                       codes::environment_unknown, {{"key", t.environment}}));
    if (!storage::find_category(c, CategoryKind::purpose, t.purpose))
        fail(Error::UnprocessableField("purpose", "there is no purpose \"" + t.purpose + "\"",
                                       codes::purpose_unknown, {{"key", t.purpose}}));
    for (const auto& r : t.submit_roles)
        if (!storage::find_role(c, r))
            fail(Error::UnprocessableField("submit_roles", "there is no role \"" + r + "\"",
                                           codes::role_unknown, {{"key", r}}));
    auto lookup = lookup_in(vars);
    t.argv = unwrap(domain::check_template(t, lookup));
    return domain::registered_variables_of(t, lookup);
}

}  // namespace

void register_catalog_routes(App& app, Server& s) {
    register_category_routes(app, s, CategoryKind::environment, "/api/v1/environments");
    register_category_routes(app, s, CategoryKind::purpose, "/api/v1/purposes");

    s.route("GET", "/api/v1/templates", [&app](Request& req) {
        storage::TemplateFilter f;
        f.environment = req.query_str("environment");
        f.purpose = req.query_str("purpose");
        f.q = req.query_str("q");
        f.active = req.query_bool("active");
        // The submit page: people who do not manage the catalog see active templates only.
        if (!manages(req)) f.active = true;
        const int64_t after = decode_cursor(req.query_str("cursor"));
        const int limit = req.limit();
        const bool submittable = req.query_bool("submittable").value_or(false);
        auto body = app.db.read([&](storage::Connection& c) {
            auto vars = load_variables(c);
            // "submittable" is decided here, not in SQL: rows are fetched until the page is full.
            auto items = fetch_kept<domain::Template>(
                limit,
                [&](const domain::Template* last, size_t n) {
                    f.after_id = last ? last->id : after;
                    f.limit = static_cast<int>(n);
                    return storage::list_templates(c, f);
                },
                [&](const domain::Template& t) {
                    return !submittable || (t.active && may_submit(t, req.user()));
                });
            return page_json(
                items, limit,
                [&](json::Writer& w, const domain::Template& t) {
                    write_template(w, t, manages(req), &req.user(), &vars);
                },
                [](const domain::Template& t) { return t.id; });
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/templates", [&app](Request& req) {
        domain::Template t;
        apply_template_body(t, req.json);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto vars = load_variables(c);
            auto registered = validate_template(c, t, vars);
            int64_t id = unwrap(storage::insert_template(c, t, registered, now));
            auto created = load_template(c, id);
            audit(c, req, now, "template.create", "template", std::to_string(id),
                  "created template " + created.name, std::nullopt, template_audit_json(created));
            json::Writer w;
            write_template(w, created, true, &req.user(), &vars);
            return w.take();
        });
        return Response::created(std::move(body));
    });

    s.route("GET", "/api/v1/templates/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        int64_t version = 0;
        auto body = app.db.read([&](storage::Connection& c) {
            auto t = load_template(c, id);
            version = t.version;
            auto vars = load_variables(c);
            json::Writer w;
            write_template(w, t, manages(req), &req.user(), &vars);
            return w.take();
        });
        return Response::ok(std::move(body)).header("ETag", etag(version));
    });

    s.route("PATCH", "/api/v1/templates/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto t = load_template(c, id);
            check_version(req, t.version, "template " + std::to_string(id));
            auto before = template_audit_json(t);
            apply_template_body(t, req.json);
            auto vars = load_variables(c);
            auto registered = validate_template(c, t, vars);
            unwrap(storage::update_template(c, t, registered, now));
            auto after = load_template(c, id);
            audit(c, req, now, "template.update", "template", std::to_string(id),
                  "updated template " + after.name, before, template_audit_json(after));
            json::Writer w;
            write_template(w, after, true, &req.user(), &vars);
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/templates/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto t = load_template(c, id);
            check_version(req, t.version, "template " + std::to_string(id));
            unwrap(storage::delete_template(c, id));
            audit(c, req, now, "template.delete", "template", std::to_string(id),
                  "deleted template " + t.name, template_audit_json(t));
        });
        return Response::no_content();
    });

    s.route("POST", "/api/v1/templates/{id}/preview", [&app](Request& req) {
        int64_t id = req.id_param();
        const json::Value no_variables;  // Null: the request has no "variables"
        auto it = req.json.FindMember("variables");
        const json::Value& variables = it != req.json.MemberEnd() ? it->value : no_variables;
        auto body = app.db.read([&](storage::Connection& c) {
            const app::Submitter who = submitter(req.user());
            auto preview = app::preview_template(c, app.secret_key, id, variables,
                                                 manages(req) ? nullptr : &who);
            const auto& secret_vars = preview.secret_vars;
            json::Writer w;
            w.start_object().key("values").start_object();
            for (const auto& [name, vals] : preview.values) {
                bool secret =
                    std::find(secret_vars.begin(), secret_vars.end(), name) != secret_vars.end();
                w.key(name).start_array();
                for (const auto& v : vals) w.str(secret ? domain::kMasked : v);
                w.end_array();
            }
            w.end_object();
            write_run_preview(w, app::run_preview(c, preview.environment, preview.argv,
                                                  std::move(preview.secrets), preview.values));
            w.end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });
}

}  // namespace orderly::http
