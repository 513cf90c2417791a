#include "storage/workflow_store.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/codes.h"
#include "storage/accounts_store.h"

namespace orderly::storage {

using domain::FieldValue;
using domain::FieldValues;
using domain::WorkflowDef;

// ---- workflows

namespace {
constexpr const char* kWorkflowCols =
    "w.id, w.definition, w.created_by, w.created_at, w.updated_at, w.version, "
    "w.deployed_version, (SELECT v.id FROM workflow_versions v WHERE v.workflow_id = w.id "
    "AND v.version = w.deployed_version)";

WorkflowRecord workflow_from(Stmt& s) {
    WorkflowRecord r;
    r.id = s.int64(0);
    r.def = domain::parse_stored_workflow_def(s.text(1));
    r.created_by = s.opt_text(2);
    r.created_at = s.int64(3);
    r.updated_at = s.int64(4);
    r.version = s.int64(5);
    r.deployed_version = s.int64(6);
    r.latest_version_id = s.opt_int64(7);
    return r;
}

constexpr const char* kVersionCols =
    "id, workflow_id, version, definition, deployed_by, deployed_at";

WorkflowVersionRecord version_from(Stmt& s) {
    WorkflowVersionRecord r;
    r.id = s.int64(0);
    r.workflow_id = s.int64(1);
    r.version = s.int64(2);
    r.def = domain::parse_stored_workflow_def(s.text(3));
    r.deployed_by = s.opt_text(4);
    r.deployed_at = s.int64(5);
    return r;
}
}  // namespace

int64_t insert_workflow(Connection& c, const WorkflowDef& def,
                        const std::optional<std::string>& created_by, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO workflows (name, type, definition, created_by, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id");
    s.bind(1, def.name)
        .bind(2, def.type)
        .bind(3, domain::workflow_def_json(def))
        .bind(4, created_by);
    s.bind(5, now);
    return inserted_id(std::move(s));
}

std::optional<WorkflowRecord> find_workflow(Connection& c, int64_t id) {
    auto s =
        c.prepare(std::string("SELECT ") + kWorkflowCols + " FROM workflows w WHERE w.id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return workflow_from(s);
}

std::vector<WorkflowRecord> list_workflows(Connection& c, int64_t after_id, int limit) {
    auto s = c.prepare(std::string("SELECT ") + kWorkflowCols +
                       " FROM workflows w WHERE w.id > ?1 ORDER BY w.id LIMIT ?2");
    s.bind(1, after_id).bind(2, limit);
    std::vector<WorkflowRecord> out;
    while (s.step()) out.push_back(workflow_from(s));
    return out;
}

void update_workflow(Connection& c, int64_t id, const WorkflowDef& def, TimeMs now) {
    auto s = c.prepare(
        "UPDATE workflows SET name = ?2, type = ?3, definition = ?4, updated_at = ?5, "
        "version = version + 1 WHERE id = ?1");
    s.bind(1, id).bind(2, def.name).bind(3, def.type).bind(4, domain::workflow_def_json(def));
    s.bind(5, now).exec();
}

DeployResult deploy_workflow(Connection& c, int64_t workflow_id,
                             const std::optional<std::string>& by, TimeMs now) {
    auto wf = find_workflow(c, workflow_id);
    if (!wf) throw std::logic_error("deploy_workflow: no such workflow");
    const std::string definition = domain::workflow_def_json(wf->def);
    if (auto latest = latest_workflow_version(c, workflow_id);
        latest && domain::workflow_def_json(latest->def) == definition)
        return {latest->id, latest->version, false};
    const int64_t version = wf->deployed_version + 1;
    auto s = c.prepare(
        "INSERT INTO workflow_versions (workflow_id, version, name, type, definition, "
        "deployed_by, deployed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    s.bind(1, workflow_id).bind(2, version).bind(3, wf->def.name).bind(4, wf->def.type);
    s.bind(5, definition).bind(6, by).bind(7, now);
    const int64_t version_id = inserted_id(std::move(s));
    auto u = c.prepare("UPDATE workflows SET deployed_version = ?2 WHERE id = ?1");
    u.bind(1, workflow_id).bind(2, version).exec();
    return {version_id, version, true};
}

std::vector<WorkflowVersionRecord> list_workflow_versions(Connection& c, int64_t workflow_id) {
    auto s = c.prepare(std::string("SELECT ") + kVersionCols +
                       " FROM workflow_versions WHERE workflow_id = ?1 ORDER BY version DESC");
    s.bind(1, workflow_id);
    std::vector<WorkflowVersionRecord> out;
    while (s.step()) out.push_back(version_from(s));
    return out;
}

std::optional<WorkflowVersionRecord> find_workflow_version(Connection& c, int64_t version_id) {
    auto s =
        c.prepare(std::string("SELECT ") + kVersionCols + " FROM workflow_versions WHERE id = ?1");
    s.bind(1, version_id);
    if (!s.step()) return std::nullopt;
    return version_from(s);
}

std::optional<WorkflowVersionRecord> find_workflow_version_by_number(Connection& c,
                                                                     int64_t workflow_id,
                                                                     int64_t version) {
    auto s = c.prepare(std::string("SELECT ") + kVersionCols +
                       " FROM workflow_versions WHERE workflow_id = ?1 AND version = ?2");
    s.bind(1, workflow_id).bind(2, version);
    if (!s.step()) return std::nullopt;
    return version_from(s);
}

std::optional<WorkflowVersionRecord> latest_workflow_version(Connection& c, int64_t workflow_id) {
    auto s = c.prepare(std::string("SELECT ") + kVersionCols +
                       " FROM workflow_versions WHERE workflow_id = ?1 ORDER BY version DESC "
                       "LIMIT 1");
    s.bind(1, workflow_id);
    if (!s.step()) return std::nullopt;
    return version_from(s);
}

bool StoreOperatorDirectory::user_exists(const std::string& username) const {
    auto u = find_user_by_name(c_, username);
    return u && !u->disabled;
}

bool StoreOperatorDirectory::role_exists(const std::string& key) const {
    return find_role(c_, key).has_value();
}

bool may_submit(Connection& c, const domain::Node& submit_node, int64_t user_id,
                const std::string& username, const std::vector<std::string>& roles,
                const std::optional<std::string>& business) {
    const auto& ops = submit_node.operators;
    if (ops.users.empty() && ops.roles.empty() && ops.business_roles.empty()) return true;
    if (std::find(ops.users.begin(), ops.users.end(), username) != ops.users.end()) return true;
    for (const auto& r : ops.roles)
        if (std::find(roles.begin(), roles.end(), r) != roles.end()) return true;
    for (const auto& r : ops.business_roles) {
        if (business) {
            auto members = business_role_members(c, *business, r);
            if (std::find(members.begin(), members.end(), user_id) != members.end()) return true;
        } else {
            auto s = c.prepare(
                "SELECT 1 FROM business_members WHERE role_key = ?1 AND user_id = ?2 LIMIT 1");
            s.bind(1, r).bind(2, user_id);
            if (s.step()) return true;
        }
    }
    return false;
}

// ---- catalog

namespace {
constexpr const char* kDirCols = "id, name, parent_id, created_at, updated_at, version";
CatalogDir dir_from(Stmt& s) {
    CatalogDir d;
    d.id = s.int64(0);
    d.name = s.text(1);
    d.parent_id = s.opt_int64(2);
    d.created_at = s.int64(3);
    d.updated_at = s.int64(4);
    d.version = s.int64(5);
    return d;
}
}  // namespace

std::vector<CatalogDir> list_catalog_dirs(Connection& c) {
    auto s = c.prepare(std::string("SELECT ") + kDirCols + " FROM catalog_dirs ORDER BY name, id");
    std::vector<CatalogDir> out;
    while (s.step()) out.push_back(dir_from(s));
    return out;
}

std::optional<CatalogDir> find_catalog_dir(Connection& c, int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + kDirCols + " FROM catalog_dirs WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return dir_from(s);
}

int64_t insert_catalog_dir(Connection& c, const std::string& name,
                           const std::optional<int64_t>& parent_id, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO catalog_dirs (name, parent_id, created_at, updated_at) VALUES (?1, ?2, ?3, "
        "?3) RETURNING id");
    s.bind(1, name).bind(2, parent_id).bind(3, now);
    return inserted_id(std::move(s));
}

void update_catalog_dir(Connection& c, const CatalogDir& d, TimeMs now) {
    auto s = c.prepare(
        "UPDATE catalog_dirs SET name = ?2, parent_id = ?3, updated_at = ?4, version = version + 1 "
        "WHERE id = ?1");
    s.bind(1, d.id).bind(2, d.name).bind(3, d.parent_id).bind(4, now).exec();
}

bool catalog_dir_empty(Connection& c, int64_t id) {
    auto s = c.prepare(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM catalog_dirs WHERE parent_id = ?1) OR EXISTS "
        "(SELECT 1 FROM services WHERE catalog_id = ?1 AND deleted = 0) THEN 1 ELSE 0 END");
    s.bind(1, id);
    s.step();
    return s.int64(0) == 0;
}

void delete_catalog_dir(Connection& c, int64_t id) {
    // Deleted services may still name the directory: they leave it.
    auto u = c.prepare("UPDATE services SET catalog_id = NULL WHERE catalog_id = ?1");
    u.bind(1, id).exec();
    auto s = c.prepare("DELETE FROM catalog_dirs WHERE id = ?1");
    s.bind(1, id).exec();
}

bool catalog_dir_within(Connection& c, int64_t dir, int64_t ancestor) {
    auto s = c.prepare(
        "WITH RECURSIVE up(id, parent_id, depth) AS ("
        "  SELECT id, parent_id, 0 FROM catalog_dirs WHERE id = ?1"
        "  UNION ALL SELECT d.id, d.parent_id, up.depth + 1 FROM catalog_dirs d "
        "  JOIN up ON d.id = up.parent_id WHERE up.depth < 1000) "
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM up WHERE id = ?2) THEN 1 ELSE 0 END");
    s.bind(1, dir).bind(2, ancestor);
    s.step();
    return s.int64(0) != 0;
}

// ---- services

namespace {
constexpr const char* kServiceSelect =
    "SELECT s.id, s.name, s.catalog_id, s.workflow_version_id, s.template_id, s.description, "
    "s.created_at, s.updated_at, s.version, v.workflow_id, v.version, v.name, v.type, "
    "s.window_required FROM services s JOIN workflow_versions v ON v.id = s.workflow_version_id ";
Service service_from(Stmt& s) {
    Service r;
    r.id = s.int64(0);
    r.name = s.text(1);
    r.catalog_id = s.opt_int64(2);
    r.workflow_version_id = s.int64(3);
    r.template_id = s.opt_int64(4);
    r.description = s.text(5);
    r.created_at = s.int64(6);
    r.updated_at = s.int64(7);
    r.version = s.int64(8);
    r.workflow_id = s.int64(9);
    r.workflow_version = s.int64(10);
    r.workflow_name = s.text(11);
    r.workflow_type = s.text(12);
    r.window_required = s.integer(13) != 0;
    return r;
}
}  // namespace

std::vector<Service> list_services(Connection& c) {
    auto s = c.prepare(std::string(kServiceSelect) + "WHERE s.deleted = 0 ORDER BY s.id");
    std::vector<Service> out;
    while (s.step()) out.push_back(service_from(s));
    return out;
}

std::optional<Service> find_service(Connection& c, int64_t id) {
    auto s = c.prepare(std::string(kServiceSelect) + "WHERE s.id = ?1 AND s.deleted = 0");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return service_from(s);
}

int64_t insert_service(Connection& c, const Service& sv, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO services (name, catalog_id, workflow_version_id, template_id, description, "
        "created_at, updated_at, window_required) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7) "
        "RETURNING id");
    s.bind(1, sv.name).bind(2, sv.catalog_id).bind(3, sv.workflow_version_id);
    s.bind(4, sv.template_id).bind(5, sv.description).bind(6, now).bind(7, sv.window_required);
    return inserted_id(std::move(s));
}

void update_service(Connection& c, const Service& sv, TimeMs now) {
    auto s = c.prepare(
        "UPDATE services SET name = ?2, catalog_id = ?3, workflow_version_id = ?4, "
        "template_id = ?5, description = ?6, updated_at = ?7, window_required = ?8, "
        "version = version + 1 WHERE id = ?1");
    s.bind(1, sv.id).bind(2, sv.name).bind(3, sv.catalog_id).bind(4, sv.workflow_version_id);
    s.bind(5, sv.template_id).bind(6, sv.description).bind(7, now);
    s.bind(8, sv.window_required).exec();
}

void delete_service(Connection& c, int64_t id, TimeMs now) {
    auto s = c.prepare(
        "UPDATE services SET deleted = 1, catalog_id = NULL, updated_at = ?2, "
        "version = version + 1 WHERE id = ?1");
    s.bind(1, id).bind(2, now).exec();
}

bool template_exists(Connection& c, int64_t template_id) {
    auto s = c.prepare("SELECT 1 FROM templates WHERE id = ?1");
    s.bind(1, template_id);
    return s.step();
}

}  // namespace orderly::storage
