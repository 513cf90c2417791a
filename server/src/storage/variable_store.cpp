// Variables, with the cached lists of script-fed ones.
#include "core/codes.h"
#include "storage/catalog_columns.h"
#include "storage/catalog_store.h"

namespace orderly::storage {

namespace {

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

}  // namespace

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
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13) "
        "ON CONFLICT DO NOTHING");
    s.bind(1, v.name).bind(2, v.label).bind(3, v.description).bind(4, v.multiple);
    s.bind(5, v.secret).bind(6, domain::to_string(v.source)).bind(7, options_json(v.options));
    s.bind(8, v.command).bind(9, strings_json(v.argv)).bind(10, v.timeout_s).bind(11, v.cache_s);
    s.bind(12, now).bind(13, v.hosts).exec();
    if (c.changes() == 0)
        return Error::Conflict("a variable named \"" + v.name + "\" already exists")
            .with(codes::variable_name_exists, {{"name", v.name}});
    return {};
}

void update_variable(Connection& c, const domain::Variable& v, bool clear_cache, TimeMs now) {
    auto s = c.prepare(
        "UPDATE variables SET label = ?2, description = ?3, multiple = ?4, secret = ?5, "
        "source = ?6, options_json = ?7, command = ?8, argv_json = ?9, timeout_s = ?10, "
        "cache_s = ?11, updated_at = ?12, version = version + 1, hosts = ?14, "
        "cache_json = CASE WHEN CAST(?13 AS BIGINT) = 1 THEN NULL ELSE cache_json END, "
        "cache_at = CASE WHEN CAST(?13 AS BIGINT) = 1 THEN NULL ELSE cache_at END, "
        "last_error = CASE WHEN CAST(?13 AS BIGINT) = 1 THEN NULL ELSE last_error END, "
        "last_error_code = CASE WHEN CAST(?13 AS BIGINT) = 1 THEN NULL ELSE last_error_code END, "
        "last_error_params = CASE WHEN CAST(?13 AS BIGINT) = 1 THEN NULL ELSE last_error_params "
        "END, "
        "last_error_at = CASE WHEN CAST(?13 AS BIGINT) = 1 THEN NULL ELSE last_error_at END WHERE "
        "name = ?1");
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

}  // namespace orderly::storage
