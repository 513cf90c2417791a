// Variables (可选变量): registered option lists and script-fed ones.
#include "app/option_json.h"
#include "app/variable_options.h"
#include "core/codes.h"
#include "http/app.h"
#include "http/render.h"
#include "storage/catalog_store.h"

namespace orderly::http {

using app::load_variable;
using app::options_from_json;
using app::write_options;

namespace {

// Audit records carry option lists only while they are this small; larger ones are counted.
constexpr size_t kMaxAuditedOptionBytes = 16 * 1024;

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

// The audit record of a variable: never a secret variable's options, never huge lists.
std::string variable_audit_json(const domain::Variable& v) {
    json::Writer w;
    w.start_object()
        .kv("name", v.name)
        .kv("label", v.label)
        .kv("description", v.description)
        .kv("multiple", v.multiple)
        .kv("secret", v.secret)
        .kv("hosts", v.hosts)
        .kv("source", domain::to_string(v.source))
        .kv("command", v.command)
        .kv("timeout_s", v.timeout_s)
        .kv("cache_s", v.cache_s)
        .kv("options_count", static_cast<int64_t>(v.options.size()));
    size_t bytes = 0;
    for (const auto& o : v.options) bytes += o.value.size() + o.label.size();
    if (!v.secret && bytes <= kMaxAuditedOptionBytes) {
        w.key("options");
        write_options(w, v.options);
    }
    w.kv("version", v.version).end_object();
    return w.take();
}

std::string variable_json(const domain::Variable& v, bool admin) {
    json::Writer w;
    write_variable(w, v, admin);
    return w.take();
}

// Applies the members present in a create or update body (already valid against the schema)
// and checks the result.
void apply_variable_body(domain::Variable& v, const json::Value& body) {
    if (auto x = json::get_string(body, "label")) v.label = *x;
    if (auto x = json::get_string(body, "description")) v.description = *x;
    if (auto x = json::get_bool(body, "multiple")) v.multiple = *x;
    if (auto x = json::get_bool(body, "secret")) v.secret = *x;
    if (auto x = json::get_bool(body, "hosts")) v.hosts = *x;
    if (auto x = json::get_string(body, "source"))
        v.source =
            *x == "script" ? domain::VariableSource::script : domain::VariableSource::static_list;
    if (auto x = json::get_int(body, "timeout_s")) v.timeout_s = *x;
    if (auto x = json::get_int(body, "cache_s")) v.cache_s = *x;
    const bool script = v.source == domain::VariableSource::script;
    if (json::has(body, "options")) {
        if (script)
            fail(Error::Field("options",
                              "a script-fed variable (source: script) gets its options from its "
                              "command",
                              codes::variable_script_fed, {{"name", v.name}}));
        v.options = unwrap(options_from_json(body["options"], "options", ErrorKind::bad_request));
    }
    if (auto x = json::get_string(body, "command")) {
        if (!script)
            fail(Error::Field("command",
                              "only a script-fed variable (source: script) has a command",
                              codes::variable_not_script_fed));
        v.command = *x;
    }
    if (script) {
        if (v.command.empty())
            fail(Error::Field("command", "is required for a script-fed variable",
                              codes::variable_command_required));
        v.argv = unwrap(domain::script_argv(v.command));
        v.options.clear();
    } else {
        v.command.clear();
        v.argv.clear();
    }
}

}  // namespace

void register_variable_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/variables", [&app](Request& req) {
        auto body = app.db.read([&](storage::Connection& c) {
            json::Writer w;
            w.start_object().key("items").start_array();
            for (const auto& v : storage::list_variables(c)) write_variable(w, v, manages(req));
            w.end_array().key("next_cursor").null().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/variables", [&app](Request& req) {
        domain::Variable v;
        v.name = *json::get_string(req.json, "name");
        if (!domain::valid_variable_name(v.name))
            fail(Error::Field("name",
                              "must be letters, digits and _, not starting with a digit (it is "
                              "used as {name} in commands)",
                              codes::variable_name_invalid));
        apply_variable_body(v, req.json);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            unwrap(storage::insert_variable(c, v, now));
            auto created = load_variable(c, v.name);
            audit(c, req, now, "variable.create", "variable", v.name, "created variable " + v.name,
                  std::nullopt, variable_audit_json(created));
            return variable_json(created, true);
        });
        return Response::created(std::move(body));
    });

    s.route("GET", "/api/v1/variables/{name}", [&app](Request& req) {
        const auto& name = req.str_param("name");
        auto v = app.db.read([&](storage::Connection& c) { return load_variable(c, name); });
        return Response::ok(variable_json(v, manages(req))).header("ETag", etag(v.version));
    });

    s.route("PATCH", "/api/v1/variables/{name}", [&app](Request& req) {
        const auto& name = req.str_param("name");
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto v = load_variable(c, name);
            check_version(req, v.version, "variable " + name);
            auto before_json = variable_audit_json(v);
            const auto old_argv = v.argv;
            const auto old_source = v.source;
            apply_variable_body(v, req.json);
            storage::update_variable(c, v, v.argv != old_argv || v.source != old_source, now);
            auto after = load_variable(c, name);
            audit(c, req, now, "variable.update", "variable", name, "updated variable " + name,
                  before_json, variable_audit_json(after));
            return variable_json(after, true);
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/variables/{name}", [&app](Request& req) {
        const auto& name = req.str_param("name");
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto v = load_variable(c, name);
            check_version(req, v.version, "variable " + name);
            auto used = storage::templates_using_variable(c, name);
            if (!used.empty()) {
                std::string list;
                for (size_t i = 0; i < used.size() && i < 20; ++i)
                    list += (i ? ", " : "") +
                            ("\"" + used[i].name + "\" (id " + std::to_string(used[i].id) + ")");
                fail(Error::Conflict("the variable \"" + name + "\" is used by " +
                                     std::to_string(used.size()) + " template(s): " + list +
                                     "; remove it from them first")
                         .with(codes::variable_in_use,
                               {{"name", name}, {"count", used.size()}, {"refs", list}}));
            }
            storage::delete_variable(c, name);
            audit(c, req, now, "variable.delete", "variable", name, "deleted variable " + name,
                  variable_audit_json(v));
        });
        return Response::no_content();
    });

    // Registration of a static list, e.g. by an external inventory script with an API token
    // that holds only variables.register.
    s.route("PUT", "/api/v1/variables/{name}/options", [&app](Request& req) {
        const auto& name = req.str_param("name");
        auto options = unwrap(options_from_json(req.json, "body", ErrorKind::bad_request));
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto v = load_variable(c, name);
            if (v.source == domain::VariableSource::script)
                fail(Error::Conflict("the variable \"" + name +
                                     "\" is script-fed: its options come from its command")
                         .with(codes::variable_script_fed, {{"name", name}}));
            check_version(req, v.version, "variable " + name);
            auto before_json = variable_audit_json(v);
            v.options = std::move(options);
            storage::update_variable(c, v, false, now);
            auto after = load_variable(c, name);
            audit(c, req, now, "variable.options", "variable", name,
                  "registered " + std::to_string(after.options.size()) + " option(s) for " + name,
                  before_json, variable_audit_json(after));
            return variable_json(after, manages(req));
        });
        return Response::ok(std::move(body));
    });

    // The list a form offers (app::variable_options). A script-fed variable's command may run
    // when its cached list is stale: blocking, so it runs on a worker thread.
    s.route(
        "GET", "/api/v1/variables/{name}/options",
        [&app](Request& req) {
            const auto& name = req.str_param("name");
            const bool refresh = req.query_bool("refresh").value_or(false);
            auto result = app::variable_options(app.db, app.clock, name, refresh, manages(req));
            const domain::Variable& v = result.variable;
            json::Writer w;
            w.start_object().kv("name", v.name).kv("source", domain::to_string(v.source));
            w.key("options");
            write_options(w, domain::current_options(v).value_or(std::vector<domain::Option>{}));
            w.key("fetched_at")
                .opt_time(v.source == domain::VariableSource::script ? v.cached_at : std::nullopt);
            w.kv("cached", result.cached).end_object();
            return Response::ok(w.take());
        },
        /*blocking=*/true);
}

}  // namespace orderly::http
