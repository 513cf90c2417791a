#pragma once
// The ports the catalog rules of the application (app/template_snapshots.h,
// app/variable_options.h) read and write the catalog through. storage/catalog_ports.h implements
// them over SQL; tests/support/fake_catalog_ports.h in memory. Nothing here does I/O.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "domain/catalog.h"

namespace orderly::domain {

// A config value as stored: in clear, or sealed (encrypted with the secret key) when it is a
// secret. Only the application unseals it (app/config_secrets.h).
struct StoredConfigValue {
    std::optional<std::string> clear;   // non-secret
    std::optional<std::string> sealed;  // secret, encrypted
};

// What the template rules read, inside the caller's unit of work (one transaction).
class CatalogReader {
  public:
    virtual ~CatalogReader() = default;
    virtual std::optional<Template> find_template(int64_t id) = 0;
    virtual std::optional<Variable> find_variable(const std::string& name) = 0;
    // Every registered variable, ordered by name.
    virtual std::vector<Variable> variables() = 0;
    // The stored value of a config key of an environment; nullopt when the key is not set.
    virtual std::optional<StoredConfigValue> config_value(const std::string& env,
                                                          const std::string& key) = 0;
    // Every secret value of an environment, ordered by key.
    virtual std::vector<StoredConfigValue> secret_config_values(const std::string& env) = 0;
};

// What a run of a script-fed variable's options script records.
class VariableCacheWriter {
  public:
    virtual ~VariableCacheWriter() = default;
    // The script's good list (not a change of the definition: the version stays); clears the
    // last error.
    virtual void store_variable_cache(const std::string& name, const std::vector<Option>& options,
                                      TimeMs now) = 0;
    // Why the script failed; the cached list, if any, stays.
    virtual void store_variable_error(const std::string& name, const Problem& error,
                                      TimeMs now) = 0;
};

// Units of work over the catalog, for rules that open their own: each call is one transaction
// (a write keeps all of its changes or, when work throws, none).
class CatalogTransactions {
  public:
    virtual ~CatalogTransactions() = default;
    virtual void read(const std::function<void(CatalogReader&)>& work) = 0;
    virtual void write(const std::function<void(VariableCacheWriter&)>& work) = 0;
};

}  // namespace orderly::domain
