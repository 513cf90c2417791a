// The service catalog (directories) and services.
#include <cstdint>
#include <functional>
#include <map>

#include "app/services.h"
#include "domain/catalog_json.h"
#include "http/app.h"

namespace orderly::http {

namespace {

// An optional, nullable id member: nullopt = not sent; optional(nullopt) = null.
app::IdChange nullable_id(const json::Value& body, const char* name) {
    if (!json::has(body, name)) return std::nullopt;
    if (json::is_null_member(body, name)) return std::optional<int64_t>{};
    return json::get_int(body, name);
}

void write_service(json::Writer& w, const app::ServiceView& v) {
    domain::write_service(w, v.service, *v.def);
}

std::string service_json(const app::ServiceView& v) {
    return domain::service_json(v.service, *v.def);
}

// The tree of directories, depth-first, each with the services filed in it, and the services
// at the root.
std::string catalog_tree_json(const app::CatalogTree& tree) {
    std::map<std::optional<int64_t>, std::vector<const domain::CatalogDir*>> children;
    for (const auto& d : tree.dirs) children[d.parent_id].push_back(&d);
    std::map<std::optional<int64_t>, std::vector<const app::ServiceView*>> in_dir;
    for (const auto& sv : tree.services) in_dir[sv.service.catalog_id].push_back(&sv);
    json::Writer w;
    auto write_services = [&](const std::optional<int64_t>& dir) {
        w.start_array();
        for (const auto* sv : in_dir[dir]) write_service(w, *sv);
        w.end_array();
    };
    // Parent links cannot form a cycle (moves refuse them), and the depth guard keeps a
    // corrupted table from recursing without end.
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
}

// ---- catalog directories

Response get_catalog(App& app, Request& req) {
    return Response::ok(catalog_tree_json(app.services.catalog(caller(req))));
}

Response create_dir(App& app, Request& req) {
    auto d = app.services.create_dir(caller(req), *json::get_string(req.json, "name"),
                                     nullable_id(req.json, "parent_id").value_or(std::nullopt));
    return Response::created(domain::catalog_dir_json(d));
}

Response update_dir(App& app, Request& req) {
    app::CatalogDirChanges changes;
    changes.name = json::get_string(req.json, "name");
    changes.parent_id = nullable_id(req.json, "parent_id");
    auto d = app.services.update_dir(caller(req), req.id_param(), req.header("if-match"), changes);
    return Response::ok(domain::catalog_dir_json(d));
}

Response delete_dir(App& app, Request& req) {
    app.services.delete_dir(caller(req), req.id_param(), req.header("if-match"));
    return Response::no_content();
}

// ---- services

Response list_services(App& app, Request& req) {
    auto catalog_id = req.query_int("catalog_id", 1, INT64_MAX);
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& sv : app.services.list(caller(req), catalog_id)) write_service(w, sv);
    w.end_array().key("next_cursor").null().end_object();
    return Response::ok(w.take());
}

Response create_service(App& app, Request& req) {
    domain::Service sv;
    sv.name = *json::get_string(req.json, "name");
    sv.catalog_id = nullable_id(req.json, "catalog_id").value_or(std::nullopt);
    sv.workflow_version_id = *json::get_int(req.json, "workflow_version_id");
    sv.template_id = nullable_id(req.json, "template_id").value_or(std::nullopt);
    sv.description = json::get_string(req.json, "description").value_or("");
    sv.window_required = json::get_bool(req.json, "window_required").value_or(false);
    return Response::created(service_json(app.services.create(caller(req), sv)));
}

Response get_service(App& app, Request& req) {
    auto sv = app.services.get(caller(req), req.id_param());
    return Response::ok(service_json(sv)).header("ETag", etag(sv.service.version));
}

Response update_service(App& app, Request& req) {
    app::ServiceChanges changes;
    changes.name = json::get_string(req.json, "name");
    changes.description = json::get_string(req.json, "description");
    changes.catalog_id = nullable_id(req.json, "catalog_id");
    changes.workflow_version_id = json::get_int(req.json, "workflow_version_id");
    changes.template_id = nullable_id(req.json, "template_id");
    changes.window_required = json::get_bool(req.json, "window_required");
    auto sv = app.services.update(caller(req), req.id_param(), req.header("if-match"), changes);
    return Response::ok(service_json(sv));
}

Response delete_service(App& app, Request& req) {
    app.services.remove(caller(req), req.id_param(), req.header("if-match"));
    return Response::no_content();
}

}  // namespace

void register_service_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/catalog", [&app](Request& r) { return get_catalog(app, r); });
    s.route("POST", "/api/v1/catalog", [&app](Request& r) { return create_dir(app, r); });
    s.route("PATCH", "/api/v1/catalog/{id}", [&app](Request& r) { return update_dir(app, r); });
    s.route("DELETE", "/api/v1/catalog/{id}", [&app](Request& r) { return delete_dir(app, r); });
    s.route("GET", "/api/v1/services", [&app](Request& r) { return list_services(app, r); });
    s.route("POST", "/api/v1/services", [&app](Request& r) { return create_service(app, r); });
    s.route("GET", "/api/v1/services/{id}", [&app](Request& r) { return get_service(app, r); });
    s.route("PATCH", "/api/v1/services/{id}",
            [&app](Request& r) { return update_service(app, r); });
    s.route("DELETE", "/api/v1/services/{id}",
            [&app](Request& r) { return delete_service(app, r); });
}

}  // namespace orderly::http
