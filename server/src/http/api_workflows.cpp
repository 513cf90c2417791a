// Workflows: drafts, deploy (graph check + an immutable version), versions.
#include "core/codes.h"
#include "domain/workflow.h"
#include "http/app.h"
#include "http/render.h"
#include "storage/workflow_store.h"

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

void write_workflow(json::Writer& w, const storage::WorkflowRecord& r) {
    w.start_object().kv("id", r.id);
    domain::write_workflow_def_members(w, r.def);
    w.kv("version", r.version).kv("deployed_version", r.deployed_version);
    w.key("latest_version_id");
    if (r.latest_version_id)
        w.num(*r.latest_version_id);
    else
        w.null();
    w.kv("created_by", r.created_by);
    w.key("created_at").time(r.created_at);
    w.key("updated_at").time(r.updated_at);
    w.end_object();
}

std::string workflow_json(const storage::WorkflowRecord& r) {
    json::Writer w;
    write_workflow(w, r);
    return w.take();
}

storage::WorkflowRecord load_workflow(storage::Connection& c, int64_t id) {
    auto r = storage::find_workflow(c, id);
    if (!r)
        fail(Error::NotFound("no workflow with id " + std::to_string(id))
                 .with(codes::workflow_not_found, {{"id", id}}));
    return std::move(*r);
}

void write_version_summary(json::Writer& w, const storage::WorkflowVersionRecord& v) {
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

}  // namespace

void register_workflow_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/workflows", [&app](Request& req) {
        int limit = req.limit();
        int64_t after = decode_cursor(req.query_str("cursor"));
        auto body = app.db.read([&](storage::Connection& c) {
            auto items = storage::list_workflows(c, after, limit + 1);
            return page_json(
                items, limit, [](json::Writer& w, const auto& x) { write_workflow(w, x); },
                [](const auto& x) { return x.id; });
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/workflows", [&app](Request& req) {
        auto def = draft_from(req);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            int64_t id = storage::insert_workflow(c, def, req.user().username, now);
            auto created = load_workflow(c, id);
            auto after = workflow_json(created);
            audit(c, req, now, "workflow.create", "workflow", std::to_string(id),
                  "created workflow " + def.name, std::nullopt, after);
            return after;
        });
        return Response::created(std::move(body));
    });

    s.route("GET", "/api/v1/workflows/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        auto r = app.db.read([&](storage::Connection& c) { return load_workflow(c, id); });
        return Response::ok(workflow_json(r)).header("ETag", etag(r.version));
    });

    s.route("PUT", "/api/v1/workflows/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        auto def = draft_from(req);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto before = load_workflow(c, id);
            check_version(req, before.version, "workflow " + before.def.name);
            storage::update_workflow(c, id, def, now);
            auto after = workflow_json(load_workflow(c, id));
            audit(c, req, now, "workflow.update", "workflow", std::to_string(id),
                  "updated the draft of workflow " + def.name, workflow_json(before), after);
            return after;
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/workflows/{id}/deploy", [&app](Request& req) {
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        storage::DeployResult res;
        app.db.write([&](storage::Connection& c) {
            auto wf = load_workflow(c, id);
            auto errs = domain::validate_for_deploy(wf.def, storage::StoreOperatorDirectory(c));
            if (!errs.empty()) {
                std::string msg =
                    "workflow \"" + wf.def.name + "\" cannot be deployed: " + errs.front().message;
                if (errs.size() > 1)
                    msg += " (and " + std::to_string(errs.size() - 1) + " more problems)";
                size_t count = errs.size();
                fail(Error::Unprocessable(msg, std::move(errs))
                         .with(codes::workflow_invalid, {{"name", wf.def.name}, {"count", count}}));
            }
            res = storage::deploy_workflow(c, id, req.user().username, now);
            if (res.created) {
                json::Writer w;
                w.start_object()
                    .kv("version_id", res.version_id)
                    .kv("version", res.version)
                    .end_object();
                audit(c, req, now, "workflow.deploy", "workflow", std::to_string(id),
                      "deployed workflow " + wf.def.name + " as version " +
                          std::to_string(res.version),
                      std::nullopt, w.take());
            }
        });
        json::Writer w;
        w.start_object().kv("version_id", res.version_id).kv("version", res.version).end_object();
        return Response::json(res.created ? 201 : 200, w.take());
    });

    s.route("GET", "/api/v1/workflows/{id}/versions", [&app](Request& req) {
        int64_t id = req.id_param();
        auto body = app.db.read([&](storage::Connection& c) {
            load_workflow(c, id);
            json::Writer w;
            w.start_object().key("items").start_array();
            for (const auto& v : storage::list_workflow_versions(c, id))
                write_version_summary(w, v);
            w.end_array().key("next_cursor").null().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("GET", "/api/v1/workflows/{id}/versions/{version}", [&app](Request& req) {
        int64_t id = req.id_param();
        int64_t number = req.id_param("version");
        auto body = app.db.read([&](storage::Connection& c) {
            auto v = storage::find_workflow_version_by_number(c, id, number);
            if (!v)
                fail(Error::NotFound("workflow " + std::to_string(id) + " has no version " +
                                     std::to_string(number))
                         .with(codes::workflow_version_not_found,
                               {{"id", id}, {"version", number}}));
            json::Writer w;
            w.start_object()
                .kv("id", v->id)
                .kv("workflow_id", v->workflow_id)
                .kv("version", v->version)
                .kv("deployed_by", v->deployed_by);
            w.key("deployed_at").time(v->deployed_at);
            w.key("definition").start_object();
            domain::write_workflow_def_members(w, v->def);
            w.end_object().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });
}

}  // namespace orderly::http
