#pragma once
// SQL for the ops catalog: environments and purposes (category_store.cpp), the config center
// and its revisions (config_store.cpp), variables with the cached lists of script-fed ones
// (variable_store.cpp) and task templates (template_store.cpp). Functions take a Connection
// already inside a transaction (Database::write / Database::read).
//
// Secret config values are stored encrypted: the application seals them before they come here
// and unseals them after they are read (app/config_secrets.h); this layer sees ciphertext only.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "domain/catalog.h"
#include "domain/catalog_ports.h"
#include "storage/sql.h"

namespace orderly::storage {

// ---- environments and purposes (same shape, two tables)

using CategoryKind = domain::CategoryKind;

std::vector<domain::Category> list_categories(Connection& c, CategoryKind kind);
std::optional<domain::Category> find_category(Connection& c, CategoryKind kind,
                                              const std::string& key);
// 409 when the key is taken.
Result<void> insert_category(Connection& c, CategoryKind kind, const domain::Category& cat,
                             TimeMs now);
// Writes name, description and sort_order and bumps the version.
void update_category(Connection& c, CategoryKind kind, const domain::Category& cat, TimeMs now);
// 409 when something still refers to it (templates, config entries, or other tables' rows).
Result<void> delete_category(Connection& c, CategoryKind kind, const std::string& key);

using TemplateRef = domain::TemplateRef;
// Templates filed under an environment or purpose.
std::vector<TemplateRef> templates_in_category(Connection& c, CategoryKind kind,
                                               const std::string& key);

// ---- config center

// A config value as stored: in clear, or sealed (encrypted) when it is a secret.
using StoredValue = domain::StoredConfigValue;
// An entry or a revision as stored: its value is in `value`, the entity's value is unset.
struct StoredConfigEntry {
    domain::ConfigEntry entry;
    StoredValue value;
};
struct StoredConfigRevision {
    domain::ConfigRevision revision;
    StoredValue value;  // neither clear nor sealed for a "delete"
};

// The entries of an environment, ordered by key.
std::vector<StoredConfigEntry> list_config(Connection& c, const std::string& env);
std::optional<StoredConfigEntry> find_config(Connection& c, const std::string& env,
                                             const std::string& key);
std::vector<std::string> config_keys(Connection& c, const std::string& env);

// Sets a key (creating it when absent; e's value is not looked at) and appends the revision that
// records it: action "set" or "rollback" (then rollback_of names the revision restored). The
// value is sealed once for the entry and once for the revision (each ciphertext has its own
// nonce). Returns the new revision number.
int64_t put_config(Connection& c, const domain::ConfigEntry& e, const StoredValue& entry_value,
                   const StoredValue& revision_value, const std::string& action,
                   std::optional<int64_t> rollback_of, const std::optional<std::string>& actor,
                   TimeMs now);
// Removes a key and appends a "delete" revision. Returns the revision number.
int64_t delete_config(Connection& c, const std::string& env, const std::string& key,
                      const std::optional<std::string>& actor, TimeMs now);

// Newest first, revision numbers below before_revision (0 = from the newest).
std::vector<StoredConfigRevision> list_config_revisions(Connection& c, const std::string& env,
                                                        const std::string& key,
                                                        int64_t before_revision, int limit);
std::optional<StoredConfigRevision> find_config_revision(Connection& c, const std::string& env,
                                                         const std::string& key, int64_t revision);

// The stored value of a config key of an environment, nullopt when the key is not set.
std::optional<StoredValue> config_value(Connection& c, const std::string& env,
                                        const std::string& key);
// Every secret value of an environment, ordered by key.
std::vector<StoredValue> secret_config_values(Connection& c, const std::string& env);

// ---- variables

std::vector<domain::Variable> list_variables(Connection& c);
std::optional<domain::Variable> find_variable(Connection& c, const std::string& name);
// 409 when the name is taken.
Result<void> insert_variable(Connection& c, const domain::Variable& v, TimeMs now);
// Writes the definition (and static options) and bumps the version. The script cache is
// cleared when clear_cache is set (the command changed).
void update_variable(Connection& c, const domain::Variable& v, bool clear_cache, TimeMs now);
// Records a script's good list (not a change of the definition: the version stays).
void store_variable_cache(Connection& c, const std::string& name,
                          const std::vector<domain::Option>& options, TimeMs now);
// Records why a script run failed (the cached list, if any, stays).
void store_variable_error(Connection& c, const std::string& name, const Problem& error, TimeMs now);
void delete_variable(Connection& c, const std::string& name);
// Templates that use a registered variable.
std::vector<TemplateRef> templates_using_variable(Connection& c, const std::string& name);

// ---- templates

using TemplateFilter = domain::TemplateFilter;
// Ordered by id.
std::vector<domain::Template> list_templates(Connection& c, const TemplateFilter& f);
std::optional<domain::Template> find_template(Connection& c, int64_t id);
// 409 when the environment already has a template of that name. registered: the registered
// variables the template uses (for templates_using_variable).
Result<int64_t> insert_template(Connection& c, const domain::Template& t,
                                const std::set<std::string>& registered, TimeMs now);
Result<void> update_template(Connection& c, const domain::Template& t,
                             const std::set<std::string>& registered, TimeMs now);
// 409 when other rows (e.g. tickets) still refer to it.
Result<void> delete_template(Connection& c, int64_t id);

}  // namespace orderly::storage
