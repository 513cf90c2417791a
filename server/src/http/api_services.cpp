// The service catalog (directories) and services.
#include <cstdint>
#include <functional>
#include <map>

#include "core/codes.h"
#include "http/app.h"
#include "storage/workflow_store.h"

namespace orderly::http {

namespace {

// Bound versions are immutable, so a request may keep the ones it read.
class VersionCache {
  public:
    explicit VersionCache(storage::Connection& c) : c_(c) {}
    const domain::WorkflowDef& def(int64_t version_id) {
        auto it = defs_.find(version_id);
        if (it != defs_.end()) return it->second;
        auto v = storage::find_workflow_version(c_, version_id);
        if (!v)
            fail(Error::Internal("service bound to a missing workflow version")
                     .with(codes::internal));
        return defs_.emplace(version_id, std::move(v->def)).first->second;
    }

  private:
    storage::Connection& c_;
    std::map<int64_t, domain::WorkflowDef> defs_;
};

bool can_see(storage::Connection& c, const Principal& p, const domain::WorkflowDef& def) {
    if (p.can("catalog.manage")) return true;
    const domain::Node* start = def.start();
    return start && storage::may_submit(c, *start, p.user_id, p.username, p.roles, std::nullopt);
}

void write_service(json::Writer& w, const storage::Service& s, const domain::WorkflowDef& def) {
    w.start_object().kv("id", s.id).kv("name", s.name).key("catalog_id");
    if (s.catalog_id)
        w.num(*s.catalog_id);
    else
        w.null();
    w.kv("workflow_version_id", s.workflow_version_id)
        .kv("workflow_id", s.workflow_id)
        .kv("workflow_version", s.workflow_version)
        .kv("workflow_name", s.workflow_name)
        .kv("workflow_type", s.workflow_type)
        .key("template_id");
    if (s.template_id)
        w.num(*s.template_id);
    else
        w.null();
    w.kv("description", s.description).kv("business_required", def.business_required);
    w.key("fields");
    const domain::Node* start = def.start();
    domain::write_field_defs(w, start ? start->fields : std::vector<domain::FieldDef>{});
    w.kv("version", s.version);
    w.key("created_at").time(s.created_at);
    w.key("updated_at").time(s.updated_at);
    w.end_object();
}

std::string service_json(storage::Connection& c, const storage::Service& s) {
    VersionCache versions(c);
    json::Writer w;
    write_service(w, s, versions.def(s.workflow_version_id));
    return w.take();
}

void write_dir(json::Writer& w, const storage::CatalogDir& d) {
    w.start_object().kv("id", d.id).kv("name", d.name).key("parent_id");
    if (d.parent_id)
        w.num(*d.parent_id);
    else
        w.null();
    w.kv("version", d.version);
    w.key("created_at").time(d.created_at);
    w.key("updated_at").time(d.updated_at);
    w.end_object();
}

std::string dir_json(const storage::CatalogDir& d) {
    json::Writer w;
    write_dir(w, d);
    return w.take();
}

storage::CatalogDir load_dir(storage::Connection& c, int64_t id) {
    auto d = storage::find_catalog_dir(c, id);
    if (!d)
        fail(Error::NotFound("no catalog directory with id " + std::to_string(id))
                 .with(codes::catalog_not_found, {{"id", id}}));
    return *d;
}

storage::Service load_service(storage::Connection& c, int64_t id) {
    auto s = storage::find_service(c, id);
    if (!s)
        fail(Error::NotFound("no service with id " + std::to_string(id))
                 .with(codes::service_not_found, {{"id", id}}));
    return *s;
}

// An optional, nullable id member: nullopt = not sent; optional(nullopt) = null.
std::optional<std::optional<int64_t>> nullable_id(const json::Value& body, const char* name) {
    if (!json::has(body, name)) return std::nullopt;
    if (json::is_null_member(body, name)) return std::optional<int64_t>{};
    return json::get_int(body, name);
}

// Checks the references of a service: directory, workflow version, template. 422 naming them.
void check_service(storage::Connection& c, const storage::Service& s) {
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
            "the workflow has an execute node: the service needs a task template "
            "to execute",
            codes::service_needs_template));
}

}  // namespace

