#include "storage/catalog_ports.h"

#include "storage/catalog_store.h"

namespace orderly::storage {

std::optional<domain::Template> SqlCatalogReader::find_template(int64_t id) {
    return storage::find_template(c_, id);
}

std::optional<domain::Variable> SqlCatalogReader::find_variable(const std::string& name) {
    return storage::find_variable(c_, name);
}

std::vector<domain::Variable> SqlCatalogReader::variables() {
    return list_variables(c_);
}

std::optional<domain::StoredConfigValue> SqlCatalogReader::config_value(const std::string& env,
                                                                        const std::string& key) {
    return storage::config_value(c_, env, key);
}

std::vector<domain::StoredConfigValue> SqlCatalogReader::secret_config_values(
    const std::string& env) {
    return storage::secret_config_values(c_, env);
}

void SqlVariableCacheWriter::store_variable_cache(const std::string& name,
                                                  const std::vector<domain::Option>& options,
                                                  TimeMs now) {
    storage::store_variable_cache(c_, name, options, now);
}

void SqlVariableCacheWriter::store_variable_error(const std::string& name, const Problem& error,
                                                  TimeMs now) {
    storage::store_variable_error(c_, name, error, now);
}

void SqlCatalogTransactions::read(const std::function<void(domain::CatalogReader&)>& work) {
    db_.read([&](Connection& c) {
        SqlCatalogReader reader(c);
        work(reader);
    });
}

void SqlCatalogTransactions::write(const std::function<void(domain::VariableCacheWriter&)>& work) {
    db_.write([&](Connection& c) {
        SqlVariableCacheWriter writer(c);
        work(writer);
    });
}

}  // namespace orderly::storage
