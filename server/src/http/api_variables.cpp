// Variables (可选变量): registered option lists and script-fed ones.
#include "app/variables.h"
#include "domain/catalog_json.h"
#include "http/app.h"
#include "http/render.h"

namespace orderly::http {

using domain::write_options;

namespace {

bool manages(const Request& req) {
    return req.principal && req.principal->can("catalog.manage");
}

// admin: the command and the last script error are shown to catalog.manage holders only.
void write_variable(json::Writer& w, const domain::Variable& v, bool admin) {
    const bool script = v.source == domain::VariableSource::script;
    w.start_object()
        .kv("name", v.name)
        .kv("label", v.label)
        .kv("description", v.description)
        .kv("multiple", v.multiple)
        .kv("secret", v.secret)
        .kv("hosts", v.hosts)
        .kv("source", domain::to_string(v.source));
    w.key("options");
    write_options(w, domain::current_options(v).value_or(std::vector<domain::Option>{}));
    w.key("options_fetched_at");
    if (script)
        w.opt_time(v.cached_at);
    else
        w.null();
    if (admin) {
        w.key("command");
        if (script)
            w.str(v.command);
        else
            w.null();
        write_stored_problem(w, "last_error", script ? v.last_error : std::nullopt,
                             v.last_error_code, v.last_error_params);
    }
    w.kv("timeout_s", v.timeout_s).kv("cache_s", v.cache_s).kv("version", v.version);
    w.key("created_at").time(v.created_at);
    w.key("updated_at").time(v.updated_at);
    w.end_object();
}

std::string variable_json(const domain::Variable& v, bool admin) {
    json::Writer w;
    write_variable(w, v, admin);
    return w.take();
}

Response list_variables(App& app, Request& req) {
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& v : app.variables.list()) write_variable(w, v, manages(req));
    w.end_array().key("next_cursor").null().end_object();
    return Response::ok(w.take());
}

Response create_variable(App& app, Request& req) {
    return Response::created(variable_json(app.variables.create(caller(req), req.json), true));
}

Response get_variable(App& app, Request& req) {
    auto v = app.variables.get(req.str_param("name"));
    return Response::ok(variable_json(v, manages(req))).header("ETag", etag(v.version));
}

Response update_variable(App& app, Request& req) {
    auto v =
        app.variables.update(caller(req), req.str_param("name"), req.header("if-match"), req.json);
    return Response::ok(variable_json(v, true));
}

Response delete_variable(App& app, Request& req) {
    app.variables.remove(caller(req), req.str_param("name"), req.header("if-match"));
    return Response::no_content();
}

// Registration of a static list, e.g. by an external inventory script with an API token that
// holds only variables.register.
Response register_options(App& app, Request& req) {
    auto v = app.variables.register_options(caller(req), req.str_param("name"),
                                            req.header("if-match"), req.json);
    return Response::ok(variable_json(v, manages(req)));
}

// The list a form offers (app::variable_options).
Response variable_options(App& app, Request& req) {
    const auto& name = req.str_param("name");
    const bool refresh = req.query_bool("refresh").value_or(false);
    auto result = app.variables.options(name, refresh, manages(req));
    const domain::Variable& v = result.variable;
    json::Writer w;
    w.start_object().kv("name", v.name).kv("source", domain::to_string(v.source));
    w.key("options");
    write_options(w, domain::current_options(v).value_or(std::vector<domain::Option>{}));
    w.key("fetched_at")
        .opt_time(v.source == domain::VariableSource::script ? v.cached_at : std::nullopt);
    w.kv("cached", result.cached).end_object();
    return Response::ok(w.take());
}

}  // namespace

void register_variable_routes(App& app, Server& s) {
    const std::string one = "/api/v1/variables/{name}";
    s.route("GET", "/api/v1/variables", [&app](Request& r) { return list_variables(app, r); });
    s.route("POST", "/api/v1/variables", [&app](Request& r) { return create_variable(app, r); });
    s.route("GET", one, [&app](Request& r) { return get_variable(app, r); });
    s.route("PATCH", one, [&app](Request& r) { return update_variable(app, r); });
    s.route("DELETE", one, [&app](Request& r) { return delete_variable(app, r); });
    s.route("PUT", one + "/options", [&app](Request& r) { return register_options(app, r); });
    // A script-fed variable's command may run when its cached list is stale: blocking, so it
    // runs on a worker thread.
    s.route(
        "GET", one + "/options", [&app](Request& r) { return variable_options(app, r); },
        /*blocking=*/true);
}

}  // namespace orderly::http
