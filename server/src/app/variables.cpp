#include "app/variables.h"

#include "app/option_json.h"
#include "app/version_check.h"
#include "core/codes.h"
#include "domain/catalog_json.h"
#include "integrations/run_command.h"
#include "storage/catalog_ports.h"
#include "storage/catalog_store.h"
#include "storage/database.h"

namespace orderly::app {

namespace {

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

// "\"Deploy\" (id 3), ..." for the first 20 templates.
std::string refs_text(const std::vector<domain::TemplateRef>& refs) {
    std::string list;
    for (size_t i = 0; i < refs.size() && i < 20; ++i)
        list +=
            (i ? ", " : "") + ("\"" + refs[i].name + "\" (id " + std::to_string(refs[i].id) + ")");
    return list;
}

// app::load_variable over the transaction's connection.
domain::Variable load_variable(storage::Connection& c, const std::string& name) {
    storage::SqlCatalogReader catalog(c);
    return app::load_variable(catalog, name);
}

}  // namespace

VariableOptions Variables::options(const std::string& name, bool refresh, bool may_refresh) {
    storage::SqlCatalogTransactions catalog(db_);
    return variable_options(catalog, integrations::run_command, clock_, name, refresh, may_refresh);
}

std::vector<domain::Variable> Variables::list() {
    return db_.read([&](storage::Connection& c) { return storage::list_variables(c); });
}

domain::Variable Variables::get(const std::string& name) {
    return db_.read([&](storage::Connection& c) { return load_variable(c, name); });
}

domain::Variable Variables::create(const Caller& who, const json::Value& body) {
    domain::Variable v;
    v.name = *json::get_string(body, "name");
    if (!domain::valid_variable_name(v.name))
        fail(Error::Field("name",
                          "must be letters, digits and _, not starting with a digit (it is used "
                          "as {name} in commands)",
                          codes::variable_name_invalid));
    apply_variable_body(v, body);
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        unwrap(storage::insert_variable(c, v, now));
        auto created = load_variable(c, v.name);
        audit(c, who, now, "variable.create", "variable", v.name, "created variable " + v.name,
              std::nullopt, domain::variable_audit_json(created));
        return created;
    });
}

domain::Variable Variables::update(const Caller& who, const std::string& name,
                                   const std::optional<std::string>& if_match,
                                   const json::Value& body) {
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto v = load_variable(c, name);
        check_version(if_match, v.version, "variable " + name);
        auto before = domain::variable_audit_json(v);
        const auto old_argv = v.argv;
        const auto old_source = v.source;
        apply_variable_body(v, body);
        storage::update_variable(c, v, v.argv != old_argv || v.source != old_source, now);
        auto after = load_variable(c, name);
        audit(c, who, now, "variable.update", "variable", name, "updated variable " + name, before,
              domain::variable_audit_json(after));
        return after;
    });
}

void Variables::remove(const Caller& who, const std::string& name,
                       const std::optional<std::string>& if_match) {
    TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto v = load_variable(c, name);
        check_version(if_match, v.version, "variable " + name);
        auto used = storage::templates_using_variable(c, name);
        if (!used.empty()) {
            const std::string list = refs_text(used);
            fail(Error::Conflict("the variable \"" + name + "\" is used by " +
                                 std::to_string(used.size()) + " template(s): " + list +
                                 "; remove it from them first")
                     .with(codes::variable_in_use,
                           {{"name", name}, {"count", used.size()}, {"refs", list}}));
        }
        storage::delete_variable(c, name);
        audit(c, who, now, "variable.delete", "variable", name, "deleted variable " + name,
              domain::variable_audit_json(v));
    });
}

domain::Variable Variables::register_options(const Caller& who, const std::string& name,
                                             const std::optional<std::string>& if_match,
                                             const json::Value& options) {
    auto list = unwrap(options_from_json(options, "body", ErrorKind::bad_request));
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto v = load_variable(c, name);
        if (v.source == domain::VariableSource::script)
            fail(Error::Conflict("the variable \"" + name +
                                 "\" is script-fed: its options come from its command")
                     .with(codes::variable_script_fed, {{"name", name}}));
        check_version(if_match, v.version, "variable " + name);
        auto before = domain::variable_audit_json(v);
        v.options = std::move(list);
        storage::update_variable(c, v, false, now);
        auto after = load_variable(c, name);
        audit(c, who, now, "variable.options", "variable", name,
              "registered " + std::to_string(after.options.size()) + " option(s) for " + name,
              before, domain::variable_audit_json(after));
        return after;
    });
}

}  // namespace orderly::app
