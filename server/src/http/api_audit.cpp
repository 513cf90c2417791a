// The append-only audit log.
#include "http/app.h"
#include "http/render.h"
#include "storage/accounts_store.h"

namespace orderly::http {

void register_audit_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/audit-events", [&app](Request& req) {
        storage::AuditFilter f;
        f.actor = req.query_str("actor");
        f.action = req.query_str("action");
        f.object_type = req.query_str("object_type");
        f.object_id = req.query_str("object_id");
        f.from = req.query_time("from");
        f.to = req.query_time("to");
        f.before_id = decode_cursor(req.query_str("cursor"));
        int limit = req.limit();
        f.limit = limit + 1;
        auto body = app.db.read([&](storage::Connection& c) {
            auto events = storage::list_audit(c, f);
            return page_json(events, limit, write_audit_event,
                             [](const domain::AuditEvent& x) { return x.id; });
        });
        return Response::ok(std::move(body));
    });
}

}  // namespace orderly::http
