// Task templates.
#include "core/codes.h"
#include "domain/catalog_json.h"
#include "storage/catalog_columns.h"
#include "storage/catalog_store.h"

namespace orderly::storage {

namespace {

std::string internal_vars_json(const std::map<std::string, std::string>& vars) {
    json::Writer w;
    w.start_object();
    for (const auto& [k, v] : vars) w.kv(k, v);
    w.end_object();
    return w.take();
}

std::string template_variables_json(const std::vector<domain::TemplateVariable>& vars) {
    json::Writer w;
    domain::write_template_variables(w, vars);
    return w.take();
}

std::string choices_json(const std::map<std::string, std::vector<domain::Option>>& choices) {
    json::Writer w;
    domain::write_choices(w, choices);
    return w.take();
}

constexpr const char* kTemplateCols =
    "id, name, environment, purpose, description, command, argv_json, internal_vars_json, "
    "variables_json, choices_json, workflow_id, submit_roles_json, timeout_s, active, version, "
    "created_at, updated_at, window_required";

domain::Template read_template(Stmt& s) {
    domain::Template t;
    t.id = s.int64(0);
    t.name = s.text(1);
    t.environment = s.text(2);
    t.purpose = s.text(3);
    t.description = s.text(4);
    t.command = s.text(5);
    t.argv = strings_from(parse_column(s.text(6), "template argv"));
    auto internal = parse_column(s.text(7), "internal variables");
    if (internal.IsObject())
        for (auto m = internal.MemberBegin(); m != internal.MemberEnd(); ++m)
            if (m->value.IsString())
                t.internal_vars[m->name.GetString()] =
                    std::string(m->value.GetString(), m->value.GetStringLength());
    auto vars = parse_column(s.text(8), "template variables");
    if (vars.IsArray())
        for (const auto& v : vars.GetArray()) {
            domain::TemplateVariable tv;
            tv.name = json::get_string(v, "name").value_or("");
            tv.required = json::get_bool(v, "required").value_or(false);
            if (auto d = v.FindMember("default"); d != v.MemberEnd() && d->value.IsArray())
                tv.default_values = strings_from(d->value);
            tv.multiple = json::get_bool(v, "multiple");
            tv.label = json::get_string(v, "label").value_or("");
            t.variables.push_back(std::move(tv));
        }
    auto choices = parse_column(s.text(9), "template choices");
    if (choices.IsObject())
        for (auto m = choices.MemberBegin(); m != choices.MemberEnd(); ++m)
            t.choices[m->name.GetString()] = options_from(m->value);
    t.workflow_id = s.opt_int64(10);
    t.submit_roles = strings_from(parse_column(s.text(11), "submit roles"));
    t.timeout_s = s.int64(12);
    t.active = s.integer(13) != 0;
    t.version = s.int64(14);
    t.created_at = s.int64(15);
    t.updated_at = s.int64(16);
    t.window_required = s.integer(17) != 0;
    return t;
}

void write_template_variables(Connection& c, int64_t id, const std::set<std::string>& registered) {
    auto del = c.prepare("DELETE FROM template_variables WHERE template_id = ?1");
    del.bind(1, id).exec();
    for (const auto& name : registered) {
        auto ins = c.prepare(
            "INSERT INTO template_variables (template_id, variable_name) VALUES (?1, ?2)");
        ins.bind(1, id).bind(2, name).exec();
    }
}

// Binds the template's 14 columns, name to active and window_required, from parameter `first` on.
void bind_template(Stmt& s, const domain::Template& t, int first) {
    const int n = first - 1;
    s.bind(n + 1, t.name).bind(n + 2, t.environment).bind(n + 3, t.purpose);
    s.bind(n + 4, t.description).bind(n + 5, t.command).bind(n + 6, strings_json(t.argv));
    s.bind(n + 7, internal_vars_json(t.internal_vars));
    s.bind(n + 8, template_variables_json(t.variables)).bind(n + 9, choices_json(t.choices));
    s.bind(n + 10, t.workflow_id).bind(n + 11, strings_json(t.submit_roles));
    s.bind(n + 12, t.timeout_s).bind(n + 13, t.active).bind(n + 14, t.window_required);
}
Error duplicate_template(const domain::Template& t) {
    return Error::Conflict("the environment \"" + t.environment +
                           "\" already has a template named \"" + t.name + "\"")
        .with(codes::template_name_exists, {{"environment", t.environment}, {"name", t.name}});
}
}  // namespace

std::vector<domain::Template> list_templates(Connection& c, const TemplateFilter& f) {
    auto s = c.prepare(
        std::string("SELECT ") + kTemplateCols +
        " FROM templates WHERE id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR environment = ?2) "
        "AND (CAST(?3 AS TEXT) IS NULL OR purpose = ?3) "
        "AND (CAST(?4 AS BIGINT) IS NULL OR active = ?4) "
        "AND (CAST(?5 AS TEXT) IS NULL OR lower(name) LIKE lower(?5) ESCAPE '\\') "
        "ORDER BY id LIMIT ?6");
    s.bind(1, f.after_id).bind(2, f.environment).bind(3, f.purpose);
    if (f.active)
        s.bind(4, *f.active);
    else
        s.bind_null(4);
    if (f.q && !f.q->empty())
        s.bind(5, like_anywhere(*f.q));
    else
        s.bind_null(5);
    s.bind(6, f.limit);
    std::vector<domain::Template> out;
    while (s.step()) out.push_back(read_template(s));
    return out;
}

std::optional<domain::Template> find_template(Connection& c, int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + kTemplateCols + " FROM templates WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_template(s);
}

Result<int64_t> insert_template(Connection& c, const domain::Template& t,
                                const std::set<std::string>& registered, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO templates (name, environment, purpose, description, command, argv_json, "
        "internal_vars_json, variables_json, choices_json, workflow_id, submit_roles_json, "
        "timeout_s, active, window_required, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15) "
        "ON CONFLICT DO NOTHING RETURNING id");
    bind_template(s, t, 1);
    s.bind(15, now);
    const auto id = returned_id(std::move(s));
    if (!id) return duplicate_template(t);
    write_template_variables(c, *id, registered);
    return *id;
}

Result<void> update_template(Connection& c, const domain::Template& t,
                             const std::set<std::string>& registered, TimeMs now) {
    auto s = c.prepare(
        "UPDATE templates SET name = ?2, environment = ?3, purpose = ?4, description = ?5, "
        "command = ?6, argv_json = ?7, internal_vars_json = ?8, variables_json = ?9, "
        "choices_json = ?10, workflow_id = ?11, submit_roles_json = ?12, timeout_s = ?13, "
        "active = ?14, window_required = ?15, updated_at = ?16, version = version + 1 "
        "WHERE id = ?1");
    s.bind(1, t.id);
    bind_template(s, t, 2);
    s.bind(16, now);
    auto rc = s.exec_checked();
    if (is_unique_violation(rc)) return duplicate_template(t);
    if (rc != ExecResult::ok) throw DbError(rc, "update template");
    write_template_variables(c, t.id, registered);
    return {};
}

Result<void> delete_template(Connection& c, int64_t id) {
    auto s = c.prepare("DELETE FROM templates WHERE id = ?1");
    s.bind(1, id);
    auto rc = s.exec_checked();
    if (is_foreign_key_violation(rc))
        return Error::Conflict(
                   "template " + std::to_string(id) +
                   " is referred to by tickets or services; deactivate it (active: false) instead")
            .with(codes::template_in_use, {{"id", id}});
    if (rc != ExecResult::ok) throw DbError(rc, "delete template");
    return {};
}

}  // namespace orderly::storage
