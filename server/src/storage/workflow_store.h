#pragma once
// SQL for workflows (drafts and frozen versions), the service catalog (directories) and services,
// and the JSON form in which workflow definitions and field values are stored (the same form the
// API takes and shows, so the HTTP layer uses these codecs too). Functions take a Connection
// already inside a transaction (Database::write / Database::read).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/catalog.h"
#include "domain/workflow.h"
#include "domain/workflow_json.h"
#include "domain/workflow_records.h"
#include "storage/sql.h"

namespace orderly::storage {

// ---- workflows

using WorkflowRecord = domain::WorkflowRecord;
using WorkflowVersionRecord = domain::WorkflowVersionRecord;

int64_t insert_workflow(Connection& c, const domain::WorkflowDef& def,
                        const std::optional<std::string>& created_by, TimeMs now);
std::optional<WorkflowRecord> find_workflow(Connection& c, int64_t id);
// Oldest first, ids above after_id.
std::vector<WorkflowRecord> list_workflows(Connection& c, int64_t after_id, int limit);
// Replaces the draft and bumps its version.
void update_workflow(Connection& c, int64_t id, const domain::WorkflowDef& def, TimeMs now);

using DeployResult = domain::DeployResult;
// Freezes the draft as a new version. REQUIRES: the workflow exists and its draft passed
// domain::validate_for_deploy.
DeployResult deploy_workflow(Connection& c, int64_t workflow_id,
                             const std::optional<std::string>& by, TimeMs now);
// Newest first.
std::vector<WorkflowVersionRecord> list_workflow_versions(Connection& c, int64_t workflow_id);
std::optional<WorkflowVersionRecord> find_workflow_version(Connection& c, int64_t version_id);
std::optional<WorkflowVersionRecord> find_workflow_version_by_number(Connection& c,
                                                                     int64_t workflow_id,
                                                                     int64_t version);
std::optional<WorkflowVersionRecord> latest_workflow_version(Connection& c, int64_t workflow_id);

// Users and roles as deploy validation sees them.
class StoreOperatorDirectory final : public domain::OperatorDirectory {
  public:
    explicit StoreOperatorDirectory(Connection& c) : c_(c) {}
    bool user_exists(const std::string& username) const override;
    bool role_exists(const std::string& key) const override;

  private:
    Connection& c_;
};

// Whether a user may submit through a flow whose submit node has these operators: nobody named
// (or just "the submitter") means anyone; else the user is named, holds a named role, or holds a
// named business role in `business` (in any business when none is given yet).
bool may_submit(Connection& c, const domain::Node& submit_node, int64_t user_id,
                const std::string& username, const std::vector<std::string>& roles,
                const std::optional<std::string>& business);

// ---- service catalog

using CatalogDir = domain::CatalogDir;
std::vector<CatalogDir> list_catalog_dirs(Connection& c);
std::optional<CatalogDir> find_catalog_dir(Connection& c, int64_t id);
int64_t insert_catalog_dir(Connection& c, const std::string& name,
                           const std::optional<int64_t>& parent_id, TimeMs now);
// Writes name and parent and bumps the version.
void update_catalog_dir(Connection& c, const CatalogDir& d, TimeMs now);
// True when the directory has neither subdirectories nor (live) services.
bool catalog_dir_empty(Connection& c, int64_t id);
void delete_catalog_dir(Connection& c, int64_t id);
// True when `dir` is `ancestor` or lies below it (moving ancestor under dir would be a cycle).
bool catalog_dir_within(Connection& c, int64_t dir, int64_t ancestor);

using Service = domain::Service;
// Live services (not deleted), by id.
std::vector<Service> list_services(Connection& c);
std::optional<Service> find_service(Connection& c, int64_t id);  // live only
int64_t insert_service(Connection& c, const Service& s, TimeMs now);
// Writes the editable members and bumps the version.
void update_service(Connection& c, const Service& s, TimeMs now);
// Hides the service (tickets keep their reference) and takes it out of its directory.
void delete_service(Connection& c, int64_t id, TimeMs now);

// Whether a task template exists (templates are 002_catalog's table).
bool template_exists(Connection& c, int64_t template_id);

}  // namespace orderly::storage
