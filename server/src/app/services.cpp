#include "app/services.h"

#include <map>

#include "app/version_check.h"
#include "core/codes.h"
#include "domain/catalog_json.h"
#include "storage/database.h"
#include "storage/workflow_store.h"

namespace orderly::app {

namespace {

// Bound versions are immutable, so a request may keep the ones it read.
class VersionCache {
  public:
    explicit VersionCache(storage::Connection& c) : c_(c) {}
    std::shared_ptr<const domain::WorkflowDef> def(int64_t version_id) {
        auto it = defs_.find(version_id);
        if (it != defs_.end()) return it->second;
        auto v = storage::find_workflow_version(c_, version_id);
        if (!v)
            fail(Error::Internal("service bound to a missing workflow version")
                     .with(codes::internal));
        auto def = std::make_shared<const domain::WorkflowDef>(std::move(v->def));
        defs_.emplace(version_id, def);
        return def;
    }
    ServiceView view(domain::Service s) {
        auto d = def(s.workflow_version_id);
        return {std::move(s), std::move(d)};
    }

  private:
    storage::Connection& c_;
    std::map<int64_t, std::shared_ptr<const domain::WorkflowDef>> defs_;
};

bool can_see(storage::Connection& c, const Caller& who, const domain::WorkflowDef& def) {
    if (who.can("catalog.manage")) return true;
    const domain::Node* start = def.start();
    const Principal* p = who.principal;
    return p && start &&
           storage::may_submit(c, *start, p->user_id, p->username, p->roles, std::nullopt);
}

domain::CatalogDir load_dir(storage::Connection& c, int64_t id) {
    auto d = storage::find_catalog_dir(c, id);
    if (!d)
        fail(Error::NotFound("no catalog directory with id " + std::to_string(id))
                 .with(codes::catalog_not_found, {{"id", id}}));
    return *d;
}

void check_parent_exists(storage::Connection& c, int64_t parent) {
    if (!storage::find_catalog_dir(c, parent))
        fail(Error::UnprocessableField("parent_id", "no catalog directory with this id",
                                       codes::catalog_unknown));
}

domain::Service load_service(storage::Connection& c, int64_t id) {
    auto s = storage::find_service(c, id);
    if (!s)
        fail(Error::NotFound("no service with id " + std::to_string(id))
                 .with(codes::service_not_found, {{"id", id}}));
    return *s;
}

std::string service_json(storage::Connection& c, const domain::Service& s) {
    VersionCache versions(c);
    return domain::service_json(s, *versions.def(s.workflow_version_id));
}

// Checks the references of a service: directory, workflow version, template. 422 naming them.
void check_service(storage::Connection& c, const domain::Service& s) {
    if (s.catalog_id && !storage::find_catalog_dir(c, *s.catalog_id))
        fail(Error::UnprocessableField("catalog_id", "no catalog directory with this id",
                                       codes::catalog_unknown));
    auto v = storage::find_workflow_version(c, s.workflow_version_id);
    if (!v)
        fail(Error::UnprocessableField("workflow_version_id",
                                       "no deployed workflow version with this id",
                                       codes::workflow_version_unknown));
    if (s.template_id && !storage::template_exists(c, *s.template_id))
        fail(Error::UnprocessableField("template_id", "no task template with this id",
                                       codes::template_unknown));
    if (!s.template_id && v->def.has_node_of_type(domain::NodeType::execute))
        fail(Error::UnprocessableField(
            "template_id",
            "the workflow has an execute node: the service needs a task template to execute",
            codes::service_needs_template));
}

}  // namespace

CatalogTree Services::catalog(const Caller& who) {
    return db_.read([&](storage::Connection& c) {
        VersionCache versions(c);
        CatalogTree tree;
        tree.dirs = storage::list_catalog_dirs(c);
        for (auto& sv : storage::list_services(c)) {
            auto view = versions.view(std::move(sv));
            if (can_see(c, who, *view.def)) tree.services.push_back(std::move(view));
        }
        return tree;
    });
}

domain::CatalogDir Services::create_dir(const Caller& who, const std::string& name,
                                        std::optional<int64_t> parent_id) {
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        if (parent_id) check_parent_exists(c, *parent_id);
        int64_t id = storage::insert_catalog_dir(c, name, parent_id, now);
        auto created = load_dir(c, id);
        audit(c, who, now, "catalog.create", "catalog", std::to_string(id),
              "created catalog directory " + name, std::nullopt, domain::catalog_dir_json(created));
        return created;
    });
}