void register_service_routes(App& app, Server& s) {
    // ---- catalog directories
    s.route("GET", "/api/v1/catalog", [&app](Request& req) {
        const Principal& p = req.user();
        auto body = app.db.read([&](storage::Connection& c) {
            VersionCache versions(c);
            auto dirs = storage::list_catalog_dirs(c);
            std::map<std::optional<int64_t>, std::vector<const storage::CatalogDir*>> children;
            for (const auto& d : dirs) children[d.parent_id].push_back(&d);
            auto services = storage::list_services(c);
            std::map<std::optional<int64_t>, std::vector<const storage::Service*>> in_dir;
            for (const auto& sv : services)
                if (can_see(c, p, versions.def(sv.workflow_version_id)))
                    in_dir[sv.catalog_id].push_back(&sv);
            json::Writer w;
            auto write_services = [&](const std::optional<int64_t>& dir) {
                w.start_array();
                for (const auto* sv : in_dir[dir])
                    write_service(w, *sv, versions.def(sv->workflow_version_id));
                w.end_array();
            };
            // Depth-first; parent links cannot form a cycle (moves refuse them), and the depth
            // guard keeps a corrupted table from recursing without end.
            std::function<void(const std::optional<int64_t>&, int)> write_level =
                [&](const std::optional<int64_t>& parent, int depth) {
                    w.start_array();
                    if (depth < 64) {
                        for (const auto* d : children[parent]) {
                            w.start_object().kv("id", d->id).kv("name", d->name).key("parent_id");
                            if (d->parent_id)
                                w.num(*d->parent_id);
                            else
                                w.null();
                            w.kv("version", d->version).key("children");
                            write_level(d->id, depth + 1);
                            w.key("services");
                            write_services(d->id);
                            w.end_object();
                        }
                    }
                    w.end_array();
                };
            w.start_object().key("items");
            write_level(std::nullopt, 0);
            w.key("services");
            write_services(std::nullopt);
            w.end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/catalog", [&app](Request& req) {
        const std::string name = *json::get_string(req.json, "name");
        auto parent = nullable_id(req.json, "parent_id").value_or(std::nullopt);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            if (parent && !storage::find_catalog_dir(c, *parent))
                fail(Error::UnprocessableField("parent_id", "no catalog directory with this id",
                                               codes::catalog_unknown));
            int64_t id = storage::insert_catalog_dir(c, name, parent, now);
            auto after = dir_json(load_dir(c, id));
            audit(c, req, now, "catalog.create", "catalog", std::to_string(id),
                  "created catalog directory " + name, std::nullopt, after);
            return after;
        });
        return Response::created(std::move(body));
    });

    s.route("PATCH", "/api/v1/catalog/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto d = load_dir(c, id);
            check_version(req, d.version, "catalog directory " + d.name);
            auto before = dir_json(d);
            if (auto v = json::get_string(req.json, "name")) d.name = *v;
            if (auto parent = nullable_id(req.json, "parent_id")) {
                if (*parent) {
                    if (!storage::find_catalog_dir(c, **parent))
                        fail(Error::UnprocessableField("parent_id",
                                                       "no catalog directory with this id",
                                                       codes::catalog_unknown));
                    if (storage::catalog_dir_within(c, **parent, id))
                        fail(Error::UnprocessableField(
                            "parent_id",
                            "a directory cannot move under itself or its own "
                            "subdirectories",
                            codes::catalog_cycle));
                }
                d.parent_id = *parent;
            }
            storage::update_catalog_dir(c, d, now);
            auto after = dir_json(load_dir(c, id));
            audit(c, req, now, "catalog.update", "catalog", std::to_string(id),
                  "updated catalog directory " + d.name, before, after);
            return after;
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/catalog/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto d = load_dir(c, id);
            check_version(req, d.version, "catalog directory " + d.name);
            if (!storage::catalog_dir_empty(c, id))
                fail(Error::Conflict("catalog directory \"" + d.name +
                                     "\" is not empty: move or delete its subdirectories and "
                                     "services first")
                         .with(codes::catalog_not_empty, {{"name", d.name}}));
            storage::delete_catalog_dir(c, id);
            audit(c, req, now, "catalog.delete", "catalog", std::to_string(id),
                  "deleted catalog directory " + d.name, dir_json(d));
        });
        return Response::no_content();
    });

    // ---- services
    s.route("GET", "/api/v1/services", [&app](Request& req) {
        const Principal& p = req.user();
        auto catalog_id = req.query_int("catalog_id", 1, INT64_MAX);
        auto body = app.db.read([&](storage::Connection& c) {
            VersionCache versions(c);
            json::Writer w;
            w.start_object().key("items").start_array();
            for (const auto& sv : storage::list_services(c)) {
                if (catalog_id && sv.catalog_id != catalog_id) continue;
                const auto& def = versions.def(sv.workflow_version_id);
                if (can_see(c, p, def)) write_service(w, sv, def);
            }
            w.end_array().key("next_cursor").null().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/services", [&app](Request& req) {
        storage::Service sv;
        sv.name = *json::get_string(req.json, "name");
        sv.catalog_id = nullable_id(req.json, "catalog_id").value_or(std::nullopt);
        sv.workflow_version_id = *json::get_int(req.json, "workflow_version_id");
        sv.template_id = nullable_id(req.json, "template_id").value_or(std::nullopt);
        sv.description = json::get_string(req.json, "description").value_or("");
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            check_service(c, sv);
            int64_t id = storage::insert_service(c, sv, now);
            auto after = service_json(c, load_service(c, id));
            audit(c, req, now, "service.create", "service", std::to_string(id),
                  "created service " + sv.name, std::nullopt, after);
            return after;
        });
        return Response::created(std::move(body));
    });

    s.route("GET", "/api/v1/services/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        const Principal& p = req.user();
        int64_t version = 0;
        auto body = app.db.read([&](storage::Connection& c) {
            auto sv = load_service(c, id);
            VersionCache versions(c);
            const auto& def = versions.def(sv.workflow_version_id);
            if (!can_see(c, p, def))
                fail(Error::NotFound("no service with id " + std::to_string(id))
                         .with(codes::service_not_found, {{"id", id}}));
            version = sv.version;
            json::Writer w;
            write_service(w, sv, def);
            return w.take();
        });
        return Response::ok(std::move(body)).header("ETag", etag(version));
    });

    s.route("PATCH", "/api/v1/services/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto sv = load_service(c, id);
            check_version(req, sv.version, "service " + sv.name);
            auto before = service_json(c, sv);
            if (auto v = json::get_string(req.json, "name")) sv.name = *v;
            if (auto v = json::get_string(req.json, "description")) sv.description = *v;
            if (auto v = nullable_id(req.json, "catalog_id")) sv.catalog_id = *v;
            if (auto v = json::get_int(req.json, "workflow_version_id"))
                sv.workflow_version_id = *v;
            if (auto v = nullable_id(req.json, "template_id")) sv.template_id = *v;
            check_service(c, sv);
            storage::update_service(c, sv, now);
            auto after = service_json(c, load_service(c, id));
            audit(c, req, now, "service.update", "service", std::to_string(id),
                  "updated service " + sv.name, before, after);
            return after;
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/services/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto sv = load_service(c, id);
            check_version(req, sv.version, "service " + sv.name);
            auto before = service_json(c, sv);
            storage::delete_service(c, id, now);
            audit(c, req, now, "service.delete", "service", std::to_string(id),
                  "deleted service " + sv.name, before);
        });
        return Response::no_content();
    });
}

}  // namespace orderly::http
