#pragma once
// In-memory fakes of the catalog ports (domain/catalog_ports.h), so that the template snapshot
// rules (app/template_snapshots.h) and the options runs of script-fed variables
// (app/variable_options.h) can be tested without a database.
//
// FakeCatalog::write() behaves like a transaction: when the work throws, every change it made is
// undone.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/catalog_ports.h"

namespace orderly::test {

// Everything the fake holds, copyable so that a unit of work can be undone.
struct FakeCatalogData {
    std::map<int64_t, domain::Template> templates;
    std::map<std::string, domain::Variable> variables;
    // (environment, key) -> the value as stored: clear, or sealed when secret.
    std::map<std::pair<std::string, std::string>, domain::StoredConfigValue> config;
    int64_t next_template_id = 1;
};

class FakeCatalog final : public domain::CatalogReader,
                          public domain::VariableCacheWriter,
                          public domain::CatalogTransactions {
  public:
    FakeCatalogData data;
    int reads = 0;   // read units of work opened
    int writes = 0;  // write units of work opened

    // ---- set-up
    // Checks t as saving it does (domain::check_template over the variables added so far), sets
    // its argv and returns its new id.
    int64_t add_template(domain::Template t);
    void add_variable(domain::Variable v);
    void set_config(const std::string& env, const std::string& key, const std::string& value);
    // Sealed with secret_key, as app::put_config stores a secret.
    void set_secret_config(const std::string& env, const std::string& key, const std::string& value,
                           const std::string& secret_key);
    void remove_config(const std::string& env, const std::string& key);

    // ---- looking
    const domain::Variable& variable(const std::string& name) const {
        return data.variables.at(name);
    }

    // ---- CatalogReader
    std::optional<domain::Template> find_template(int64_t id) override;
    std::optional<domain::Variable> find_variable(const std::string& name) override;
    std::vector<domain::Variable> variables() override;
    std::optional<domain::StoredConfigValue> config_value(const std::string& env,
                                                          const std::string& key) override;
    std::vector<domain::StoredConfigValue> secret_config_values(const std::string& env) override;

    // ---- VariableCacheWriter
    void store_variable_cache(const std::string& name, const std::vector<domain::Option>& options,
                              TimeMs now) override;
    void store_variable_error(const std::string& name, const Problem& error, TimeMs now) override;

    // ---- CatalogTransactions
    void read(const std::function<void(domain::CatalogReader&)>& work) override;
    void write(const std::function<void(domain::VariableCacheWriter&)>& work) override;
};

}  // namespace orderly::test
