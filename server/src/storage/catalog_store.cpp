#include "storage/catalog_store.h"

#include "core/codes.h"
#include "core/json.h"  // JSON columns (argv, option lists, template parts) only
#include "integrations/crypto.h"

namespace orderly::storage {

namespace {

// ---- JSON columns. What is stored here was written by this file, so a malformed column is a
// bug (or tampering), reported as an exception rather than silently dropped.

json::Document parse_column(const std::string& text, const char* what) {
    json::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError()) throw std::runtime_error(std::string("malformed stored ") + what);
    return d;
}

std::string strings_json(const std::vector<std::string>& v) {
    json::Writer w;
    w.strings(v);
    return w.take();
}

std::vector<std::string> strings_from(const json::Value& v) {
    std::vector<std::string> out;
    if (!v.IsArray()) return out;
    for (const auto& s : v.GetArray())
        if (s.IsString()) out.emplace_back(s.GetString(), s.GetStringLength());
    return out;
}

void write_options(json::Writer& w, const std::vector<domain::Option>& opts) {
    w.start_array();
    for (const auto& o : opts)
        w.start_object().kv("value", o.value).kv("label", o.label).end_object();
    w.end_array();
}

std::string options_json(const std::vector<domain::Option>& opts) {
    json::Writer w;
    write_options(w, opts);
    return w.take();
}

std::vector<domain::Option> options_from(const json::Value& v) {
    std::vector<domain::Option> out;
    if (!v.IsArray()) return out;
    for (const auto& o : v.GetArray()) {
        auto value = json::get_string(o, "value");
        if (!value) continue;
        out.push_back({*value, json::get_string(o, "label").value_or(*value)});
    }
    return out;
}

std::string internal_vars_json(const std::map<std::string, std::string>& vars) {
    json::Writer w;
    w.start_object();
    for (const auto& [k, v] : vars) w.kv(k, v);
    w.end_object();
    return w.take();
}

std::string template_variables_json(const std::vector<domain::TemplateVariable>& vars) {
    json::Writer w;
    w.start_array();
    for (const auto& v : vars) {
        w.start_object().kv("name", v.name).kv("required", v.required);
        w.key("default");
        if (v.default_values)
            w.strings(*v.default_values);
        else
            w.null();
        w.key("multiple");
        if (v.multiple)
            w.boolean(*v.multiple);
        else
            w.null();
        w.kv("label", v.label).end_object();
    }
    w.end_array();
    return w.take();
}

std::string choices_json(const std::map<std::string, std::vector<domain::Option>>& choices) {
    json::Writer w;
    w.start_object();
    for (const auto& [k, opts] : choices) {
        w.key(k);
        write_options(w, opts);
    }
    w.end_object();
    return w.take();
}

const char* table(CategoryKind k) {
    return k == CategoryKind::environment ? "environments" : "purposes";
}

// The columns of a category, read by category_row.
std::string category_cols(CategoryKind k) {
    return std::string("key, name, description, sort_order, version, created_at, updated_at, ") +
           (k == CategoryKind::environment ? "protected" : "0");
}

domain::Category category_row(Stmt& s) {
    domain::Category cat{s.text(0),  s.text(1),  s.text(2), s.int64(3),
                         s.int64(4), s.int64(5), s.int64(6)};
    cat.protected_env = s.int64(7) != 0;
    return cat;
}

// ---- config values at rest

struct StoredValue {
    std::optional<std::string> clear;   // non-secret
    std::optional<std::string> sealed;  // secret, encrypted
};

StoredValue seal(const std::string& secret_key, const std::string& value, bool secret) {
    if (secret) return {std::nullopt, crypto::encrypt(secret_key, value)};
    return {value, std::nullopt};
}

void bind_value(Stmt& s, int clear_col, int sealed_col, const StoredValue& v) {
    s.bind(clear_col, v.clear);
    if (v.sealed)
        s.bind_blob(sealed_col, v.sealed->data(), v.sealed->size());
    else
        s.bind_null(sealed_col);
}

// A value read back: the clear column, or the sealed one decrypted. A secret that no longer
// decrypts (the key file was replaced) is an error for the operator, never a silent "".
std::optional<std::string> unseal(const std::string& secret_key, Stmt& s, int clear_col,
                                  int sealed_col) {
    if (!s.is_null(clear_col)) return s.text(clear_col);
    if (s.is_null(sealed_col)) return std::nullopt;
    auto v = crypto::decrypt(secret_key, s.blob(sealed_col));
    if (!v)
        throw std::runtime_error(
            "a secret config value cannot be decrypted: the secret key file is not the one it "
            "was encrypted with");
    return v;
}

constexpr const char* kConfigCols =
    "env, key, value, value_enc, secret, description, revision, version, created_at, "
    "updated_at, updated_by";

domain::ConfigEntry read_config(const std::string& secret_key, Stmt& s) {
    domain::ConfigEntry e;
    e.env = s.text(0);
    e.key = s.text(1);
    e.value = unseal(secret_key, s, 2, 3).value_or("");
    e.secret = s.integer(4) != 0;
    e.description = s.text(5);
    e.revision = s.int64(6);
    e.version = s.int64(7);
    e.created_at = s.int64(8);
    e.updated_at = s.int64(9);
    e.updated_by = s.opt_text(10);
    return e;
}

constexpr const char* kRevisionCols =
    "revision, action, value, value_enc, secret, description, rollback_of, actor, at";

domain::ConfigRevision read_revision(const std::string& secret_key, Stmt& s) {
    domain::ConfigRevision r;
    r.revision = s.int64(0);
    r.action = s.text(1);
    r.value = unseal(secret_key, s, 2, 3);
    r.secret = s.integer(4) != 0;
    r.description = s.text(5);
    r.rollback_of = s.opt_int64(6);
    r.actor = s.opt_text(7);
    r.at = s.int64(8);
    return r;
}

int64_t next_revision(Connection& c, const std::string& env, const std::string& key) {
    auto s = c.prepare(
        "SELECT coalesce(max(revision), 0) + 1 FROM config_revisions WHERE env = ?1 AND key = ?2");
    s.bind(1, env).bind(2, key);
    s.step();
    return s.int64(0);
}

// ---- variables

constexpr const char* kVariableCols =
    "name, label, description, multiple, secret, source, options_json, command, argv_json, "
    "timeout_s, cache_s, cache_json, cache_at, last_error, last_error_at, version, created_at, "
    "updated_at, last_error_code, last_error_params, hosts";

domain::Variable read_variable(Stmt& s) {
    domain::Variable v;
    v.name = s.text(0);
    v.label = s.text(1);
    v.description = s.text(2);
    v.multiple = s.integer(3) != 0;
    v.secret = s.integer(4) != 0;
    v.source = s.text(5) == "script" ? domain::VariableSource::script
                                     : domain::VariableSource::static_list;
    v.options = options_from(parse_column(s.text(6), "variable options"));
    v.command = s.text(7);
    v.argv = strings_from(parse_column(s.text(8), "variable argv"));
    v.timeout_s = s.int64(9);
    v.cache_s = s.int64(10);
    if (auto cache = s.opt_text(11)) v.cached = options_from(parse_column(*cache, "cache"));
    v.cached_at = s.opt_int64(12);
    v.last_error = s.opt_text(13);
    v.last_error_at = s.opt_int64(14);
    v.version = s.int64(15);
    v.created_at = s.int64(16);
    v.updated_at = s.int64(17);
    v.last_error_code = s.opt_text(18).value_or("");
    v.last_error_params = s.opt_text(19).value_or("{}");
    v.hosts = s.integer(20) != 0;
    return v;
}

// ---- templates

constexpr const char* kTemplateCols =
    "id, name, environment, purpose, description, command, argv_json, internal_vars_json, "
    "variables_json, choices_json, workflow_id, submit_roles_json, timeout_s, active, version, "
    "created_at, updated_at";

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

std::string like_escape(const std::string& q) {
    std::string out;
    for (char ch : q) {
        if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
        out.push_back(ch);
    }
    return "%" + out + "%";
}

}  // namespace

