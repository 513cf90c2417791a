#include "app/template_snapshots.h"

#include <algorithm>
#include <set>

#include "app/config_secrets.h"
#include "core/codes.h"
#include "domain/command.h"

namespace orderly::app {

namespace {

std::map<std::string, domain::Submitted> submitted_from(const json::Value& variables) {
    std::map<std::string, domain::Submitted> out;
    if (variables.IsNull()) return out;
    if (!variables.IsObject())
        fail(Error::Field("variables",
                          "must be an object mapping variable names to a value or a list of values",
                          codes::field_object));
    for (auto m = variables.MemberBegin(); m != variables.MemberEnd(); ++m) {
        std::string name(m->name.GetString(), m->name.GetStringLength());
        const std::string field = "variables." + name;
        domain::Submitted s;
        if (m->value.IsString()) {
            s.values.emplace_back(m->value.GetString(), m->value.GetStringLength());
        } else if (m->value.IsArray()) {
            s.array = true;
            for (const auto& x : m->value.GetArray()) {
                if (!x.IsString())
                    fail(Error::Field(field, "must hold strings only", codes::field_string_list));
                s.values.emplace_back(x.GetString(), x.GetStringLength());
            }
        } else if (!m->value.IsNull()) {
            fail(Error::Field(field, "must be a string or an array of strings",
                              codes::field_string_list));
        }
        out[name] = std::move(s);
    }
    return out;
}

std::string snapshot_json(const domain::Template& t, const std::vector<domain::FormField>& form,
                          const domain::ChosenValues& chosen) {
    json::Writer w;
    w.start_object()
        .kv("template_id", t.id)
        .kv("template_version", t.version)
        .kv("name", t.name)
        .kv("environment", t.environment)
        .kv("purpose", t.purpose)
        .kv("command", t.command)
        .kv("argv", t.argv);
    w.key("internal_vars").start_object();
    for (const auto& [k, v] : t.internal_vars) w.kv(k, v);
    w.end_object();
    w.key("values").start_object();
    for (const auto& [k, v] : chosen.values) w.kv(k, v);
    w.end_object();
    w.key("options").start_object();
    for (const auto& [k, v] : chosen.options) w.kv(k, v);
    w.end_object();
    w.kv("secret_vars", chosen.secret_vars);
    w.key("workflow_id");
    if (t.workflow_id)
        w.num(*t.workflow_id);
    else
        w.null();
    w.kv("timeout_s", t.timeout_s);
    w.key("sources").start_object();
    for (const auto& f : form) w.kv(f.name, domain::to_string(f.source));
    w.end_object();
    w.end_object();
    return w.take();
}

std::string build_snapshot(domain::CatalogReader& catalog, const domain::Template& t,
                           const json::Value& variables) {
    auto vars = load_variables(catalog);
    auto form = domain::form_fields(t, lookup_in(vars));
    auto chosen = unwrap(domain::choose_values(form, submitted_from(variables)));
    return snapshot_json(t, form, chosen);
}

std::map<std::string, std::vector<std::string>> string_lists(const json::Value& obj) {
    std::map<std::string, std::vector<std::string>> out;
    if (!obj.IsObject()) return out;
    for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
        auto& list = out[std::string(m->name.GetString(), m->name.GetStringLength())];
        if (m->value.IsArray())
            for (const auto& x : m->value.GetArray())
                if (x.IsString()) list.emplace_back(x.GetString(), x.GetStringLength());
    }
    return out;
}

const json::Value& member(const json::Value& obj, const char* name) {
    static const json::Value null_value;
    auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? null_value : it->value;
}

// Long on purpose: every check of a stored snapshot against today's catalog, in the order the
// execution refuses with, sharing the parsed snapshot and the variables read once.
std::vector<std::string> revalidate(domain::CatalogReader& catalog, const std::string& secret_key,
                                    const std::string& snapshot_text,
                                    std::vector<std::string>* secrets_out) {
    json::Document snap;
    snap.Parse(snapshot_text.data(), snapshot_text.size());
    if (snap.HasParseError() || !snap.IsObject())
        fail(Error::Internal("a ticket's template snapshot is not valid JSON")
                 .with(codes::internal));
    const std::string env = json::get_string(snap, "environment").value_or("");
    const auto argv = json::get_strings(snap, "argv").value_or(std::vector<std::string>{});
    auto values = string_lists(member(snap, "values"));
    const auto kept_options = string_lists(member(snap, "options"));
    const auto secret_vars =
        json::get_strings(snap, "secret_vars").value_or(std::vector<std::string>{});
    const auto& sources = member(snap, "sources");
    auto is_secret = [&](const std::string& name) {
        return std::find(secret_vars.begin(), secret_vars.end(), name) != secret_vars.end();
    };

    for (const auto& [name, chosen] : values) {
        const std::string field = "variables." + name;
        std::optional<std::string> source;
        if (sources.IsObject()) source = json::get_string(sources, name.c_str());
        std::vector<std::string> allowed;
        std::optional<domain::Variable> var;
        if (source != "choices") var = catalog.find_variable(name);
        if (source == "choices" || (!source && !var)) {
            // The template's own list, kept with the ticket: template edits do not change it.
            if (auto it = kept_options.find(name); it != kept_options.end()) allowed = it->second;
        } else {
            if (!var)
                fail(Error::UnprocessableField(field,
                                               "the variable \"" + name + "\" no longer exists",
                                               codes::variable_unknown, {{"name", name}}));
            auto list = domain::current_options(*var);
            if (!list)
                fail(Error::UnprocessableField(field,
                                               "the options of \"" + name +
                                                   "\" are not available; open its options "
                                                   "(GET /api/v1/variables/" +
                                                   name + "/options) and try again",
                                               codes::variable_options_unavailable,
                                               {{"name", name}}));
            allowed = domain::option_values(*list);
        }
        std::set<std::string> allowed_set(allowed.begin(), allowed.end());
        for (const auto& v : chosen)
            if (!allowed_set.count(v))
                fail(Error::UnprocessableField(
                    field,
                    (is_secret(name) ? std::string("a value") : "\"" + v + "\"") +
                        " is no longer one of the options of \"" + name + "\"",
                    codes::variable_not_an_option,
                    {{"name", name}, {"value", is_secret(name) ? std::string("***") : v}}));
    }

    std::map<std::string, std::vector<std::string>> all = values;
    auto internal =
        member(snap, "internal_vars").IsObject() ? &member(snap, "internal_vars") : nullptr;
    if (internal)
        for (auto m = internal->MemberBegin(); m != internal->MemberEnd(); ++m)
            if (m->value.IsString())
                all[m->name.GetString()] = {
                    std::string(m->value.GetString(), m->value.GetStringLength())};
    auto lookup = [&](const std::string& key) {
        return config_value(catalog, secret_key, env, key);
    };
    auto out = unwrap(domain::substitute(argv, all, lookup));
    if (secrets_out) {
        for (auto& s : secret_config_values(catalog, secret_key, env))
            secrets_out->push_back(std::move(s));
        for (const auto& name : secret_vars) {
            auto it = values.find(name);
            if (it == values.end()) continue;
            std::string joined;
            for (size_t i = 0; i < it->second.size(); ++i) {
                if (i) joined.push_back(',');
                joined += it->second[i];
                if (!it->second[i].empty()) secrets_out->push_back(it->second[i]);
            }
            if (it->second.size() > 1) secrets_out->push_back(joined);
        }
    }
    return out;
}

template <typename F>
auto as_result(F&& fn) -> Result<decltype(fn())> {
    try {
        return fn();
    } catch (const ErrorException& e) {
        return e.error;
    }
}

}  // namespace

