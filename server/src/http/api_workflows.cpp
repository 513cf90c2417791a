// Workflows: drafts, deploy (graph check + an immutable version), versions. Each handler parses
// the request, makes one call to app::Workflows (app/workflows.h) and renders the result.
#include "app/workflows.h"
#include "core/codes.h"
#include "domain/workflow.h"
#include "domain/workflow_json.h"
#include "http/app.h"
#include "http/render.h"

namespace orderly::http {

namespace {

// The body of POST/PUT as a definition; 400 for shapes the schema cannot express, 422 for a
// draft that cannot even be saved (duplicate keys, select without options, ...).
domain::WorkflowDef draft_from(const Request& req) {
    auto def = unwrap(domain::workflow_def_from_json(req.json));
    auto errs = domain::check_draft(def);
    if (!errs.empty()) {
        std::string msg = errs.front().field + ": " + errs.front().message;
        size_t count = errs.size();
        fail(Error::Unprocessable(msg, std::move(errs))
                 .with(codes::workflow_invalid, {{"count", count}}));
    }
    return def;
}

void write_version_summary(json::Writer& w, const domain::WorkflowVersionRecord& v) {
    w.start_object()
        .kv("id", v.id)
        .kv("workflow_id", v.workflow_id)
        .kv("version", v.version)
        .kv("name", v.def.name)
        .kv("type", v.def.type)
        .kv("deployed_by", v.deployed_by);
    w.key("deployed_at").time(v.deployed_at);
    w.end_object();
}

std::string version_json(const domain::WorkflowVersionRecord& v) {
    json::Writer w;
    w.start_object()
        .kv("id", v.id)
        .kv("workflow_id", v.workflow_id)
        .kv("version", v.version)
        .kv("deployed_by", v.deployed_by);
    w.key("deployed_at").time(v.deployed_at);
    w.key("definition").start_object();
    domain::write_workflow_def_members(w, v.def);
    w.end_object().end_object();
    return w.take();
}

Response list_workflows(App& app, Request& req) {
    const int limit = req.limit();
    const int64_t after = decode_cursor(req.query_str("cursor"));
    const auto items = app.workflows.list(after, limit + 1);
    return Response::ok(page_json(
        items, limit, [](json::Writer& w, const auto& x) { domain::write_workflow_record(w, x); },
        [](const auto& x) { return x.id; }));
}

Response create_workflow(App& app, Request& req) {
    const auto def = draft_from(req);
    return Response::created(domain::workflow_record_json(app.workflows.create(caller(req), def)));
}

Response get_workflow(App& app, Request& req) {
    const auto r = app.workflows.get(req.id_param());
    return Response::ok(domain::workflow_record_json(r)).header("ETag", etag(r.version));
}

Response update_workflow(App& app, Request& req) {
    const int64_t id = req.id_param();
    const auto def = draft_from(req);
    const auto r = app.workflows.update(caller(req), id, def, [&req] { return req.if_match(); });
    return Response::ok(domain::workflow_record_json(r));
}

Response deploy_workflow(App& app, Request& req) {
    const auto res = app.workflows.deploy(caller(req), req.id_param());
    json::Writer w;
    w.start_object().kv("version_id", res.version_id).kv("version", res.version).end_object();
    return Response::json(res.created ? 201 : 200, w.take());
}

Response list_versions(App& app, Request& req) {
    const auto versions = app.workflows.versions(req.id_param());
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& v : versions) write_version_summary(w, v);
    w.end_array().key("next_cursor").null().end_object();
    return Response::ok(w.take());
}

Response get_version(App& app, Request& req) {
    const int64_t id = req.id_param();
    const int64_t number = req.id_param("version");
    return Response::ok(version_json(app.workflows.version(id, number)));
}

}  // namespace

void register_workflow_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/workflows", [&app](Request& r) { return list_workflows(app, r); });
    s.route("POST", "/api/v1/workflows", [&app](Request& r) { return create_workflow(app, r); });
    s.route("GET", "/api/v1/workflows/{id}", [&app](Request& r) { return get_workflow(app, r); });
    s.route("PUT", "/api/v1/workflows/{id}",
            [&app](Request& r) { return update_workflow(app, r); });
    s.route("POST", "/api/v1/workflows/{id}/deploy",
            [&app](Request& r) { return deploy_workflow(app, r); });
    s.route("GET", "/api/v1/workflows/{id}/versions",
            [&app](Request& r) { return list_versions(app, r); });
    s.route("GET", "/api/v1/workflows/{id}/versions/{version}",
            [&app](Request& r) { return get_version(app, r); });
}

}  // namespace orderly::http