// ---- environments and purposes

std::vector<domain::Category> list_categories(Connection& c, CategoryKind kind) {
    auto s = c.prepare("SELECT " + category_cols(kind) + " FROM " + table(kind) +
                       " ORDER BY sort_order, key");
    std::vector<domain::Category> out;
    while (s.step()) out.push_back(category_row(s));
    return out;
}

std::optional<domain::Category> find_category(Connection& c, CategoryKind kind,
                                              const std::string& key) {
    auto s =
        c.prepare("SELECT " + category_cols(kind) + " FROM " + table(kind) + " WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return category_row(s);
}

Result<void> insert_category(Connection& c, CategoryKind kind, const domain::Category& cat,
                             TimeMs now) {
    auto s = c.prepare(std::string("INSERT INTO ") + table(kind) +
                       " (key, name, description, sort_order, created_at, updated_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    s.bind(1, cat.key).bind(2, cat.name).bind(3, cat.description).bind(4, cat.sort_order);
    s.bind(5, now);
    auto rc = s.exec_checked();
    if (is_unique_violation(rc))
        return Error::Conflict(
                   std::string(kind == CategoryKind::environment ? "an environment" : "a purpose") +
                   " with the key \"" + cat.key + "\" already exists")
            .with(kind == CategoryKind::environment ? codes::environment_key_exists
                                                    : codes::purpose_key_exists,
                  {{"key", cat.key}});
    if (rc != ExecResult::ok) throw DbError(rc, "insert category");
    if (kind == CategoryKind::environment && cat.protected_env)
        c.prepare("UPDATE environments SET protected = 1 WHERE key = ?1").bind(1, cat.key).exec();
    return {};
}

void update_category(Connection& c, CategoryKind kind, const domain::Category& cat, TimeMs now) {
    auto s = c.prepare(std::string("UPDATE ") + table(kind) +
                       " SET name = ?2, description = ?3, sort_order = ?4, updated_at = ?5, "
                       "version = version + 1 WHERE key = ?1");
    s.bind(1, cat.key).bind(2, cat.name).bind(3, cat.description).bind(4, cat.sort_order);
    s.bind(5, now).exec();
    if (kind == CategoryKind::environment)
        c.prepare("UPDATE environments SET protected = ?2 WHERE key = ?1")
            .bind(1, cat.key)
            .bind(2, static_cast<int64_t>(cat.protected_env))
            .exec();
}

Result<void> delete_category(Connection& c, CategoryKind kind, const std::string& key) {
    auto s = c.prepare(std::string("DELETE FROM ") + table(kind) + " WHERE key = ?1");
    s.bind(1, key);
    auto rc = s.exec_checked();
    if (is_foreign_key_violation(rc))
        return Error::Conflict("\"" + key + "\" is still in use; remove what refers to it first")
            .with(codes::conflict, {{"key", key}});
    if (rc != ExecResult::ok) throw DbError(rc, "delete category");
    return {};
}

std::vector<TemplateRef> templates_in_category(Connection& c, CategoryKind kind,
                                               const std::string& key) {
    auto s = c.prepare(kind == CategoryKind::environment
                           ? "SELECT id, name FROM templates WHERE environment = ?1 ORDER BY id"
                           : "SELECT id, name FROM templates WHERE purpose = ?1 ORDER BY id");
    s.bind(1, key);
    std::vector<TemplateRef> out;
    while (s.step()) out.push_back({s.int64(0), s.text(1)});
    return out;
}

// ---- config center

std::vector<domain::ConfigEntry> list_config(Connection& c, const std::string& secret_key,
                                             const std::string& env) {
    auto s = c.prepare(std::string("SELECT ") + kConfigCols +
                       " FROM config_entries WHERE env = ?1 ORDER BY key");
    s.bind(1, env);
    std::vector<domain::ConfigEntry> out;
    while (s.step()) out.push_back(read_config(secret_key, s));
    return out;
}

std::optional<domain::ConfigEntry> find_config(Connection& c, const std::string& secret_key,
                                               const std::string& env, const std::string& key) {
    auto s = c.prepare(std::string("SELECT ") + kConfigCols +
                       " FROM config_entries WHERE env = ?1 AND key = ?2");
    s.bind(1, env).bind(2, key);
    if (!s.step()) return std::nullopt;
    return read_config(secret_key, s);
}

std::vector<std::string> config_keys(Connection& c, const std::string& env) {
    auto s = c.prepare("SELECT key FROM config_entries WHERE env = ?1 ORDER BY key");
    s.bind(1, env);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

int64_t put_config(Connection& c, const std::string& secret_key, const domain::ConfigEntry& e,
                   const std::string& action, std::optional<int64_t> rollback_of,
                   const std::optional<std::string>& actor, TimeMs now) {
    const int64_t rev = next_revision(c, e.env, e.key);
    // Sealed separately for the entry and the revision: each ciphertext has its own nonce.
    auto entry_value = seal(secret_key, e.value, e.secret);
    auto s = c.prepare(
        "INSERT INTO config_entries (env, key, value, value_enc, secret, description, revision, "
        "created_at, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) "
        "ON CONFLICT (env, key) DO UPDATE SET value = excluded.value, value_enc = "
        "excluded.value_enc, secret = excluded.secret, description = excluded.description, "
        "revision = excluded.revision, updated_at = excluded.updated_at, updated_by = "
        "excluded.updated_by, version = version + 1");
    s.bind(1, e.env).bind(2, e.key);
    bind_value(s, 3, 4, entry_value);
    s.bind(5, e.secret).bind(6, e.description).bind(7, rev).bind(8, now).bind(9, actor);
    s.exec();

    auto rev_value = seal(secret_key, e.value, e.secret);
    auto r = c.prepare(
        "INSERT INTO config_revisions (env, key, revision, action, value, value_enc, secret, "
        "description, rollback_of, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11)");
    r.bind(1, e.env).bind(2, e.key).bind(3, rev).bind(4, action);
    bind_value(r, 5, 6, rev_value);
    r.bind(7, e.secret).bind(8, e.description).bind(9, rollback_of).bind(10, actor).bind(11, now);
    r.exec();
    return rev;
}

int64_t delete_config(Connection& c, const std::string& env, const std::string& key,
                      const std::optional<std::string>& actor, TimeMs now) {
    const int64_t rev = next_revision(c, env, key);
    auto d = c.prepare("DELETE FROM config_entries WHERE env = ?1 AND key = ?2");
    d.bind(1, env).bind(2, key).exec();
    auto r = c.prepare(
        "INSERT INTO config_revisions (env, key, revision, action, secret, actor, at) "
        "VALUES (?1, ?2, ?3, 'delete', 0, ?4, ?5)");
    r.bind(1, env).bind(2, key).bind(3, rev).bind(4, actor).bind(5, now).exec();
    return rev;
}

std::vector<domain::ConfigRevision> list_config_revisions(Connection& c,
                                                          const std::string& secret_key,
                                                          const std::string& env,
                                                          const std::string& key,
                                                          int64_t before_revision, int limit) {
    auto s = c.prepare(std::string("SELECT ") + kRevisionCols +
                       " FROM config_revisions WHERE env = ?1 AND key = ?2 AND revision < ?3 "
                       "ORDER BY revision DESC LIMIT ?4");
    s.bind(1, env).bind(2, key);
    s.bind(3, before_revision > 0 ? before_revision : INT64_MAX).bind(4, limit);
    std::vector<domain::ConfigRevision> out;
    while (s.step()) out.push_back(read_revision(secret_key, s));
    return out;
}

std::optional<domain::ConfigRevision> find_config_revision(Connection& c,
                                                           const std::string& secret_key,
                                                           const std::string& env,
                                                           const std::string& key,
                                                           int64_t revision) {
    auto s = c.prepare(std::string("SELECT ") + kRevisionCols +
                       " FROM config_revisions WHERE env = ?1 AND key = ?2 AND revision = ?3");
    s.bind(1, env).bind(2, key).bind(3, revision);
    if (!s.step()) return std::nullopt;
    return read_revision(secret_key, s);
}

std::optional<domain::ConfigRevision> previous_config_revision(Connection& c,
                                                               const std::string& secret_key,
                                                               const std::string& env,
                                                               const std::string& key,
                                                               int64_t revision) {
    auto list = list_config_revisions(c, secret_key, env, key, revision, 1);
    if (list.empty()) return std::nullopt;
    return list.front();
}

std::optional<std::string> config_value(Connection& c, const std::string& secret_key,
                                        const std::string& env, const std::string& key) {
    auto s = c.prepare("SELECT value, value_enc FROM config_entries WHERE env = ?1 AND key = ?2");
    s.bind(1, env).bind(2, key);
    if (!s.step()) return std::nullopt;
    return unseal(secret_key, s, 0, 1);
}

std::vector<std::string> secret_config_values(Connection& c, const std::string& secret_key,
                                              const std::string& env) {
    auto s = c.prepare(
        "SELECT value, value_enc FROM config_entries WHERE env = ?1 AND secret = 1 ORDER BY key");
    s.bind(1, env);
    std::vector<std::string> out;
    while (s.step())
        if (auto v = unseal(secret_key, s, 0, 1); v && !v->empty()) out.push_back(*v);
    return out;
}

// ---- variables

std::vector<domain::Variable> list_variables(Connection& c) {
    auto s = c.prepare(std::string("SELECT ") + kVariableCols + " FROM variables ORDER BY name");
    std::vector<domain::Variable> out;
    while (s.step()) out.push_back(read_variable(s));
    return out;
}

std::optional<domain::Variable> find_variable(Connection& c, const std::string& name) {
    auto s = c.prepare(std::string("SELECT ") + kVariableCols + " FROM variables WHERE name = ?1");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return read_variable(s);
}

Result<void> insert_variable(Connection& c, const domain::Variable& v, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO variables (name, label, description, multiple, secret, source, options_json, "
        "command, argv_json, timeout_s, cache_s, created_at, updated_at, hosts) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)");
    s.bind(1, v.name).bind(2, v.label).bind(3, v.description).bind(4, v.multiple);
    s.bind(5, v.secret).bind(6, domain::to_string(v.source)).bind(7, options_json(v.options));
    s.bind(8, v.command).bind(9, strings_json(v.argv)).bind(10, v.timeout_s).bind(11, v.cache_s);
    s.bind(12, now).bind(13, v.hosts);
    auto rc = s.exec_checked();
    if (is_unique_violation(rc))
        return Error::Conflict("a variable named \"" + v.name + "\" already exists")
            .with(codes::variable_name_exists, {{"name", v.name}});
    if (rc != ExecResult::ok) throw DbError(rc, "insert variable");
    return {};
}

void update_variable(Connection& c, const domain::Variable& v, bool clear_cache, TimeMs now) {
    auto s = c.prepare(
        "UPDATE variables SET label = ?2, description = ?3, multiple = ?4, secret = ?5, "
        "source = ?6, options_json = ?7, command = ?8, argv_json = ?9, timeout_s = ?10, "
        "cache_s = ?11, updated_at = ?12, version = version + 1, hosts = ?14, "
        "cache_json = CASE WHEN ?13 THEN NULL ELSE cache_json END, "
        "cache_at = CASE WHEN ?13 THEN NULL ELSE cache_at END, "
        "last_error = CASE WHEN ?13 THEN NULL ELSE last_error END, "
        "last_error_code = CASE WHEN ?13 THEN NULL ELSE last_error_code END, "
        "last_error_params = CASE WHEN ?13 THEN NULL ELSE last_error_params END, "
        "last_error_at = CASE WHEN ?13 THEN NULL ELSE last_error_at END WHERE name = ?1");
    s.bind(1, v.name).bind(2, v.label).bind(3, v.description).bind(4, v.multiple);
    s.bind(5, v.secret).bind(6, domain::to_string(v.source)).bind(7, options_json(v.options));
    s.bind(8, v.command).bind(9, strings_json(v.argv)).bind(10, v.timeout_s).bind(11, v.cache_s);
    s.bind(12, now).bind(13, clear_cache).bind(14, v.hosts);
    s.exec();
}

void store_variable_cache(Connection& c, const std::string& name,
                          const std::vector<domain::Option>& options, TimeMs now) {
    auto s = c.prepare(
        "UPDATE variables SET cache_json = ?2, cache_at = ?3, last_error = NULL, "
        "last_error_code = NULL, last_error_params = NULL, last_error_at = NULL WHERE name = ?1");
    s.bind(1, name).bind(2, options_json(options)).bind(3, now).exec();
}

void store_variable_error(Connection& c, const std::string& name, const Problem& error,
                          TimeMs now) {
    auto s = c.prepare(
        "UPDATE variables SET last_error = ?2, last_error_code = ?4, last_error_params = ?5, "
        "last_error_at = ?3 WHERE name = ?1");
    s.bind(1, name).bind(2, error.text).bind(3, now).bind(4, error.code);
    s.bind(5, json::params_json(error.params)).exec();
}

void delete_variable(Connection& c, const std::string& name) {
    auto s = c.prepare("DELETE FROM variables WHERE name = ?1");
    s.bind(1, name).exec();
}

std::vector<TemplateRef> templates_using_variable(Connection& c, const std::string& name) {
    auto s = c.prepare(
        "SELECT t.id, t.name FROM template_variables tv JOIN templates t ON t.id = tv.template_id "
        "WHERE tv.variable_name = ?1 ORDER BY t.id");
    s.bind(1, name);
    std::vector<TemplateRef> out;
    while (s.step()) out.push_back({s.int64(0), s.text(1)});
    return out;
}

// ---- templates

std::vector<domain::Template> list_templates(Connection& c, const TemplateFilter& f) {
    auto s = c.prepare(std::string("SELECT ") + kTemplateCols +
                       " FROM templates WHERE id > ?1 AND (?2 IS NULL OR environment = ?2) "
                       "AND (?3 IS NULL OR purpose = ?3) AND (?4 IS NULL OR active = ?4) "
                       "AND (?5 IS NULL OR name LIKE ?5 ESCAPE '\\') ORDER BY id LIMIT ?6");
    s.bind(1, f.after_id).bind(2, f.environment).bind(3, f.purpose);
    if (f.active)
        s.bind(4, *f.active);
    else
        s.bind_null(4);
    if (f.q && !f.q->empty())
        s.bind(5, like_escape(*f.q));
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

namespace {
void bind_template(Stmt& s, const domain::Template& t) {
    s.bind(2, t.name).bind(3, t.environment).bind(4, t.purpose).bind(5, t.description);
    s.bind(6, t.command).bind(7, strings_json(t.argv)).bind(8, internal_vars_json(t.internal_vars));
    s.bind(9, template_variables_json(t.variables)).bind(10, choices_json(t.choices));
    s.bind(11, t.workflow_id).bind(12, strings_json(t.submit_roles)).bind(13, t.timeout_s);
    s.bind(14, t.active);
}
Error duplicate_template(const domain::Template& t) {
    return Error::Conflict("the environment \"" + t.environment +
                           "\" already has a template named \"" + t.name + "\"")
        .with(codes::template_name_exists, {{"environment", t.environment}, {"name", t.name}});
}
}  // namespace

Result<int64_t> insert_template(Connection& c, const domain::Template& t,
                                const std::set<std::string>& registered, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO templates (name, environment, purpose, description, command, argv_json, "
        "internal_vars_json, variables_json, choices_json, workflow_id, submit_roles_json, "
        "timeout_s, active, created_at, updated_at) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)");
    bind_template(s, t);
    s.bind(15, now);
    auto rc = s.exec_checked();
    if (is_unique_violation(rc)) return duplicate_template(t);
    if (rc != ExecResult::ok) throw DbError(rc, "insert template");
    int64_t id = c.last_insert_rowid();
    write_template_variables(c, id, registered);
    return id;
}

Result<void> update_template(Connection& c, const domain::Template& t,
                             const std::set<std::string>& registered, TimeMs now) {
    auto s = c.prepare(
        "UPDATE templates SET name = ?2, environment = ?3, purpose = ?4, description = ?5, "
        "command = ?6, argv_json = ?7, internal_vars_json = ?8, variables_json = ?9, "
        "choices_json = ?10, workflow_id = ?11, submit_roles_json = ?12, timeout_s = ?13, "
        "active = ?14, updated_at = ?15, version = version + 1 WHERE id = ?1");
    s.bind(1, t.id);
    bind_template(s, t);
    s.bind(15, now);
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
