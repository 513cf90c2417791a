// /healthz, /readyz, /metrics and the OpenAPI document.
#include "core/codes.h"
#include "http/app.h"
#include "http/spec.h"

namespace orderly::http {

void register_system_routes(App& app, Server& s) {
    s.route("GET", "/healthz", [](Request&) { return Response::ok(R"({"status":"ok"})"); });
    // /readyz and /metrics ask the database (a connection of the pool, a round trip): for one
    // across a network they run on the workers, so that a pool with no free connection holds
    // up only them, not the reactor thread and every connection it serves. /healthz asks
    // nothing and answers on the reactor whatever the database does.
    const bool waits = s.reads_on_workers();
    s.route(
        "GET", "/readyz",
        [&app](Request& req) {
            if (app.server && app.server->draining())
                return problem(
                    Error::Unavailable("the server is shutting down").with(codes::server_draining),
                    req.request_id);
            if (!app.database_ok())
                return problem(
                    Error::Unavailable("the database is not usable").with(codes::database_unusable),
                    req.request_id);
            return Response::ok(R"({"status":"ready"})");
        },
        waits);
    s.route(
        "GET", "/metrics",
        [&app](Request&) {
            Response r;
            r.body = app.server ? app.server->metrics_text() : "";
            r.content_type = "text/plain; version=0.0.4; charset=utf-8";
            return r;
        },
        waits);
    s.route("GET", "/api/v1/openapi.json", [](Request&) {
        Response r = Response::ok(std::string(spec::openapi_json()));
        r.header("Cache-Control", "no-cache");
        return r;
    });
}

}  // namespace orderly::http
