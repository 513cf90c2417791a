#include "support/fake_catalog_ports.h"

#include "core/json.h"
#include "integrations/crypto.h"

namespace orderly::test {

int64_t FakeCatalog::add_template(domain::Template t) {
    auto lookup = [this](const std::string& name) -> const domain::Variable* {
        auto it = data.variables.find(name);
        return it == data.variables.end() ? nullptr : &it->second;
    };
    t.argv = unwrap(domain::check_template(t, lookup));
    t.id = data.next_template_id++;
    data.templates[t.id] = t;
    return t.id;
}

void FakeCatalog::add_variable(domain::Variable v) {
    std::string name = v.name;
    data.variables[name] = std::move(v);
}

void FakeCatalog::set_config(const std::string& env, const std::string& key,
                             const std::string& value) {
    data.config[{env, key}] = {value, std::nullopt};
}

void FakeCatalog::set_secret_config(const std::string& env, const std::string& key,
                                    const std::string& value, const std::string& secret_key) {
    data.config[{env, key}] = {std::nullopt, crypto::encrypt(secret_key, value)};
}

void FakeCatalog::remove_config(const std::string& env, const std::string& key) {
    data.config.erase({env, key});
}

std::optional<domain::Template> FakeCatalog::find_template(int64_t id) {
    auto it = data.templates.find(id);
    if (it == data.templates.end()) return std::nullopt;
    return it->second;
}

std::optional<domain::Variable> FakeCatalog::find_variable(const std::string& name) {
    auto it = data.variables.find(name);
    if (it == data.variables.end()) return std::nullopt;
    return it->second;
}

std::vector<domain::Variable> FakeCatalog::variables() {
    std::vector<domain::Variable> out;
    for (const auto& [name, v] : data.variables) out.push_back(v);
    return out;
}

std::optional<domain::StoredConfigValue> FakeCatalog::config_value(const std::string& env,
                                                                   const std::string& key) {
    auto it = data.config.find({env, key});
    if (it == data.config.end()) return std::nullopt;
    return it->second;
}

std::vector<domain::StoredConfigValue> FakeCatalog::secret_config_values(const std::string& env) {
    std::vector<domain::StoredConfigValue> out;
    for (const auto& [at, value] : data.config)
        if (at.first == env && value.sealed) out.push_back(value);
    return out;
}

void FakeCatalog::store_variable_cache(const std::string& name,
                                       const std::vector<domain::Option>& options, TimeMs now) {
    auto it = data.variables.find(name);
    if (it == data.variables.end()) return;  // as an UPDATE of no row
    auto& v = it->second;
    v.cached = options;
    v.cached_at = now;
    v.last_error.reset();
    v.last_error_code.clear();
    v.last_error_params = "{}";
    v.last_error_at.reset();
}

void FakeCatalog::store_variable_error(const std::string& name, const Problem& error, TimeMs now) {
    auto it = data.variables.find(name);
    if (it == data.variables.end()) return;
    auto& v = it->second;
    v.last_error = error.text;
    v.last_error_code = error.code;
    v.last_error_params = json::params_json(error.params);
    v.last_error_at = now;
}

void FakeCatalog::read(const std::function<void(domain::CatalogReader&)>& work) {
    ++reads;
    work(*this);
}

void FakeCatalog::write(const std::function<void(domain::VariableCacheWriter&)>& work) {
    ++writes;
    FakeCatalogData saved = data;
    try {
        work(*this);
    } catch (...) {
        data = std::move(saved);
        throw;
    }
}

}  // namespace orderly::test
