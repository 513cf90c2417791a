// The append-only audit log.
#include "http/app.h"
#include "http/render.h"

namespace orderly::http {

namespace {

Response list_audit_events(App& app, Request& req) {
    domain::AuditFilter f;
    f.actor = req.query_str("actor");
    f.action = req.query_str("action");
    f.object_type = req.query_str("object_type");
    f.object_id = req.query_str("object_id");
    f.from = req.query_time("from");
    f.to = req.query_time("to");
    f.before_id = decode_cursor(req.query_str("cursor"));
    int limit = req.limit();
    f.limit = limit + 1;
    auto events = app.audit_log.list(f);
    return Response::ok(page_json(events, limit, write_audit_event,
                                  [](const domain::AuditEvent& x) { return x.id; }));
}

}  // namespace

void register_audit_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/audit-events",
            [&app](Request& req) { return list_audit_events(app, req); });
}

}  // namespace orderly::http
