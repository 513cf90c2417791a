// Executions: the history (audit), one execution, its log (offset polling with an
// optional bounded long-poll), cancel.
#include <limits>

#include "core/codes.h"
#include "http/app.h"
#include "http/render.h"
#include "storage/accounts_store.h"
#include "storage/execution_store.h"
#include "storage/ticket_store.h"

namespace orderly::http {

namespace {

constexpr int64_t kMaxId = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxLogPage = 256 * 1024;  // bytes of log per response
constexpr int64_t kMaxWaitS = 20;  // under the 30 s proxy_read_timeout of docker/nginx.conf

// Whoever may read a ticket may read its executions and their logs: holders of audit.read or
// ticket.read_all see every execution; others those they ran, or of tickets they created or were
// an operator of at any node (as for GET /tickets/{id}).
bool may_see_all(const Principal& p) {
    return p.can("audit.read") || p.can("ticket.read_all");
}

bool may_see(storage::Connection& c, const Principal& p, const storage::ExecutionRow& e) {
    if (may_see_all(p) || e.executed_by == p.user_id || e.ticket_creator_id == p.user_id)
        return true;
    storage::Ticket t;
    t.id = e.ticket_id;
    t.creator_id = e.ticket_creator_id.value_or(0);
    return storage::can_read_ticket(c, t, p.user_id, false);
}

// Who may cancel: the person who ran it, the ticket's creator, or an admin.
bool may_cancel(const Principal& p, const storage::ExecutionRow& e) {
    return p.permissions.count("admin") > 0 || e.executed_by == p.user_id ||
           e.ticket_creator_id == p.user_id;
}

// An execution the caller may see; 404 otherwise (its existence is not revealed).
storage::ExecutionRow load_visible(storage::Connection& c, const Request& req, int64_t id) {
    auto e = storage::find_execution(c, id);
    if (!e || !may_see(c, req.user(), *e))
        fail(Error::NotFound("no execution with id " + std::to_string(id))
                 .with(codes::execution_not_found, {{"id", id}}));
    return *e;
}

std::string execution_body(const storage::ExecutionRow& e) {
    json::Writer w;
    storage::write_execution_json(w, e);
    return w.take();
}

}  // namespace

void register_execution_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/executions", [&app](Request& req) {
        storage::ExecutionFilter f;
        f.ticket_id = req.query_int("ticket_id", 1, kMaxId);
        f.template_id = req.query_int("template_id", 1, kMaxId);
        f.environment = req.query_str("environment");
        f.status = req.query_str("status");
        if (f.status && !storage::is_execution_status(*f.status))
            fail(Error::Field(
                "status",
                "must be one of queued, running, succeeded, failed, timed_out, "
                "cancelled, interrupted",
                codes::field_enum,
                {{"allowed",
                  "queued, running, succeeded, failed, timed_out, cancelled, interrupted"}}));
        f.from = req.query_time("from");
        f.to = req.query_time("to");
        auto user = req.query_str("user");
        f.before_id = decode_cursor(req.query_str("cursor"));
        const int limit = req.limit();
        f.limit = limit + 1;
        if (!may_see_all(req.user())) f.visible_to = req.user().user_id;
        auto body = app.db.read([&](storage::Connection& c) {
            std::vector<storage::ExecutionRow> rows;
            bool known_user = true;
            if (user) {
                auto u = storage::find_user_by_name(c, *user);
                if (u)
                    f.executed_by = u->id;
                else
                    known_user = false;  // nobody by that name ran anything
            }
            if (known_user) rows = storage::list_executions(c, f);
            return page_json(
                rows, limit,
                [](json::Writer& w, const storage::ExecutionRow& x) {
                    storage::write_execution_json(w, x);
                },
                [](const storage::ExecutionRow& x) { return x.id; });
        });
        return Response::ok(std::move(body));
    });

    s.route("GET", "/api/v1/executions/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        auto e = app.db.read([&](storage::Connection& c) { return load_visible(c, req, id); });
        return Response::ok(execution_body(e));
    });

    // Runs on the server's worker pool (blocking), never on a reactor thread: with `wait` it is
    // held until output or the end arrives. The number of held requests is bounded by the
    // engine; past the bound the request is answered at once (with Retry-After).
    s.route(
        "GET", "/api/v1/executions/{id}/log",
        [&app](Request& req) {
            const int64_t id = req.id_param();
            const int64_t offset = req.query_int("offset", 0, kMaxId).value_or(0);
            const int64_t wait_s = req.query_int("wait", 0, kMaxWaitS).value_or(0);
            const int64_t max_bytes =
                req.query_int("max_bytes", 1, kMaxLogPage).value_or(kMaxLogPage);
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);

            auto head =
                app.db.read([&](storage::Connection& c) { return load_visible(c, req, id); });
            if (offset > head.log_size)
                fail(Error::Field("offset",
                                  "is beyond the end of the log (" + std::to_string(head.log_size) +
                                      " bytes so far)",
                                  codes::execution_log_offset, {{"size", head.log_size}}));
            bool busy = false;
            if (wait_s > 0 && offset == head.log_size && !head.finished() &&
                app.executions.wait_for_log)
                busy = !app.executions.wait_for_log(id, offset, deadline);

            auto body = app.db.read([&](storage::Connection& c) {
                auto e = load_visible(c, req, id);
                auto slice = storage::read_execution_log(c, id, offset, e.log_size,
                                                         static_cast<size_t>(max_bytes));
                const int64_t next = slice.offset + static_cast<int64_t>(slice.data.size());
                json::Writer w;
                w.start_object()
                    .kv("execution_id", id)
                    .kv("offset", slice.offset)
                    .kv("next_offset", next)
                    .kv("data", slice.data)
                    .kv("complete", e.finished() && next >= e.log_size)
                    .kv("status", e.status)
                    .kv("log_size", e.log_size)
                    .kv("log_truncated", e.log_dropped > 0)
                    .end_object();
                return w.take();
            });
            auto res = Response::ok(std::move(body));
            res.header("Cache-Control", "no-store");
            if (busy) res.header("Retry-After", "1");
            return res;
        },
        /*blocking=*/true);

    s.route("POST", "/api/v1/executions/{id}/cancel", [&app](Request& req) {
        const int64_t id = req.id_param();
        const TimeMs now = app.clock.now_ms();
        bool running = false;
        auto body = app.db.write([&](storage::Connection& c) {
            auto e = load_visible(c, req, id);
            if (!may_cancel(req.user(), e))
                fail(Error::Forbidden("only the person who ran it, the ticket's creator or an "
                                      "admin may cancel it")
                         .with(codes::execution_cancel_denied));
            if (e.finished())
                fail(Error::Conflict("execution " + std::to_string(id) + " has already ended (" +
                                     e.status + ")")
                         .with(codes::execution_already_ended, {{"id", id}, {"status", e.status}}));
            const std::string& by = req.user().username;
            if (e.status == "queued") {
                // Not started: it ends here, and the ticket moves on in this same transaction.
                std::string msg = "cancelled by " + by + " before it started";
                storage::append_execution_log(c, id, e.log_size, "[orderly] " + msg + "\n",
                                              e.log_dropped);
                if (!storage::finish_execution(c, id,
                                               {"cancelled", std::nullopt, std::nullopt, msg}, now))
                    fail(Error::Conflict("execution " + std::to_string(id) + " has just started")
                             .with(codes::execution_just_started, {{"id", id}}));
                if (app.executions.on_finished)
                    app.executions.on_finished(c, e.ticket_id, id, false, now);
            } else {
                running = storage::request_execution_cancel(c, id, req.user().user_id, now);
            }
            audit(c, req, now, "execution.cancel", "execution", std::to_string(id),
                  "requested cancel of execution " + std::to_string(id) + " of ticket " +
                      (e.ticket_sn.empty() ? std::to_string(e.ticket_id) : e.ticket_sn));
            return execution_body(*storage::find_execution(c, id));
        });
        if (running && app.executions.cancel_requested) app.executions.cancel_requested(id);
        return Response::json(202, std::move(body));
    });
}

}  // namespace orderly::http
