#include "app/executions.h"

#include "core/codes.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "storage/execution_store.h"
#include "storage/ticket_store.h"

namespace orderly::app {

namespace {

const Principal& signed_in(const Caller& who) {
    if (!who.principal) fail(Error::Unauthorized().with(codes::auth_required));
    return *who.principal;
}

// Holders of audit.read or ticket.read_all see every execution; others those they ran, or of
// tickets they created or were an operator of at any node (as for GET /tickets/{id}).
bool may_see_all(const Principal& p) {
    return p.can("audit.read") || p.can("ticket.read_all");
}

bool may_see(storage::Connection& c, const Principal& p, const domain::ExecutionRow& e) {
    if (may_see_all(p) || e.executed_by == p.user_id || e.ticket_creator_id == p.user_id)
        return true;
    storage::Ticket t;
    t.id = e.ticket_id;
    t.creator_id = e.ticket_creator_id.value_or(0);
    return storage::can_read_ticket(c, t, p.user_id, false);
}

// Who may cancel: the person who ran it, the ticket's creator, or an admin.
bool may_cancel(const Principal& p, const domain::ExecutionRow& e) {
    return p.permissions.count("admin") > 0 || e.executed_by == p.user_id ||
           e.ticket_creator_id == p.user_id;
}

// An execution the caller may see; 404 otherwise (its existence is not revealed).
domain::ExecutionRow load_visible(storage::Connection& c, const Caller& who, int64_t id) {
    auto e = storage::find_execution(c, id);
    if (!e || !may_see(c, signed_in(who), *e))
        fail(Error::NotFound("no execution with id " + std::to_string(id))
                 .with(codes::execution_not_found, {{"id", id}}));
    return *e;
}

}  // namespace

std::vector<domain::ExecutionRow> Executions::list(const Caller& who, ExecutionQuery q) const {
    auto& f = q.filter;
    if (!may_see_all(signed_in(who))) f.visible_to = who.user_id();
    return db_.read([&](storage::Connection& c) {
        if (q.user) {
            auto u = storage::find_user_by_name(c, *q.user);
            if (!u) return std::vector<domain::ExecutionRow>{};  // nobody by that name ran anything
            f.executed_by = u->id;
        }
        return storage::list_executions(c, f);
    });
}

domain::ExecutionRow Executions::get(const Caller& who, int64_t id) const {
    return db_.read([&](storage::Connection& c) { return load_visible(c, who, id); });
}

LogPage Executions::read_log(const Caller& who, const LogRequest& r) const {
    const int64_t id = r.execution_id;
    const auto deadline = std::chrono::steady_clock::now() + r.wait;
    auto head = get(who, id);
    if (r.offset > head.log_size)
        fail(Error::Field(
            "offset",
            "is beyond the end of the log (" + std::to_string(head.log_size) + " bytes so far)",
            codes::execution_log_offset, {{"size", head.log_size}}));
    LogPage page;
    if (r.wait.count() > 0 && r.offset == head.log_size && !head.finished() && engine_.wait_for_log)
        page.busy = !engine_.wait_for_log(id, r.offset, deadline);
    db_.read([&](storage::Connection& c) {
        page.execution = load_visible(c, who, id);
        page.slice = storage::read_execution_log(c, id, r.offset, page.execution.log_size,
                                                 static_cast<size_t>(r.max_bytes));
    });
    return page;
}

domain::ExecutionRow Executions::cancel(const Caller& who, int64_t id) {
    const TimeMs now = clock_.now_ms();
    bool running = false;
    auto out = db_.write([&](storage::Connection& c) {
        auto e = load_visible(c, who, id);
        const Principal& p = signed_in(who);
        if (!may_cancel(p, e))
            fail(Error::Forbidden("only the person who ran it, the ticket's creator or an "
                                  "admin may cancel it")
                     .with(codes::execution_cancel_denied));
        if (e.finished())
            fail(Error::Conflict("execution " + std::to_string(id) + " has already ended (" +
                                 e.status + ")")
                     .with(codes::execution_already_ended, {{"id", id}, {"status", e.status}}));
        if (e.status == "queued") {
            // Not started: it ends here, and the ticket moves on in this same transaction.
            std::string msg = "cancelled by " + p.username + " before it started";
            storage::append_execution_log(c, id, e.log_size, "[orderly] " + msg + "\n",
                                          e.log_dropped);
            if (!storage::finish_execution(c, id, {"cancelled", std::nullopt, std::nullopt, msg},
                                           now))
                fail(Error::Conflict("execution " + std::to_string(id) + " has just started")
                         .with(codes::execution_just_started, {{"id", id}}));
            if (engine_.on_finished) engine_.on_finished(c, e.ticket_id, id, false, now);
        } else {
            running = storage::request_execution_cancel(c, id, p.user_id, now);
        }
        audit(c, who, now, "execution.cancel", "execution", std::to_string(id),
              "requested cancel of execution " + std::to_string(id) + " of ticket " +
                  (e.ticket_sn.empty() ? std::to_string(e.ticket_id) : e.ticket_sn));
        return *storage::find_execution(c, id);
    });
    if (running && engine_.cancel_requested) engine_.cancel_requested(id);
    return out;
}

std::vector<domain::ExecutionRow> executions_of_ticket(storage::Connection& c, int64_t ticket_id) {
    return storage::list_ticket_executions(c, ticket_id);
}

}  // namespace orderly::app
