#include "app/config_secrets.h"

#include <stdexcept>

#include "integrations/crypto.h"
#include "storage/catalog_ports.h"
#include "storage/catalog_store.h"

namespace orderly::app {

namespace {

storage::StoredValue seal(const std::string& secret_key, const std::string& value, bool secret) {
    if (secret) return {std::nullopt, crypto::encrypt(secret_key, value)};
    return {value, std::nullopt};
}

std::optional<std::string> unseal(const std::string& secret_key, const storage::StoredValue& v) {
    if (v.clear) return v.clear;
    if (!v.sealed) return std::nullopt;
    auto clear = crypto::decrypt(secret_key, *v.sealed);
    if (!clear)
        throw std::runtime_error(
            "a secret config value cannot be decrypted: the secret key file is not the one it "
            "was encrypted with");
    return clear;
}

domain::ConfigEntry unseal(const std::string& secret_key, storage::StoredConfigEntry row) {
    row.entry.value = unseal(secret_key, row.value).value_or("");
    return std::move(row.entry);
}

domain::ConfigRevision unseal(const std::string& secret_key, storage::StoredConfigRevision row) {
    row.revision.value = unseal(secret_key, row.value);
    return std::move(row.revision);
}

}  // namespace

std::vector<domain::ConfigEntry> list_config(storage::Connection& c, const std::string& secret_key,
                                             const std::string& env) {
    std::vector<domain::ConfigEntry> out;
    for (auto& row : storage::list_config(c, env))
        out.push_back(unseal(secret_key, std::move(row)));
    return out;
}

std::optional<domain::ConfigEntry> find_config(storage::Connection& c,
                                               const std::string& secret_key,
                                               const std::string& env, const std::string& key) {
    auto row = storage::find_config(c, env, key);
    if (!row) return std::nullopt;
    return unseal(secret_key, std::move(*row));
}

int64_t put_config(storage::Connection& c, const std::string& secret_key,
                   const domain::ConfigEntry& e, const std::string& action,
                   std::optional<int64_t> rollback_of, const std::optional<std::string>& actor,
                   TimeMs now) {
    // Sealed separately for the entry and the revision: each ciphertext has its own nonce.
    auto entry_value = seal(secret_key, e.value, e.secret);
    auto revision_value = seal(secret_key, e.value, e.secret);
    return storage::put_config(c, e, entry_value, revision_value, action, rollback_of, actor, now);
}

std::vector<domain::ConfigRevision> list_config_revisions(storage::Connection& c,
                                                          const std::string& secret_key,
                                                          const std::string& env,
                                                          const std::string& key,
                                                          int64_t before_revision, int limit) {
    std::vector<domain::ConfigRevision> out;
    for (auto& row : storage::list_config_revisions(c, env, key, before_revision, limit))
        out.push_back(unseal(secret_key, std::move(row)));
    return out;
}

std::optional<domain::ConfigRevision> find_config_revision(storage::Connection& c,
                                                           const std::string& secret_key,
                                                           const std::string& env,
                                                           const std::string& key,
                                                           int64_t revision) {
    auto row = storage::find_config_revision(c, env, key, revision);
    if (!row) return std::nullopt;
    return unseal(secret_key, std::move(*row));
}

std::optional<domain::ConfigRevision> previous_config_revision(storage::Connection& c,
                                                               const std::string& secret_key,
                                                               const std::string& env,
                                                               const std::string& key,
                                                               int64_t revision) {
    auto list = list_config_revisions(c, secret_key, env, key, revision, 1);
    if (list.empty()) return std::nullopt;
    return list.front();
}

std::optional<std::string> config_value(domain::CatalogReader& catalog,
                                        const std::string& secret_key, const std::string& env,
                                        const std::string& key) {
    auto v = catalog.config_value(env, key);
    if (!v) return std::nullopt;
    return unseal(secret_key, *v);
}

std::optional<std::string> config_value(storage::Connection& c, const std::string& secret_key,
                                        const std::string& env, const std::string& key) {
    storage::SqlCatalogReader catalog(c);
    return config_value(catalog, secret_key, env, key);
}

std::vector<std::string> secret_config_values(domain::CatalogReader& catalog,
                                              const std::string& secret_key,
                                              const std::string& env) {
    std::vector<std::string> out;
    for (const auto& stored : catalog.secret_config_values(env))
        if (auto v = unseal(secret_key, stored); v && !v->empty()) out.push_back(*v);
    return out;
}

std::vector<std::string> secret_config_values(storage::Connection& c, const std::string& secret_key,
                                              const std::string& env) {
    storage::SqlCatalogReader catalog(c);
    return secret_config_values(catalog, secret_key, env);
}

}  // namespace orderly::app