domain::CatalogDir Services::update_dir(const Caller& who, int64_t id,
                                        const std::optional<std::string>& if_match,
                                        const CatalogDirChanges& changes) {
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto d = load_dir(c, id);
        check_version(if_match, d.version, "catalog directory " + d.name);
        auto before = domain::catalog_dir_json(d);
        if (changes.name) d.name = *changes.name;
        if (changes.parent_id) {
            if (const auto& parent = *changes.parent_id) {
                check_parent_exists(c, *parent);
                if (storage::catalog_dir_within(c, *parent, id))
                    fail(Error::UnprocessableField(
                        "parent_id",
                        "a directory cannot move under itself or its own subdirectories",
                        codes::catalog_cycle));
            }
            d.parent_id = *changes.parent_id;
        }
        storage::update_catalog_dir(c, d, now);
        auto after = load_dir(c, id);
        audit(c, who, now, "catalog.update", "catalog", std::to_string(id),
              "updated catalog directory " + d.name, before, domain::catalog_dir_json(after));
        return after;
    });
}

void Services::delete_dir(const Caller& who, int64_t id,
                          const std::optional<std::string>& if_match) {
    TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto d = load_dir(c, id);
        check_version(if_match, d.version, "catalog directory " + d.name);
        if (!storage::catalog_dir_empty(c, id))
            fail(Error::Conflict("catalog directory \"" + d.name +
                                 "\" is not empty: move or delete its subdirectories and "
                                 "services first")
                     .with(codes::catalog_not_empty, {{"name", d.name}}));
        storage::delete_catalog_dir(c, id);
        audit(c, who, now, "catalog.delete", "catalog", std::to_string(id),
              "deleted catalog directory " + d.name, domain::catalog_dir_json(d));
    });
}

std::vector<ServiceView> Services::list(const Caller& who, std::optional<int64_t> catalog_id) {
    return db_.read([&](storage::Connection& c) {
        VersionCache versions(c);
        std::vector<ServiceView> out;
        for (auto& sv : storage::list_services(c)) {
            if (catalog_id && sv.catalog_id != catalog_id) continue;
            auto view = versions.view(std::move(sv));
            if (can_see(c, who, *view.def)) out.push_back(std::move(view));
        }
        return out;
    });
}

ServiceView Services::get(const Caller& who, int64_t id) {
    return db_.read([&](storage::Connection& c) {
        VersionCache versions(c);
        auto view = versions.view(load_service(c, id));
        if (!can_see(c, who, *view.def))
            fail(Error::NotFound("no service with id " + std::to_string(id))
                     .with(codes::service_not_found, {{"id", id}}));
        return view;
    });
}

ServiceView Services::create(const Caller& who, const domain::Service& service) {
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        check_service(c, service);
        int64_t id = storage::insert_service(c, service, now);
        VersionCache versions(c);
        auto view = versions.view(load_service(c, id));
        audit(c, who, now, "service.create", "service", std::to_string(id),
              "created service " + service.name, std::nullopt,
              domain::service_json(view.service, *view.def));
        return view;
    });
}

ServiceView Services::update(const Caller& who, int64_t id,
                             const std::optional<std::string>& if_match,
                             const ServiceChanges& changes) {
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto sv = load_service(c, id);
        check_version(if_match, sv.version, "service " + sv.name);
        auto before = service_json(c, sv);
        if (changes.name) sv.name = *changes.name;
        if (changes.description) sv.description = *changes.description;
        if (changes.catalog_id) sv.catalog_id = *changes.catalog_id;
        if (changes.workflow_version_id) sv.workflow_version_id = *changes.workflow_version_id;
        if (changes.template_id) sv.template_id = *changes.template_id;
        if (changes.window_required) sv.window_required = *changes.window_required;
        check_service(c, sv);
        storage::update_service(c, sv, now);
        VersionCache versions(c);
        auto view = versions.view(load_service(c, id));
        audit(c, who, now, "service.update", "service", std::to_string(id),
              "updated service " + sv.name, before, domain::service_json(view.service, *view.def));
        return view;
    });
}

void Services::remove(const Caller& who, int64_t id, const std::optional<std::string>& if_match) {
    TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto sv = load_service(c, id);
        check_version(if_match, sv.version, "service " + sv.name);
        auto before = service_json(c, sv);
        storage::delete_service(c, id, now);
        audit(c, who, now, "service.delete", "service", std::to_string(id),
              "deleted service " + sv.name, before);
    });
}

}  // namespace orderly::app
