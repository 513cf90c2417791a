// Task templates: what an admin writes, checked against the catalog before it is saved.
#include <algorithm>

#include "app/catalog.h"
#include "app/option_json.h"
#include "app/paging.h"
#include "app/version_check.h"
#include "core/codes.h"
#include "domain/catalog_json.h"
#include "storage/accounts_store.h"
#include "storage/catalog_ports.h"
#include "storage/catalog_store.h"
#include "storage/database.h"

namespace orderly::app {

using domain::CategoryKind;

namespace {

std::vector<std::string> unique_strings(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// A variable's "default": a string or an array of strings (400 naming `field` otherwise).
std::vector<std::string> default_values(const json::Value& d, const std::string& field) {
    if (d.IsString()) return {std::string(d.GetString(), d.GetStringLength())};
    if (!d.IsArray())
        fail(Error::Field(field, "must be a string or an array of strings",
                          codes::field_string_list));
    std::vector<std::string> values;
    for (const auto& x : d.GetArray()) {
        if (!x.IsString())
            fail(Error::Field(field, "must be a string or an array of strings",
                              codes::field_string_list));
        values.emplace_back(x.GetString(), x.GetStringLength());
    }
    return values;
}

std::vector<domain::TemplateVariable> template_variables(const json::Value& list) {
    std::vector<domain::TemplateVariable> out;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
        const auto& item = list[i];
        domain::TemplateVariable tv;
        tv.name = json::get_string(item, "name").value_or("");
        tv.required = json::get_bool(item, "required").value_or(false);
        tv.multiple = json::get_bool(item, "multiple");
        tv.label = json::get_string(item, "label").value_or("");
        if (auto d = item.FindMember("default"); d != item.MemberEnd() && !d->value.IsNull())
            tv.default_values =
                default_values(d->value, "variables[" + std::to_string(i) + "].default");
        out.push_back(std::move(tv));
    }
    return out;
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
    if (auto it = body.FindMember("variables"); it != body.MemberEnd() && it->value.IsArray())
        t.variables = template_variables(it->value);
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
    if (auto v = json::get_bool(body, "window_required")) t.window_required = *v;
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

TemplatePage Catalog::templates(const Caller& who, const Submitter& submitter,
                                domain::TemplateFilter filter, int64_t after, int limit,
                                bool submittable) {
    // The submit page: people who do not manage the catalog see active templates only.
    if (!who.can("catalog.manage")) filter.active = true;
    return db_.read([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        TemplatePage page;
        page.variables = load_variables(catalog);
        // "submittable" is decided here, not in SQL: rows are fetched until the page is full.
        page.items = fetch_kept<domain::Template>(
            limit,
            [&](const domain::Template* last, size_t n) {
                filter.after_id = last ? last->id : after;
                filter.limit = static_cast<int>(n);
                return storage::list_templates(c, filter);
            },
            [&](const domain::Template& t) {
                return !submittable || (t.active && may_submit(t, submitter));
            });
        return page;
    });
}

TemplateView Catalog::get_template(int64_t id) {
    return db_.read([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        auto t = load_template(catalog, id);
        return TemplateView{std::move(t), load_variables(catalog)};
    });
}

TemplateView Catalog::create_template(const Caller& who, const json::Value& body) {
    domain::Template t;
    apply_template_body(t, body);
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        auto vars = load_variables(catalog);
        auto registered = validate_template(c, t, vars);
        int64_t id = unwrap(storage::insert_template(c, t, registered, now));
        auto created = load_template(catalog, id);
        audit(c, who, now, "template.create", "template", std::to_string(id),
              "created template " + created.name, std::nullopt,
              domain::template_audit_json(created));
        return TemplateView{std::move(created), std::move(vars)};
    });
}

TemplateView Catalog::update_template(const Caller& who, int64_t id,
                                      const std::optional<std::string>& if_match,
                                      const json::Value& body) {
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        auto t = load_template(catalog, id);
        check_version(if_match, t.version, "template " + std::to_string(id));
        auto before = domain::template_audit_json(t);
        apply_template_body(t, body);
        auto vars = load_variables(catalog);
        auto registered = validate_template(c, t, vars);
        unwrap(storage::update_template(c, t, registered, now));
        auto after = load_template(catalog, id);
        audit(c, who, now, "template.update", "template", std::to_string(id),
              "updated template " + after.name, before, domain::template_audit_json(after));
        return TemplateView{std::move(after), std::move(vars)};
    });
}

void Catalog::delete_template(const Caller& who, int64_t id,
                              const std::optional<std::string>& if_match) {
    TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        auto t = load_template(catalog, id);
        check_version(if_match, t.version, "template " + std::to_string(id));
        unwrap(storage::delete_template(c, id));
        audit(c, who, now, "template.delete", "template", std::to_string(id),
              "deleted template " + t.name, domain::template_audit_json(t));
    });
}

TemplatePreviewView Catalog::preview_template(const Caller& who, const Submitter& submitter,
                                              int64_t id, const json::Value& variables) {
    const bool manages = who.can("catalog.manage");
    return db_.read([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        TemplatePreviewView out;
        out.preview = app::preview_template(catalog, secret_key_, id, variables,
                                            manages ? nullptr : &submitter);
        const auto& p = out.preview;
        out.run = run_preview(c, p.environment, p.argv, p.secrets, p.values);
        return out;
    });
}

}  // namespace orderly::app
