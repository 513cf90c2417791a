#pragma once
// The catalog ports of domain/catalog_ports.h over SQL (catalog_store.h): readers and writers
// over a Connection already inside the caller's transaction, and units of work that each open
// one on a Database.
#include "domain/catalog_ports.h"
#include "storage/database.h"
#include "storage/sql.h"

namespace orderly::storage {

class SqlCatalogReader final : public domain::CatalogReader {
  public:
    explicit SqlCatalogReader(Connection& c) : c_(c) {}
    std::optional<domain::Template> find_template(int64_t id) override;
    std::optional<domain::Variable> find_variable(const std::string& name) override;
    std::vector<domain::Variable> variables() override;
    std::optional<domain::StoredConfigValue> config_value(const std::string& env,
                                                          const std::string& key) override;
    std::vector<domain::StoredConfigValue> secret_config_values(const std::string& env) override;

  private:
    Connection& c_;
};

class SqlVariableCacheWriter final : public domain::VariableCacheWriter {
  public:
    explicit SqlVariableCacheWriter(Connection& c) : c_(c) {}
    void store_variable_cache(const std::string& name, const std::vector<domain::Option>& options,
                              TimeMs now) override;
    void store_variable_error(const std::string& name, const Problem& error, TimeMs now) override;

  private:
    Connection& c_;
};

// read: Database::read; write: Database::write (which may run the work more than once when it
// retries a serialization failure).
class SqlCatalogTransactions final : public domain::CatalogTransactions {
  public:
    explicit SqlCatalogTransactions(Database& db) : db_(db) {}
    void read(const std::function<void(domain::CatalogReader&)>& work) override;
    void write(const std::function<void(domain::VariableCacheWriter&)>& work) override;

  private:
    Database& db_;
};

}  // namespace orderly::storage
