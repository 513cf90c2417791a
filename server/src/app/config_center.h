#pragma once
// The config center (配置中心): per-environment keys and values, every change a revision, each
// change audited in its transaction. Values come back in clear (secrets decrypted with the
// secret key): the caller masks what it shows (domain::kMasked).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/time.h"
#include "domain/catalog.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

struct ConfigPut {
    std::string env;
    std::string key;
    std::string value;
    std::optional<bool> secret;              // absent: keep the current one (false for a new key)
    std::optional<std::string> description;  // absent: keep the current one
    std::optional<std::string> if_match;     // the If-Match header as sent
};

struct ConfigPutResult {
    domain::ConfigEntry entry;
    bool created = false;  // the key did not exist
};

// Two revisions of a key, for a diff.
struct ConfigRevisionPair {
    domain::ConfigRevision from;
    domain::ConfigRevision to;
};

// if_match is the If-Match header as sent: app::check_version answers 400 when it names no
// version and 409 ("409 If-Match" below) when it names another, where the version is checked.
class ConfigCenter {
  public:
    // secret_key must outlive this object (App::secret_key, set before the first request).
    ConfigCenter(storage::Database& db, const Clock& clock, const std::string& secret_key)
        : db_(db), clock_(clock), secret_key_(secret_key) {}

    // 404 (environment.not_found) for an unknown environment.
    std::vector<domain::ConfigEntry> list(const std::string& env);
    // 404 environment, then 404 (config.key_not_found).
    domain::ConfigEntry get(const std::string& env, const std::string& key);
    // Checks the key and the value (400), then sets it: 404 environment, 409 If-Match. Writing
    // what is already there changes nothing (no revision, no audit event).
    ConfigPutResult put(const Caller& who, const ConfigPut& in);
    // 404 environment, 404 key, 409 If-Match.
    void remove(const Caller& who, const std::string& env, const std::string& key,
                const std::optional<std::string>& if_match);
    // Newest first, below before_revision (0: from the newest), up to limit rows; 404 when the
    // key never had a revision.
    std::vector<domain::ConfigRevision> revisions(const std::string& env, const std::string& key,
                                                  int64_t before_revision, int limit);
    // 404 (config.revision_not_found) for either.
    ConfigRevisionPair revision_pair(const std::string& env, const std::string& key,
                                     int64_t from_revision, int64_t to_revision);
    // Restores a revision's value as a new revision: 404 environment, 404 revision, 422 when the
    // revision deleted the key, 409 If-Match.
    domain::ConfigEntry rollback(const Caller& who, const std::string& env, const std::string& key,
                                 int64_t revision, const std::optional<std::string>& if_match);

  private:
    storage::Database& db_;
    const Clock& clock_;
    const std::string& secret_key_;
};

}  // namespace orderly::app
