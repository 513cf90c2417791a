#pragma once
// SQL for the ops catalog: environments, purposes, the config center and its revisions,
// variables (with the cached lists of script-fed ones) and task templates. Functions take a
// Connection already inside a transaction (Database::write / Database::read).
//
// Secret config values are encrypted with crypto::encrypt before they reach the database and
// decrypted on the way out; functions that see values take the key (App::secret_key).
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "domain/catalog.h"
#include "storage/sql.h"

namespace orderly::storage {

// ---- environments and purposes (same shape, two tables)

enum class CategoryKind { environment, purpose };

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

struct TemplateRef {
    int64_t id = 0;
    std::string name;
};
// Templates filed under an environment or purpose.
std::vector<TemplateRef> templates_in_category(Connection& c, CategoryKind kind,
                                               const std::string& key);

// ---- config center

// The entries of an environment, ordered by key, values decrypted.
std::vector<domain::ConfigEntry> list_config(Connection& c, const std::string& secret_key,
                                             const std::string& env);
std::optional<domain::ConfigEntry> find_config(Connection& c, const std::string& secret_key,
                                               const std::string& env, const std::string& key);
std::vector<std::string> config_keys(Connection& c, const std::string& env);

// Sets a key (creating it when absent) and appends the revision that records it: action "set"
// or "rollback" (then rollback_of names the revision restored). Returns the new revision number.
int64_t put_config(Connection& c, const std::string& secret_key, const domain::ConfigEntry& e,
                   const std::string& action, std::optional<int64_t> rollback_of,
                   const std::optional<std::string>& actor, TimeMs now);
// Removes a key and appends a "delete" revision. Returns the revision number.
int64_t delete_config(Connection& c, const std::string& env, const std::string& key,
                      const std::optional<std::string>& actor, TimeMs now);

// Newest first, revision numbers below before_revision (0 = from the newest), values decrypted.
std::vector<domain::ConfigRevision> list_config_revisions(Connection& c,
                                                          const std::string& secret_key,
                                                          const std::string& env,
                                                          const std::string& key,
                                                          int64_t before_revision, int limit);
std::optional<domain::ConfigRevision> find_config_revision(Connection& c,
                                                           const std::string& secret_key,
                                                           const std::string& env,
                                                           const std::string& key,
                                                           int64_t revision);
// The revision before `revision` (what it changed from), if any.
std::optional<domain::ConfigRevision> previous_config_revision(Connection& c,
                                                               const std::string& secret_key,
                                                               const std::string& env,
                                                               const std::string& key,
                                                               int64_t revision);

// For tickets and executions: the clear value of a config key of an environment (secrets
// decrypted), nullopt when the key is not set.
std::optional<std::string> config_value(Connection& c, const std::string& secret_key,
                                        const std::string& env, const std::string& key);
// Every clear secret value of an environment, for masking logs and shown argument vectors.
std::vector<std::string> secret_config_values(Connection& c, const std::string& secret_key,
                                              const std::string& env);

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

struct TemplateFilter {
    std::optional<std::string> environment;
    std::optional<std::string> purpose;
    std::optional<bool> active;
    std::optional<std::string> q;  // substring of the name
    int64_t after_id = 0;
    int limit = 50;
};
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
