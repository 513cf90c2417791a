#include "domain/catalog_json.h"

#include "domain/workflow_json.h"

namespace orderly::domain {

namespace {

// Audit records carry option lists only while they are this small; larger ones are counted.
constexpr size_t kMaxAuditedOptionBytes = 16 * 1024;

void write_strings_or_null(json::Writer& w, const std::optional<std::vector<std::string>>& v) {
    if (v)
        w.strings(*v);
    else
        w.null();
}

void write_opt_id(json::Writer& w, const std::optional<int64_t>& id) {
    if (id)
        w.num(*id);
    else
        w.null();
}

}  // namespace

void write_options(json::Writer& w, const std::vector<Option>& options) {
    w.start_array();
    for (const auto& o : options)
        w.start_object().kv("value", o.value).kv("label", o.label).end_object();
    w.end_array();
}

void write_template_variables(json::Writer& w, const std::vector<TemplateVariable>& vars) {
    w.start_array();
    for (const auto& v : vars) {
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
}

void write_choices(json::Writer& w, const std::map<std::string, std::vector<Option>>& choices) {
    w.start_object();
    for (const auto& [k, opts] : choices) {
        w.key(k);
        write_options(w, opts);
    }
    w.end_object();
}

void write_category(json::Writer& w, const Category& c, CategoryKind kind) {
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

std::string category_json(const Category& c, CategoryKind kind) {
    json::Writer w;
    write_category(w, c, kind);
    return w.take();
}

void write_config_entry(json::Writer& w, const ConfigEntry& e, bool clear) {
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

std::string config_entry_json(const ConfigEntry& e, bool clear) {
    json::Writer w;
    write_config_entry(w, e, clear);
    return w.take();
}

void write_template_members(json::Writer& w, const Template& t, bool internal) {
    w.kv("id", t.id)
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
    w.key("variables");
    write_template_variables(w, t.variables);
    w.key("choices");
    write_choices(w, t.choices);
    w.key("workflow_id");
    write_opt_id(w, t.workflow_id);
    w.kv("submit_roles", t.submit_roles)
        .kv("timeout_s", t.timeout_s)
        .kv("active", t.active)
        .kv("window_required", t.window_required)
        .kv("version", t.version);
    w.key("created_at").time(t.created_at);
    w.key("updated_at").time(t.updated_at);
}

std::string template_audit_json(const Template& t) {
    json::Writer w;
    w.start_object();
    write_template_members(w, t, true);
    w.end_object();
    return w.take();
}

std::string variable_audit_json(const Variable& v) {
    json::Writer w;
    w.start_object()
        .kv("name", v.name)
        .kv("label", v.label)
        .kv("description", v.description)
        .kv("multiple", v.multiple)
        .kv("secret", v.secret)
        .kv("hosts", v.hosts)
        .kv("source", to_string(v.source))
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

void write_catalog_dir(json::Writer& w, const CatalogDir& d) {
    w.start_object().kv("id", d.id).kv("name", d.name).key("parent_id");
    write_opt_id(w, d.parent_id);
    w.kv("version", d.version);
    w.key("created_at").time(d.created_at);
    w.key("updated_at").time(d.updated_at);
    w.end_object();
}

std::string catalog_dir_json(const CatalogDir& d) {
    json::Writer w;
    write_catalog_dir(w, d);
    return w.take();
}

void write_service(json::Writer& w, const Service& s, const WorkflowDef& def) {
    w.start_object().kv("id", s.id).kv("name", s.name).key("catalog_id");
    write_opt_id(w, s.catalog_id);
    w.kv("workflow_version_id", s.workflow_version_id)
        .kv("workflow_id", s.workflow_id)
        .kv("workflow_version", s.workflow_version)
        .kv("workflow_name", s.workflow_name)
        .kv("workflow_type", s.workflow_type)
        .key("template_id");
    write_opt_id(w, s.template_id);
    w.kv("description", s.description).kv("business_required", def.business_required);
    w.kv("window_required", s.window_required);
    w.key("fields");
    const Node* start = def.start();
    write_field_defs(w, start ? start->fields : std::vector<FieldDef>{});
    w.kv("version", s.version);
    w.key("created_at").time(s.created_at);
    w.key("updated_at").time(s.updated_at);
    w.end_object();
}

std::string service_json(const Service& s, const WorkflowDef& def) {
    json::Writer w;
    write_service(w, s, def);
    return w.take();
}

}  // namespace orderly::domain
