// Environments, purposes and task templates (the use cases are app::Catalog; the rules of
// template snapshots are in app/template_snapshots.h).
#include "http/app.h"
#include "http/render.h"
#include "http/run_preview.h"

#include <algorithm>

#include "app/catalog.h"
#include "app/checks.h"
#include "domain/catalog_json.h"

namespace orderly::http {

using domain::CategoryKind;

namespace {

// ---- environments and purposes

void register_category_routes(App& app, Server& s, CategoryKind kind, const std::string& base) {
    s.route("GET", base, [&app, kind](Request&) {
        json::Writer w;
        w.start_object().key("items").start_array();
        for (const auto& cat : app.catalog.categories(kind)) domain::write_category(w, cat, kind);
        w.end_array().key("next_cursor").null().end_object();
        return Response::ok(w.take());
    });

    s.route("POST", base, [&app, kind](Request& req) {
        domain::Category cat;
        cat.key = *json::get_string(req.json, "key");
        cat.name = *json::get_string(req.json, "name");
        cat.description = json::get_string(req.json, "description").value_or("");
        cat.sort_order = json::get_int(req.json, "sort_order").value_or(0);
        cat.protected_env = json::get_bool(req.json, "protected").value_or(false);
        auto created = app.catalog.create_category(caller(req), kind, cat);
        return Response::created(domain::category_json(created, kind));
    });

    s.route("GET", base + "/{key}", [&app, kind](Request& req) {
        auto cat = app.catalog.category(kind, req.str_param("key"));
        return Response::ok(domain::category_json(cat, kind)).header("ETag", etag(cat.version));
    });

    s.route("PATCH", base + "/{key}", [&app, kind](Request& req) {
        app::CategoryChanges changes;
        changes.name = json::get_string(req.json, "name");
        changes.description = json::get_string(req.json, "description");
        changes.sort_order = json::get_int(req.json, "sort_order");
        changes.protected_env = json::get_bool(req.json, "protected");
        auto after = app.catalog.update_category(caller(req), kind, req.str_param("key"),
                                                 req.header("if-match"), changes);
        return Response::ok(domain::category_json(after, kind));
    });

    s.route("DELETE", base + "/{key}", [&app, kind](Request& req) {
        app.catalog.delete_category(caller(req), kind, req.str_param("key"),
                                    req.header("if-match"));
        return Response::no_content();
    });
}

// ---- templates

bool manages(const Request& req) {
    return req.principal && req.principal->can("catalog.manage");
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
            domain::write_options(w, *f.options);
        else
            w.null();
        w.end_object();
    }
    w.end_array();
}

// internal: whether internal_vars are included (catalog.manage holders). can_submit and the
// form are the viewer's.
void write_template(json::Writer& w, const domain::Template& t, bool internal,
                    const Principal& viewer, const app::VariableMap& vars) {
    w.start_object();
    domain::write_template_members(w, t, internal);
    w.kv("can_submit", t.active && app::may_submit(t, app::submitter(viewer)));
    w.key("form");
    write_form(w, domain::form_fields(t, app::lookup_in(vars)));
    w.end_object();
}

std::string template_json(const app::TemplateView& v, bool internal, const Principal& viewer) {
    json::Writer w;
    write_template(w, v.tpl, internal, viewer, v.variables);
    return w.take();
}

Response list_templates(App& app, Request& req) {
    domain::TemplateFilter f;
    f.environment = req.query_str("environment");
    f.purpose = req.query_str("purpose");
    f.q = req.query_str("q");
    f.active = req.query_bool("active");
    const int64_t after = decode_cursor(req.query_str("cursor"));
    const int limit = req.limit();
    const bool submittable = req.query_bool("submittable").value_or(false);
    auto page = app.catalog.templates(caller(req), app::submitter(req.user()), std::move(f), after,
                                      limit, submittable);
    return Response::ok(page_json(
        page.items, limit,
        [&](json::Writer& w, const domain::Template& t) {
            write_template(w, t, manages(req), req.user(), page.variables);
        },
        [](const domain::Template& t) { return t.id; }));
}

Response create_template(App& app, Request& req) {
    auto created = app.catalog.create_template(caller(req), req.json);
    return Response::created(template_json(created, true, req.user()));
}

Response get_template(App& app, Request& req) {
    auto v = app.catalog.get_template(req.id_param());
    return Response::ok(template_json(v, manages(req), req.user()))
        .header("ETag", etag(v.tpl.version));
}

Response update_template(App& app, Request& req) {
    auto after =
        app.catalog.update_template(caller(req), req.id_param(), req.header("if-match"), req.json);
    return Response::ok(template_json(after, true, req.user()));
}

Response delete_template(App& app, Request& req) {
    app.catalog.delete_template(caller(req), req.id_param(), req.header("if-match"));
    return Response::no_content();
}

Response preview_template(App& app, Request& req) {
    int64_t id = req.id_param();
    const json::Value no_variables;  // Null: the request has no "variables"
    auto it = req.json.FindMember("variables");
    const json::Value& variables = it != req.json.MemberEnd() ? it->value : no_variables;
    auto result =
        app.catalog.preview_template(caller(req), app::submitter(req.user()), id, variables);
    const auto& secret_vars = result.preview.secret_vars;
    json::Writer w;
    w.start_object().key("values").start_object();
    for (const auto& [name, vals] : result.preview.values) {
        bool secret = std::find(secret_vars.begin(), secret_vars.end(), name) != secret_vars.end();
        w.key(name).start_array();
        for (const auto& v : vals) w.str(secret ? domain::kMasked : v);
        w.end_array();
    }
    w.end_object();
    write_run_preview(w, result.run);
    w.end_object();
    return Response::ok(w.take());
}

}  // namespace

void register_catalog_routes(App& app, Server& s) {
    register_category_routes(app, s, CategoryKind::environment, "/api/v1/environments");
    register_category_routes(app, s, CategoryKind::purpose, "/api/v1/purposes");

    const std::string one = "/api/v1/templates/{id}";
    s.route("GET", "/api/v1/templates", [&app](Request& r) { return list_templates(app, r); });
    s.route("POST", "/api/v1/templates", [&app](Request& r) { return create_template(app, r); });
    s.route("GET", one, [&app](Request& r) { return get_template(app, r); });
    s.route("PATCH", one, [&app](Request& r) { return update_template(app, r); });
    s.route("DELETE", one, [&app](Request& r) { return delete_template(app, r); });
    s.route("POST", one + "/preview", [&app](Request& r) { return preview_template(app, r); });
}

}  // namespace orderly::http
