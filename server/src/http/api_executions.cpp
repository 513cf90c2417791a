// Executions: the history (audit), one execution, its log (offset polling with an
// optional bounded long-poll), cancel. The rules are app::Executions'.
#include <limits>

#include "core/codes.h"
#include "http/app.h"
#include "http/execution_render.h"
#include "http/render.h"

namespace orderly::http {

namespace {

constexpr int64_t kMaxId = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxLogPage = 256 * 1024;  // bytes of log per response
constexpr int64_t kMaxWaitS = 20;  // under the 30 s proxy_read_timeout of docker/nginx.conf

Response list_executions(App& app, Request& req) {
    app::ExecutionQuery q;
    auto& f = q.filter;
    f.ticket_id = req.query_int("ticket_id", 1, kMaxId);
    f.template_id = req.query_int("template_id", 1, kMaxId);
    f.environment = req.query_str("environment");
    f.status = req.query_str("status");
    if (f.status && !domain::is_execution_status(*f.status))
        fail(Error::Field(
            "status",
            "must be one of queued, running, succeeded, failed, timed_out, "
            "cancelled, interrupted",
            codes::field_enum,
            {{"allowed",
              "queued, running, succeeded, failed, timed_out, cancelled, interrupted"}}));
    f.from = req.query_time("from");
    f.to = req.query_time("to");
    q.user = req.query_str("user");
    f.before_id = decode_cursor(req.query_str("cursor"));
    const int limit = req.limit();
    f.limit = limit + 1;
    auto rows = app.runs.list(caller(req), std::move(q));
    return Response::ok(page_json(rows, limit, domain::write_execution_json,
                                  [](const domain::ExecutionRow& x) { return x.id; }));
}

Response get_execution(App& app, Request& req) {
    return Response::ok(execution_json(app.runs.get(caller(req), req.id_param())));
}

// Runs on the server's worker pool (blocking), never on a reactor thread: with `wait` it is
// held until output or the end arrives. The number of held requests is bounded by the engine;
// past the bound the request is answered at once (with Retry-After).
Response read_execution_log(App& app, Request& req) {
    app::LogRequest r;
    r.execution_id = req.id_param();
    r.offset = req.query_int("offset", 0, kMaxId).value_or(0);
    r.wait = std::chrono::seconds(req.query_int("wait", 0, kMaxWaitS).value_or(0));
    r.max_bytes = req.query_int("max_bytes", 1, kMaxLogPage).value_or(kMaxLogPage);
    auto page = app.runs.read_log(caller(req), r);
    auto res = Response::ok(execution_log_json(page));
    res.header("Cache-Control", "no-store");
    if (page.busy) res.header("Retry-After", "1");
    return res;
}

Response cancel_execution(App& app, Request& req) {
    auto e = app.runs.cancel(caller(req), req.id_param());
    return Response::json(202, execution_json(e));
}

}  // namespace

void register_execution_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/executions",
            [&app](Request& req) { return list_executions(app, req); });
    s.route("GET", "/api/v1/executions/{id}",
            [&app](Request& req) { return get_execution(app, req); });
    s.route(
        "GET", "/api/v1/executions/{id}/log",
        [&app](Request& req) { return read_execution_log(app, req); }, /*blocking=*/true);
    s.route("POST", "/api/v1/executions/{id}/cancel",
            [&app](Request& req) { return cancel_execution(app, req); });
}

}  // namespace orderly::http
