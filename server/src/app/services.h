#pragma once
// The service catalog: directories, and the services filed in them (a workflow version to submit
// tickets through, optionally with a task template). People who do not manage the catalog see
// only the services whose flow they may submit. Each change is audited in its transaction.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/time.h"
#include "domain/catalog.h"
#include "domain/workflow.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

// A service with the definition of its bound workflow version (shared: versions are immutable).
struct ServiceView {
    domain::Service service;
    std::shared_ptr<const domain::WorkflowDef> def;
};

struct CatalogTree {
    std::vector<domain::CatalogDir> dirs;  // every directory
    std::vector<ServiceView> services;     // the services the caller may see, by id
};

// A nullable id member of a change: nullopt = leave it; optional(nullopt) = clear it.
using IdChange = std::optional<std::optional<int64_t>>;

struct CatalogDirChanges {
    std::optional<std::string> name;
    IdChange parent_id;
};

struct ServiceChanges {
    std::optional<std::string> name;
    std::optional<std::string> description;
    IdChange catalog_id;
    std::optional<int64_t> workflow_version_id;
    IdChange template_id;
    std::optional<bool> window_required;
};

// if_match is the If-Match header as sent: app::check_version answers 400 when it names no
// version and 409 ("409 If-Match" below) when it names another, where the version is checked.
class Services {
  public:
    Services(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    CatalogTree catalog(const Caller& who);
    // 422 (catalog.unknown) for a parent that does not exist.
    domain::CatalogDir create_dir(const Caller& who, const std::string& name,
                                  std::optional<int64_t> parent_id);
    // 404, 409 If-Match, 422 unknown parent, 422 (catalog.cycle) moving it under itself.
    domain::CatalogDir update_dir(const Caller& who, int64_t id,
                                  const std::optional<std::string>& if_match,
                                  const CatalogDirChanges& changes);
    // 404, 409 If-Match, 409 (catalog.not_empty).
    void delete_dir(const Caller& who, int64_t id, const std::optional<std::string>& if_match);

    // The services the caller may see, optionally of one directory.
    std::vector<ServiceView> list(const Caller& who, std::optional<int64_t> catalog_id);
    // 404 also when the caller may not see it.
    ServiceView get(const Caller& who, int64_t id);
    // 422 naming a directory, workflow version or template that does not exist, or a missing
    // template when the flow executes.
    ServiceView create(const Caller& who, const domain::Service& service);
    // 404, 409 If-Match, then create's 422s.
    ServiceView update(const Caller& who, int64_t id, const std::optional<std::string>& if_match,
                       const ServiceChanges& changes);
    // 404, 409 If-Match. Tickets keep their reference to the service.
    void remove(const Caller& who, int64_t id, const std::optional<std::string>& if_match);

  private:
    storage::Database& db_;
    const Clock& clock_;
};

}  // namespace orderly::app
