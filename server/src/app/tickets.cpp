#include "app/tickets.h"

#include <algorithm>
#include <map>

#include "app/checks.h"
#include "app/executions.h"
#include "app/freeze_calendar.h"
#include "app/template_snapshots.h"
#include "core/codes.h"
#include "domain/command.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/catalog_ports.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/execution_store.h"
#include "storage/ticket_store.h"
#include "storage/window_store.h"
#include "storage/workflow_store.h"

namespace orderly::app {

namespace {

Error ticket_not_found(int64_t id) {
    return Error::NotFound("no ticket with id " + std::to_string(id))
        .with(codes::ticket_not_found, {{"id", id}});
}

// The ticket, or 404 when it does not exist or the caller may not see it (no difference shown).
// With `names`, also the names it shows.
domain::Ticket load_visible(storage::Connection& c, int64_t id, const Caller& who,
                            domain::TicketNames* names = nullptr) {
    auto t = names ? storage::find_ticket(c, id, *names) : storage::find_ticket(c, id);
    if (!t || !storage::can_read_ticket(c, *t, who.user_id(), reads_all_tickets(who)))
        fail(ticket_not_found(id));
    return std::move(*t);
}

// Executing in a protected environment needs "confirm": true in the request (409 otherwise).
void require_confirmation(storage::Connection& c, const std::optional<std::string>& env,
                          bool confirmed) {
    if (confirmed || !env) return;
    auto e = storage::find_category(c, storage::CategoryKind::environment, *env);
    if (e && e->protected_env)
        fail(Error::Conflict("the environment \"" + e->key +
                             "\" is protected: look at GET /api/v1/tickets/{id}/execution-preview, "
                             "then send \"confirm\": true to execute there")
                 .with(codes::execution_confirmation_required,
                       {{"environment", e->key}, {"environment_name", e->name}}));
}

// The view of ticket t, whose names are in v.names already.
TicketView view_of(storage::Connection& c, domain::Ticket t, TicketView v, const Caller& who,
                   TimeMs now) {
    v.flow = storage::ticket_flow(c, t);
    auto progress = storage::ticket_progress(c, t);
    v.allowed_actions = domain::allowed_actions(v.flow.def(), progress.state, who.user_id());
    // Outside its window a task starts only as an emergency, which is not one of these actions
    // (the request says so, with a reason): an ordinary execute or retry would be refused.
    if (domain::outside_window(t.window, now))
        std::erase_if(v.allowed_actions, [](domain::Action a) {
            return a == domain::Action::execute || a == domain::Action::retry;
        });
    v.current_node = std::move(progress.node);
    v.steps = storage::ticket_steps(c, t.id);
    v.executions = executions_of_ticket(c, t.id);
    // How the last execution ended, or its state while it runs. A cancelled run leaves the
    // ticket "failed" (it may be retried) with execution_result "cancelled".
    if (!v.executions.empty()) v.execution_result = v.executions.back().status;
    // The snapshot holds the template's internal variables: only catalog managers see it.
    v.show_snapshot = who.can("catalog.manage");
    if (t.window) {
        v.conflicts = storage::window_conflicts(c, t.id, *t.window, t.environment, t.business,
                                                who.user_id(), reads_all_tickets(who));
        auto found = freeze_check(c, t.environment, t.window->start, t.window->end);
        v.freezes = std::move(found.hard);
        for (auto& f : found.soft) v.freezes.push_back(std::move(f));
    }
    v.ticket = std::move(t);
    return v;
}

// The ticket after a change, read from a snapshot after the commit, not inside the write
// transaction: writes are serialised, so every statement they hold is paid by every write
// queued behind.
TicketView view_after_change(storage::Database& db, int64_t id, const Caller& who, TimeMs now) {
    return db.read([&](storage::Connection& c) {
        storage::prefetch_ticket_view(c, id);
        TicketView v;
        auto t = storage::find_ticket(c, id, v.names);
        if (!t) fail(ticket_not_found(id));
        return view_of(c, std::move(*t), std::move(v), who, now);
    });
}

std::string status_json(domain::TicketStatus s, const std::string& node) {
    json::Writer w;
    w.start_object().kv("status", domain::to_string(s)).kv("node", node).end_object();
    return w.take();
}

void audit_action(storage::Connection& c, const Caller& who, TimeMs now, domain::Action action,
                  int64_t id, const ActionOutcome& out) {
    audit(c, who, now, "ticket." + std::string(domain::to_string(action)), "ticket",
          std::to_string(id), out.summary, status_json(out.before, out.node_name),
          status_json(out.after, out.node_name));
}

}  // namespace

bool reads_all_tickets(const Caller& who) {
    return who.can("ticket.read_all") || who.can("audit.read");
}

void check_ticket_view(const Caller& who, std::string_view view) {
    if (view == "all" && !reads_all_tickets(who))
        fail(Error::Forbidden("the \"all\" view needs ticket.read_all or audit.read")
                 .with(codes::ticket_view_denied));
}

Submitted Tickets::submit(const Caller& who, const SubmitInput& in) const {
    const Principal& p = *who.principal;
    const auto& key = in.idempotency_key;
    const std::string request_hash = crypto::token_hash(in.body);
    const TimeMs now = clock_.now_ms();
    struct Written {
        int64_t ticket_id = 0;
        bool replayed = false;
        bool executed = false;
        bool windowed = false;
    };
    const Written done = db_.write([&](storage::Connection& c) {
        Written out;
        if (key) {
            if (auto hit = storage::find_idempotency_key(c, p.user_id, *key, request_hash)) {
                if (!hit->same_request)
                    fail(Error::UnprocessableField("Idempotency-Key",
                                                   "was already used for a different request",
                                                   codes::request_idempotency_key_reused));
                out.ticket_id = hit->ticket_id;
                out.replayed = true;
                return out;
            }
        }
        const auto prepared = prepare_ticket(c, submitter(p), in.ticket);
        const NewTicket& nt = prepared.ticket;
        storage::SqlTicketPorts ports(c);
        out.ticket_id = unwrap(engine_.create(ports.ports, nt, now));
        out.windowed = nt.window.has_value();
        // A ticket whose window has yet to open is scheduled instead: it starts at the window.
        if (in.ticket.execute && domain::window_open(nt.window, now)) {
            // Submit and execute in one step: the submitter is the operator of the execute step
            // of a template without a workflow.
            ActionInput act;
            act.request.action = domain::Action::execute;
            act.request.actor_id = p.user_id;
            const int64_t tid = out.ticket_id;
            act.start_execution = [&] {
                require_no_active_hard_freeze(c, nt.environment, now);
                require_confirmation(c, nt.environment, in.confirmed);
                return storage::enqueue_execution(c, tid, p.user_id, now);
            };
            auto started = unwrap(engine_.act(ports.ports, tid, act, now));
            out.executed = true;
            audit_action(c, who, now, domain::Action::execute, tid, started);
        } else if (in.ticket.execute) {
            // Scheduled to start by itself at its window with nobody approving it first: the
            // submitter confirms a protected environment now, as they would to run it at once.
            require_confirmation(c, nt.environment, in.confirmed);
        }
        if (key)
            storage::remember_idempotency_key(c, p.user_id, *key, request_hash, out.ticket_id, now);
        auto created = storage::find_ticket(c, out.ticket_id);
        audit(c, who, now, "ticket.create", "ticket", std::to_string(out.ticket_id),
              "submitted " + created->sn + " " + created->title, std::nullopt,
              status_json(created->status, ""));
        return out;
    });
    if (done.executed && wake_executions_) wake_executions_();
    if (done.windowed && wake_windows_) wake_windows_();
    return Submitted{view_after_change(db_, done.ticket_id, who, clock_.now_ms()), done.replayed};
}

TicketView Tickets::get(const Caller& who, int64_t id) const {
    return db_.read([&](storage::Connection& c) {
        // Read before it is known whether the caller may see the ticket; dropped if not.
        storage::prefetch_ticket_view(c, id);
        TicketView v;
        auto t = load_visible(c, id, who, &v.names);
        return view_of(c, std::move(t), std::move(v), who, clock_.now_ms());
    });
}

std::vector<domain::TicketSummary> Tickets::list(const Caller& who, domain::TicketFilter f) const {
    check_ticket_view(who, f.view);
    f.user_id = who.user_id();
    f.limit += 1;
    return db_.read([&](storage::Connection& c) {
        auto rows = storage::list_tickets(c, f);
        std::vector<int64_t> windowed;
        for (const auto& r : rows)
            if (r.planned_start) windowed.push_back(r.id);
        for (const auto& [id, n] : storage::window_conflict_counts(c, windowed))
            for (auto& r : rows)
                if (r.id == id) r.conflicts = n;
        return rows;
    });
}

ExecutionPreview Tickets::execution_preview(const Caller& who, int64_t id) const {
    return db_.read([&](storage::Connection& c) {
        auto t = load_visible(c, id, who);
        const domain::TicketFlow flow = storage::ticket_flow(c, t);
        const domain::TicketState state = storage::load_ticket_state(c, t);
        const auto allowed = domain::allowed_actions(flow.def(), state, who.user_id());
        auto has = [&](domain::Action a) {
            return std::find(allowed.begin(), allowed.end(), a) != allowed.end();
        };
        ExecutionPreview out;
        out.retry = has(domain::Action::retry);
        // Approvers see what they approve; executors what they start.
        if (!has(domain::Action::execute) && !out.retry && !has(domain::Action::approve))
            fail(Error::Forbidden("you cannot execute this ticket now")
                     .with(codes::execution_preview_denied));
        if (!t.template_snapshot)
            fail(Error::Unprocessable("the ticket has no task template to run")
                     .with(codes::service_no_template));
        std::vector<std::string> secrets;
        storage::SqlCatalogReader catalog(c);
        auto argv =
            unwrap(revalidate_snapshot(catalog, secret_key_, *t.template_snapshot, &secrets));
        json::Document vars;
        if (t.variables_json.empty() || !json::parse_untrusted(t.variables_json, vars).ok() ||
            !vars.IsObject())
            vars.SetObject();
        out.ticket_id = t.id;
        out.ticket_sn = t.sn;
        // Every chosen value, secrets masked.
        std::erase(secrets, std::string());
        std::map<std::string, std::vector<std::string>> chosen;
        for (auto m = vars.MemberBegin(); m != vars.MemberEnd(); ++m) {
            PreviewVariable pv;
            pv.name.assign(m->name.GetString(), m->name.GetStringLength());
            pv.list = m->value.IsArray();
            auto& values = chosen[pv.name];
            if (m->value.IsString())
                values.emplace_back(m->value.GetString(), m->value.GetStringLength());
            else if (m->value.IsArray())
                for (const auto& x : m->value.GetArray())
                    if (x.IsString()) values.emplace_back(x.GetString(), x.GetStringLength());
            for (const auto& v : values) pv.values.push_back(domain::mask_secrets(v, secrets));
            out.variables.push_back(std::move(pv));
        }
        out.run = run_preview(c, t.environment, argv, std::move(secrets), chosen);
        return out;
    });
}

ActResult Tickets::act(const Caller& who, int64_t id, const ActInput& input) const {
    const domain::Action action = input.request.action;
    const bool starts_execution =
        action == domain::Action::execute || action == domain::Action::retry;
    const TimeMs now = clock_.now_ms();
    const bool emergency = input.emergency && starts_execution;
    if (emergency) {
        if (!who.can("change.emergency"))
            fail(Error::Forbidden("an emergency execution needs the change.emergency permission")
                     .with(codes::window_emergency_denied));
        if (input.emergency_reason.find_first_not_of(" \t\r\n") == std::string::npos)
            fail(Error::UnprocessableField("reason", "an emergency execution needs a reason",
                                           codes::ticket_reason_required));
    }
    const ActionOutcome out = db_.write([&](storage::Connection& c) {
        storage::prefetch_ticket_state(c, id);
        storage::lock_ticket(c, id);  // concurrent actions on one ticket take turns
        if (input.in_transaction) input.in_transaction(c);
        const domain::Ticket loaded = load_visible(c, id, who);
        ActionInput in;
        in.request = input.request;
        in.request.actor_id = who.user_id();
        if (input.to_user) {
            auto u = storage::find_user_by_name(c, *input.to_user);
            if (!u || u->disabled)
                fail(Error::UnprocessableField("to_user", "no user \"" + *input.to_user + "\"",
                                               codes::user_unknown,
                                               {{"username", *input.to_user}}));
            in.request.to_user = u->id;
        }
        in.expected_version = input.expected_version;
        in.loaded = &loaded;
        if (emergency) in.emergency_reason = input.emergency_reason;
        if (starts_execution)
            in.start_execution = [&] {
                // Judged after the action itself: only someone who may execute learns that a
                // hard freeze holds the environment or a confirmation is missing. An emergency
                // (checked above: the permission and a reason, audited) passes a freeze too.
                if (!emergency) require_no_active_hard_freeze(c, loaded.environment, now);
                require_confirmation(c, loaded.environment, input.confirmed);
                return storage::enqueue_execution(c, id, who.user_id(), now);
            };
        storage::SqlTicketPorts ports(c);
        auto done = unwrap(engine_.act(ports.ports, id, in, now));
        if (done.emergency)
            audit(c, who, now, "ticket.emergency_" + std::string(domain::to_string(action)),
                  "ticket", std::to_string(id), done.summary,
                  status_json(done.before, done.node_name),
                  status_json(done.after, done.node_name));
        else
            audit_action(c, who, now, action, id, done);
        return done;
    });
    // Entering an execute node gives a ticket with a window a due time (its start or its end).
    if ((out.after == domain::TicketStatus::scheduled ||
         out.after == domain::TicketStatus::approved) &&
        out.before != out.after && wake_windows_)
        wake_windows_();
    ActResult result;
    if (starts_execution) {
        if (wake_executions_) wake_executions_();
        result.started_execution = true;
        result.execution_id = out.execution_id.value_or(0);
        result.status = out.after;
        return result;
    }
    result.status = out.after;
    result.ticket = view_after_change(db_, id, who, clock_.now_ms());
    return result;
}

namespace {

std::string window_json(const std::optional<domain::ChangeWindow>& w) {
    json::Writer out;
    out.start_object();
    out.key("planned_start").opt_time(w ? std::optional(w->start) : std::nullopt);
    out.key("planned_end").opt_time(w ? std::optional(w->end) : std::nullopt);
    out.end_object();
    return out.take();
}

}  // namespace

TicketView Tickets::set_window(const Caller& who, int64_t id, const WindowInput& in) const {
    const TimeMs now = clock_.now_ms();
    const auto window = unwrap(domain::check_window(in.planned_start, in.planned_end));
    db_.write([&](storage::Connection& c) {
        storage::lock_ticket(c, id);
        const domain::Ticket t = load_visible(c, id, who);
        if (t.creator_id != who.user_id())
            fail(Error::Forbidden("only the submitter can change a ticket's window")
                     .with(codes::ticket_not_submitter));
        if (in.expected_version && *in.expected_version != t.version)
            fail(Error::Conflict("the ticket changed since you loaded it; reload and try again")
                     .with(
                         codes::request_version_conflict,
                         {{"what", t.sn}, {"current", t.version}, {"sent", *in.expected_version}}));
        const std::string status(domain::to_string(t.status));
        if (t.status != domain::TicketStatus::in_progress &&
            t.status != domain::TicketStatus::approved &&
            t.status != domain::TicketStatus::scheduled)
            fail(Error::Conflict("the window of a ticket that is " + status + " cannot change")
                     .with(codes::window_not_changeable, {{"status", status}}));
        if (!window)
            if (auto what = storage::window_required_by(c, t.service_id, t.template_id))
                fail(Error::UnprocessableField("planned_start",
                                               "this " + *what + " requires a change window",
                                               codes::window_required, {{"what", *what}}));
        if (window) check_planned_change(c, t.environment, window->start, window->end);
        storage::save_ticket_window(c, id, window);
        storage::SqlTicketPorts ports(c);
        auto out = unwrap(engine_.window_changed(ports.ports, id, who.user_id(), now));
        audit(c, who, now, "ticket.window_change", "ticket", std::to_string(id), out.summary,
              window_json(t.window), window_json(window));
    });
    if (wake_windows_) wake_windows_();
    return view_after_change(db_, id, who, clock_.now_ms());
}

}  // namespace orderly::app
