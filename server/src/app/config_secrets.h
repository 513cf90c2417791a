#pragma once
// Config entries and revisions in clear: storage keeps secret values sealed
// (domain::StoredConfigValue); these functions seal them with the secret key (App::secret_key,
// integrations/crypto secretbox) before they are written and unseal them when they are read.
// A secret that no longer decrypts (the key file was replaced) throws: an error for the
// operator, never a silent "".
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/catalog.h"
#include "domain/catalog_ports.h"

namespace orderly::storage {
class Connection;
}

namespace orderly::app {

// The entries of an environment, ordered by key, values decrypted.
std::vector<domain::ConfigEntry> list_config(storage::Connection& c, const std::string& secret_key,
                                             const std::string& env);
std::optional<domain::ConfigEntry> find_config(storage::Connection& c,
                                               const std::string& secret_key,
                                               const std::string& env, const std::string& key);

// storage::put_config with e.value sealed when e.secret. Returns the new revision number.
int64_t put_config(storage::Connection& c, const std::string& secret_key,
                   const domain::ConfigEntry& e, const std::string& action,
                   std::optional<int64_t> rollback_of, const std::optional<std::string>& actor,
                   TimeMs now);

// Newest first, revision numbers below before_revision (0 = from the newest), values decrypted.
std::vector<domain::ConfigRevision> list_config_revisions(storage::Connection& c,
                                                          const std::string& secret_key,
                                                          const std::string& env,
                                                          const std::string& key,
                                                          int64_t before_revision, int limit);
std::optional<domain::ConfigRevision> find_config_revision(storage::Connection& c,
                                                           const std::string& secret_key,
                                                           const std::string& env,
                                                           const std::string& key,
                                                           int64_t revision);
// The revision before `revision` (what it changed from), if any.
std::optional<domain::ConfigRevision> previous_config_revision(storage::Connection& c,
                                                               const std::string& secret_key,
                                                               const std::string& env,
                                                               const std::string& key,
                                                               int64_t revision);

// For tickets and executions: the clear value of a config key of an environment (secrets
// decrypted), nullopt when the key is not set.
std::optional<std::string> config_value(domain::CatalogReader& catalog,
                                        const std::string& secret_key, const std::string& env,
                                        const std::string& key);
std::optional<std::string> config_value(storage::Connection& c, const std::string& secret_key,
                                        const std::string& env, const std::string& key);
// Every clear secret value of an environment, for masking logs and shown argument vectors.
std::vector<std::string> secret_config_values(domain::CatalogReader& catalog,
                                              const std::string& secret_key,
                                              const std::string& env);
std::vector<std::string> secret_config_values(storage::Connection& c, const std::string& secret_key,
                                              const std::string& env);

}  // namespace orderly::app