VariableMap load_variables(domain::CatalogReader& catalog) {
    VariableMap out;
    for (auto& v : catalog.variables()) {
        std::string name = v.name;
        out.emplace(std::move(name), std::move(v));
    }
    return out;
}

domain::VariableLookup lookup_in(const VariableMap& vars) {
    return [&vars](const std::string& name) -> const domain::Variable* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : &it->second;
    };
}

bool may_submit(const domain::Template& t, const Submitter& who) {
    return domain::may_submit(t, who.roles, who.admin, who.ticket_submit);
}

domain::Template load_template(domain::CatalogReader& catalog, int64_t id) {
    auto t = catalog.find_template(id);
    if (!t)
        fail(Error::NotFound("no template with id " + std::to_string(id))
                 .with(codes::template_not_found, {{"id", id}}));
    return *t;
}

Result<std::string> snapshot_template_submission(domain::CatalogReader& catalog,
                                                 int64_t template_id, const json::Value& variables,
                                                 const Submitter& submitter) {
    return as_result([&] {
        auto t = load_template(catalog, template_id);
        if (!t.active)
            fail(Error::Unprocessable("the template \"" + t.name +
                                      "\" is not active; it cannot be submitted")
                     .with(codes::template_inactive, {{"name", t.name}}));
        if (!may_submit(t, submitter))
            fail(Error::Forbidden("you may not submit the template \"" + t.name + "\"")
                     .with(codes::template_submit_denied, {{"name", t.name}}));
        return build_snapshot(catalog, t, variables);
    });
}

Result<std::vector<std::string>> revalidate_snapshot(domain::CatalogReader& catalog,
                                                     const std::string& secret_key,
                                                     const std::string& snapshot_json,
                                                     std::vector<std::string>* secrets_out) {
    return as_result([&] { return revalidate(catalog, secret_key, snapshot_json, secrets_out); });
}

TemplatePreview preview_template(domain::CatalogReader& catalog, const std::string& secret_key,
                                 int64_t template_id, const json::Value& variables,
                                 const Submitter* submitter) {
    const std::string snapshot =
        submitter
            ? unwrap(snapshot_template_submission(catalog, template_id, variables, *submitter))
            : build_snapshot(catalog, load_template(catalog, template_id), variables);
    TemplatePreview out;
    out.argv = revalidate(catalog, secret_key, snapshot, &out.secrets);
    json::Document snap;
    snap.Parse(snapshot.data(), snapshot.size());
    out.secret_vars = json::get_strings(snap, "secret_vars").value_or(std::vector<std::string>{});
    out.values = string_lists(member(snap, "values"));
    out.environment = json::get_string(snap, "environment");
    return out;
}

}  // namespace orderly::app
