// Tickets: submit (through a service or a task template), read, list and search, and act on them.
// The rules of submitting are app/ticket_submission.h; the engine that judges and applies
// actions is app/ticket_engine.h over domain/ticket.h.
#include <algorithm>

#include "app/template_snapshots.h"
#include "app/ticket_engine.h"
#include "app/ticket_submission.h"
#include "core/codes.h"
#include "domain/command.h"
#include "domain/ticket.h"
#include "http/app.h"
#include "http/render.h"
#include "http/run_preview.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/catalog_store.h"
#include "storage/execution_store.h"
#include "storage/ticket_store.h"
#include "storage/workflow_store.h"

namespace orderly::http {

namespace {

bool read_all(const Principal& p) {
    return p.can("ticket.read_all") || p.can("audit.read");
}

// The ticket, or 404 when it does not exist or the caller may not see it (no difference shown).
storage::Ticket load_visible(storage::Connection& c, int64_t id, const Principal& p) {
    auto t = storage::find_ticket(c, id);
    if (!t || !storage::can_read_ticket(c, *t, p.user_id, read_all(p)))
        fail(Error::NotFound("no ticket with id " + std::to_string(id))
                 .with(codes::ticket_not_found, {{"id", id}}));
    return std::move(*t);
}

void opt_int(json::Writer& w, const char* key, const std::optional<int64_t>& v) {
    w.key(key);
    if (v)
        w.num(*v);
    else
        w.null();
}

// A template snapshot as shown to catalog managers: everything but secret variables' values
// (the chosen ones and their option lists).
void write_snapshot(json::Writer& w, const std::string& text) {
    json::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) {
        w.null();
        return;
    }
    const auto secret = json::get_strings(d, "secret_vars").value_or(std::vector<std::string>{});
    w.start_object();
    for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) {
        const std::string name(m->name.GetString(), m->name.GetStringLength());
        w.key(name);
        if (name == "values" || name == "options")
            app::write_masked_values(w, m->value, secret);
        else
            w.value(m->value);
    }
    w.end_object();
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

// What a reader of the ticket needs to show it, without permissions on the catalog: the names of
// its service (and the service's catalog directories, root first), template and environment.
void write_ticket_names(json::Writer& w, storage::Connection& c, const storage::Ticket& t) {
    std::optional<storage::Service> sv;
    if (t.service_id) sv = storage::find_service(c, *t.service_id);
    w.key("service_name");
    if (sv)
        w.str(sv->name);
    else
        w.null();
    std::vector<std::string> path;
    std::optional<int64_t> dir = sv ? sv->catalog_id : std::nullopt;
    for (int depth = 0; dir && depth < 64; ++depth) {
        auto d = storage::find_catalog_dir(c, *dir);
        if (!d) break;
        path.insert(path.begin(), d->name);
        dir = d->parent_id;
    }
    w.kv("catalog_path", path);
    std::optional<domain::Template> tpl;
    if (t.template_id) tpl = storage::find_template(c, *t.template_id);
    w.key("template_name");
    if (tpl)
        w.str(tpl->name);
    else
        w.null();
    std::optional<domain::Category> env;
    if (t.environment)
        env = storage::find_category(c, storage::CategoryKind::environment, *t.environment);
    w.kv("environment_key", t.environment);
    w.key("environment_name");
    if (env)
        w.str(env->name);
    else
        w.null();
    w.key("environment_protected").boolean(env && env->protected_env);
}

// How the ticket's last execution ended (an ExecutionStatus: "succeeded", "failed", "timed_out",
// "cancelled", "interrupted"), or its state while it runs; null when it never ran. A cancelled
// run leaves the ticket "failed" (it may be retried) with execution_result "cancelled".
void write_execution_result(json::Writer& w, storage::Connection& c, int64_t ticket_id) {
    storage::ExecutionFilter f;
    f.ticket_id = ticket_id;
    f.limit = 1;
    auto rows = storage::list_executions(c, f);
    w.key("execution_result");
    if (rows.empty())
        w.null();
    else
        w.str(rows.front().status);
}

void write_ticket(json::Writer& w, storage::Connection& c, const storage::Ticket& t,
                  const Principal& p) {
    const storage::TicketFlow flow = storage::ticket_flow(c, t);
    const domain::TicketState state = storage::load_ticket_state(c, t);
    w.start_object().kv("id", t.id).kv("sn", t.sn).kv("title", t.title);
    w.kv("status", domain::to_string(t.status));
    opt_int(w, "service_id", t.service_id);
    opt_int(w, "template_id", t.template_id);
    opt_int(w, "workflow_id", flow.workflow_id);
    opt_int(w, "workflow_version_id", t.workflow_version_id);
    opt_int(w, "workflow_version", flow.workflow_version);
    w.kv("business", t.business).kv("environment", t.environment).kv("purpose", t.purpose);
    write_ticket_names(w, c, t);
    write_execution_result(w, c, t.id);
    w.key("creator")
        .start_object()
        .kv("username", t.creator)
        .kv("display_name", t.creator_name)
        .end_object();
    w.key("fields");
    domain::write_field_values(w, t.fields);
    w.key("variables").raw(t.variables_json.empty() ? "{}" : t.variables_json);
    // The snapshot holds the template's internal variables: only catalog managers see it.
    if (p.can("catalog.manage")) {
        w.key("template_snapshot");
        if (t.template_snapshot)
            write_snapshot(w, *t.template_snapshot);
        else
            w.null();
    }
    w.key("nodes").start_array();
    for (const auto& n : flow.def.nodes)
        w.start_object()
            .kv("key", n.key)
            .kv("name", n.name)
            .kv("type", domain::to_string(n.type))
            .end_object();
    w.end_array();
    w.key("current_nodes").start_array();
    if (auto cur = storage::current_node(c, t.id)) {
        const domain::Node* def = flow.def.find(cur->key);
        w.start_object().kv("key", cur->key).kv("name", cur->name).kv("type", cur->type);
        w.key("entered_at").time(cur->entered_at);
        w.key("assignees").start_array();
        for (const auto& a : cur->assignees)
            w.start_object()
                .kv("username", a.username)
                .kv("display_name", a.display_name)
                .kv("state", a.state)
                .end_object();
        w.end_array();
        w.key("rule");
        domain::write_approval_rule(w, def ? def->rule : domain::ApprovalRule{});
        w.key("fields");
        domain::write_field_defs(w, def ? def->fields : std::vector<domain::FieldDef>{});
        w.kv("readonly_fields", def ? def->readonly_fields : std::vector<std::string>{});
        w.end_object();
    }
    w.end_array();
    w.key("allowed_actions").start_array();
    for (auto a : domain::allowed_actions(flow.def, state, p.user_id)) w.str(domain::to_string(a));
    w.end_array();
    w.key("steps").start_array();
    for (const auto& s : storage::ticket_steps(c, t.id)) {
        w.start_object()
            .kv("id", s.id)
            .kv("node", s.node_key)
            .kv("node_name", s.node_name)
            .kv("action", s.action)
            .kv("actor", s.actor)
            .kv("actor_name", s.actor_name)
            .kv("comment", s.comment)
            .key("fields");
        if (s.fields_json)
            w.raw(*s.fields_json);
        else
            w.null();
        w.key("detail");
        if (s.detail_json)
            w.raw(*s.detail_json);
        else
            w.null();
        w.key("at").time(s.at);
        w.end_object();
    }
    w.end_array();
    w.key("executions").raw(storage::executions_json_for_ticket(c, t.id));
    w.key("created_at").time(t.created_at);
    w.key("updated_at").time(t.updated_at);
    w.key("finished_at").opt_time(t.finished_at);
    w.kv("version", t.version);
    w.end_object();
}

std::string ticket_json(storage::Connection& c, int64_t id, const Principal& p) {
    auto t = storage::find_ticket(c, id);
    if (!t)
        fail(Error::NotFound("no ticket with id " + std::to_string(id))
                 .with(codes::ticket_not_found, {{"id", id}}));
    json::Writer w(4096);
    write_ticket(w, c, *t, p);
    return w.take();
}

void write_summary(json::Writer& w, const storage::TicketSummary& t) {
    w.start_object().kv("id", t.id).kv("sn", t.sn).kv("title", t.title).kv("status", t.status);
    opt_int(w, "service_id", t.service_id);
    opt_int(w, "template_id", t.template_id);
    w.kv("business", t.business).kv("environment", t.environment).kv("purpose", t.purpose);
    w.key("creator")
        .start_object()
        .kv("username", t.creator)
        .kv("display_name", t.creator_name)
        .end_object();
    w.key("current_node");
    if (t.node_key)
        w.start_object()
            .kv("key", *t.node_key)
            .kv("name", t.node_name.value_or(""))
            .kv("type", t.node_type.value_or(""))
            .end_object();
    else
        w.null();
    w.key("created_at").time(t.created_at);
    w.key("updated_at").time(t.updated_at);
    w.kv("version", t.version);
    w.end_object();
}

std::string list_json(storage::Connection& c, storage::TicketFilter f) {
    const int limit = f.limit;
    f.limit = limit + 1;
    auto items = storage::list_tickets(c, f);
    return page_json(
        items, limit, [](json::Writer& w, const auto& x) { write_summary(w, x); },
        [](const auto& x) { return x.id; }, NoHead{}, 32768);
}

// ---- submitting

std::optional<std::string> idempotency_key(const Request& req) {
    auto k = req.header("idempotency-key");
    if (!k) return std::nullopt;
    bool printable = !k->empty() && k->size() <= 200;
    for (unsigned char ch : *k)
        if (ch < 0x21 || ch > 0x7e) printable = false;
    if (!printable)
        fail(Error::Field("Idempotency-Key", "must be 1 to 200 printable ASCII characters",
                          codes::field_pattern));
    return k;
}

std::string status_json(domain::TicketStatus s, const std::string& node) {
    json::Writer w;
    w.start_object().kv("status", domain::to_string(s)).kv("node", node).end_object();
    return w.take();
}

struct Submission {
    int64_t ticket_id = 0;
    bool replayed = false;
    bool executed = false;
    std::string body;
};

}  // namespace

void register_ticket_routes(App& app, Server& s) {
    s.route("POST", "/api/v1/tickets", [&app](Request& req) {
        const Principal& p = req.user();
        const auto service_id = json::get_int(req.json, "service_id");
        const auto template_id = json::get_int(req.json, "template_id");
        if (service_id.has_value() == template_id.has_value())
            fail(Error::Field("service_id", "send either service_id or template_id",
                              codes::ticket_submit_target));
        app::TicketRequest ticket;
        ticket.service_id = service_id;
        ticket.template_id = template_id;
        ticket.title = *json::get_string(req.json, "title");
        ticket.business = json::get_string(req.json, "business");
        if (ticket.business && ticket.business->empty()) ticket.business.reset();
        if (auto it = req.json.FindMember("fields"); it != req.json.MemberEnd())
            ticket.fields = unwrap(domain::field_values_from_json(it->value, "fields"));
        if (auto it = req.json.FindMember("variables"); it != req.json.MemberEnd())
            ticket.variables = &it->value;
        ticket.execute = json::get_bool(req.json, "execute").value_or(false);
        const bool execute = ticket.execute;
        const bool confirmed = json::get_bool(req.json, "confirm").value_or(false);
        const auto key = idempotency_key(req);
        const std::string request_hash = crypto::token_hash(req.body);
        const TimeMs now = app.clock.now_ms();

        Submission sub = app.db.write([&](storage::Connection& c) {
            Submission out;
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
            const auto prepared = app::prepare_ticket(c, submitter(p), ticket);
            const app::NewTicket& nt = prepared.ticket;
            storage::SqlTicketPorts ports(c);
            out.ticket_id = unwrap(app.tickets.create(ports.ports, nt, now));
            if (execute) {
                // Submit and execute in one step (seed 000, 图2): the submitter is the operator of
                // the execute step of a template without a workflow.
                app::ActionInput in;
                in.request.action = domain::Action::execute;
                in.request.actor_id = p.user_id;
                const int64_t tid = out.ticket_id;
                in.start_execution = [&] {
                    require_confirmation(c, nt.environment, confirmed);
                    return storage::enqueue_execution(c, tid, p.user_id, now);
                };
                auto started = unwrap(app.tickets.act(ports.ports, tid, in, now));
                out.executed = true;
                audit(c, req, now, "ticket.execute", "ticket", std::to_string(tid), started.summary,
                      status_json(started.before, started.node_name),
                      status_json(started.after, started.node_name));
            }
            if (key)
                storage::remember_idempotency_key(c, p.user_id, *key, request_hash, out.ticket_id,
                                                  now);
            auto created = storage::find_ticket(c, out.ticket_id);
            audit(c, req, now, "ticket.create", "ticket", std::to_string(out.ticket_id),
                  "submitted " + created->sn + " " + created->title, std::nullopt,
                  status_json(created->status, ""));
            return out;
        });
        if (sub.executed && app.executions.wake) app.executions.wake();
        // Rendered from a snapshot after the commit, not inside the write transaction: writes
        // are serialised, so every statement they hold is paid by every write queued behind.
        sub.body =
            app.db.read([&](storage::Connection& c) { return ticket_json(c, sub.ticket_id, p); });
        return Response::json(sub.replayed ? 200 : 201, std::move(sub.body));
    });

    s.route("GET", "/api/v1/tickets", [&app](Request& req) {
        const Principal& p = req.user();
        storage::TicketFilter f;
        f.user_id = p.user_id;
        f.view = req.query_str("view").value_or("mine");
        if (f.view != "todo" && f.view != "mine" && f.view != "involved" && f.view != "all")
            fail(Error::Field("view", "must be one of todo, mine, involved, all", codes::field_enum,
                              {{"allowed", "todo, mine, involved, all"}}));
        if (f.view == "all" && !read_all(p))
            fail(Error::Forbidden("the \"all\" view needs ticket.read_all or audit.read")
                     .with(codes::ticket_view_denied));
        f.status = req.query_str("status");
        if (f.status && !domain::parse_ticket_status(*f.status))
            fail(Error::Field("status", "is not a ticket status", codes::field_enum));
        f.environment = req.query_str("environment");
        f.purpose = req.query_str("purpose");
        f.business = req.query_str("business");
        f.creator = req.query_str("creator");
        f.service_id = req.query_int("service_id", 1, INT64_MAX);
        f.template_id = req.query_int("template_id", 1, INT64_MAX);
        f.from = req.query_time("from");
        f.to = req.query_time("to");
        f.q = req.query_str("q");
        if (f.q && f.q->size() > 800)
            fail(Error::Field("q", "is too long", codes::field_max_length, {{"max", 800}}));
        f.limit = req.limit();
        f.before_id = decode_cursor(req.query_str("cursor"));
        auto body = app.db.read([&](storage::Connection& c) { return list_json(c, f); });
        return Response::ok(std::move(body));
    });

    s.route("GET", "/api/v1/todo", [&app](Request& req) {
        storage::TicketFilter f;
        f.user_id = req.user().user_id;
        f.view = "todo";
        f.limit = req.limit();
        f.before_id = decode_cursor(req.query_str("cursor"));
        auto body = app.db.read([&](storage::Connection& c) { return list_json(c, f); });
        return Response::ok(std::move(body));
    });

    s.route("GET", "/api/v1/tickets/{id}", [&app](Request& req) {
        const int64_t id = req.id_param();
        const Principal& p = req.user();
        int64_t version = 0;
        auto body = app.db.read([&](storage::Connection& c) {
            auto t = load_visible(c, id, p);
            version = t.version;
            json::Writer w(4096);
            write_ticket(w, c, t, p);
            return w.take();
        });
        return Response::ok(std::move(body)).header("ETag", etag(version));
    });

    // What executing would run, for the confirmation dialog: the command with secrets masked,
    // the chosen values (hosts among them) and the environment. For whoever may execute (or
    // retry) the ticket now; 403 for other readers.
    s.route("GET", "/api/v1/tickets/{id}/execution-preview", [&app](Request& req) {
        const int64_t id = req.id_param();
        const Principal& p = req.user();
        auto body = app.db.read([&](storage::Connection& c) {
            auto t = load_visible(c, id, p);
            const storage::TicketFlow flow = storage::ticket_flow(c, t);
            const domain::TicketState state = storage::load_ticket_state(c, t);
            const auto allowed = domain::allowed_actions(flow.def, state, p.user_id);
            auto has = [&](domain::Action a) {
                return std::find(allowed.begin(), allowed.end(), a) != allowed.end();
            };
            const bool retry = has(domain::Action::retry);
            if (!has(domain::Action::execute) && !retry)
                fail(Error::Forbidden("you cannot execute this ticket now")
                         .with(codes::execution_preview_denied));
            if (!t.template_snapshot)
                fail(Error::Unprocessable("the ticket has no task template to run")
                         .with(codes::service_no_template));
            std::vector<std::string> secrets;
            auto argv =
                unwrap(app::revalidate_snapshot(c, app.secret_key, *t.template_snapshot, &secrets));
            json::Document vars;
            if (t.variables_json.empty() || !json::parse_untrusted(t.variables_json, vars).ok() ||
                !vars.IsObject())
                vars.SetObject();
            json::Writer w;
            w.start_object().kv("ticket_id", t.id).kv("ticket_sn", t.sn);
            w.kv("action", retry ? "retry" : "execute");
            // Every chosen value, secrets masked.
            std::erase(secrets, std::string());
            std::map<std::string, std::vector<std::string>> chosen;
            w.key("variables").start_object();
            for (auto m = vars.MemberBegin(); m != vars.MemberEnd(); ++m) {
                std::string name(m->name.GetString(), m->name.GetStringLength());
                auto& values = chosen[name];
                if (m->value.IsString())
                    values.emplace_back(m->value.GetString(), m->value.GetStringLength());
                else if (m->value.IsArray())
                    for (const auto& x : m->value.GetArray())
                        if (x.IsString()) values.emplace_back(x.GetString(), x.GetStringLength());
                std::vector<std::string> masked;
                for (const auto& v : values) masked.push_back(domain::mask_secrets(v, secrets));
                w.key(name);
                if (m->value.IsArray())
                    w.strings(masked);
                else if (!masked.empty())
                    w.str(masked.front());
                else
                    w.null();
            }
            w.end_object();
            write_run_preview(w, c, t.environment, argv, std::move(secrets), chosen);
            w.end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    // ---- actions
    auto act = [&app](domain::Action action) {
        return [&app, action](Request& req) {
            const int64_t id = req.id_param();
            const Principal& p = req.user();
            domain::ActionRequest r;
            r.action = action;
            r.actor_id = p.user_id;
            const json::Value& b = req.json;
            switch (action) {
                case domain::Action::reject:
                case domain::Action::withdraw:
                case domain::Action::return_to:
                    r.text = json::get_string(b, "reason").value_or("");
                    break;
                case domain::Action::comment:
                    r.text = json::get_string(b, "text").value_or("");
                    break;
                default:
                    r.text = json::get_string(b, "comment").value_or("");
            }
            if (action == domain::Action::fill || action == domain::Action::evaluate) {
                if (auto it = b.FindMember("fields"); it != b.MemberEnd())
                    r.fields = unwrap(domain::field_values_from_json(it->value, "fields"));
            }
            r.to_node = json::get_string(b, "to_node").value_or("");
            const auto to_user = json::get_string(b, "to_user");
            std::optional<int64_t> expected = json::get_int(b, "version");
            if (auto m = req.if_match()) {
                if (expected && *expected != *m)
                    fail(Error::Field("version", "differs from If-Match",
                                      codes::field_version_mismatch));
                expected = m;
            }
            const bool starts_execution =
                action == domain::Action::execute || action == domain::Action::retry;
            const bool confirmed = json::get_bool(b, "confirm").value_or(false);
            const TimeMs now = app.clock.now_ms();
            auto body = app.db.write([&](storage::Connection& c) {
                const storage::Ticket loaded = load_visible(c, id, p);
                if (to_user) {
                    auto u = storage::find_user_by_name(c, *to_user);
                    if (!u || u->disabled)
                        fail(Error::UnprocessableField("to_user", "no user \"" + *to_user + "\"",
                                                       codes::user_unknown,
                                                       {{"username", *to_user}}));
                    r.to_user = u->id;
                }
                app::ActionInput in;
                in.request = r;
                in.expected_version = expected;
                in.loaded = &loaded;
                if (starts_execution)
                    in.start_execution = [&] {
                        // Judged after the action itself: only someone who may execute learns
                        // that a confirmation is missing.
                        require_confirmation(c, loaded.environment, confirmed);
                        return storage::enqueue_execution(c, id, p.user_id, now);
                    };
                storage::SqlTicketPorts ports(c);
                auto out = unwrap(app.tickets.act(ports.ports, id, in, now));
                audit(c, req, now, "ticket." + std::string(domain::to_string(action)), "ticket",
                      std::to_string(id), out.summary, status_json(out.before, out.node_name),
                      status_json(out.after, out.node_name));
                if (starts_execution) {
                    json::Writer w;
                    w.start_object()
                        .kv("execution_id", out.execution_id.value_or(0))
                        .kv("ticket_id", id)
                        .kv("status", domain::to_string(out.after))
                        .end_object();
                    return w.take();
                }
                return std::string();
            });
            if (starts_execution) {
                if (app.executions.wake) app.executions.wake();
                return Response::json(202, std::move(body));
            }
            // The ticket after the action, rendered outside the (serialised) write transaction.
            body = app.db.read([&](storage::Connection& c) { return ticket_json(c, id, p); });
            return Response::ok(std::move(body));
        };
    };
    s.route("POST", "/api/v1/tickets/{id}/approve", act(domain::Action::approve));
    s.route("POST", "/api/v1/tickets/{id}/reject", act(domain::Action::reject));
    s.route("POST", "/api/v1/tickets/{id}/fill", act(domain::Action::fill));
    s.route("POST", "/api/v1/tickets/{id}/evaluate", act(domain::Action::evaluate));
    s.route("POST", "/api/v1/tickets/{id}/execute", act(domain::Action::execute));
    s.route("POST", "/api/v1/tickets/{id}/retry", act(domain::Action::retry));
    s.route("POST", "/api/v1/tickets/{id}/withdraw", act(domain::Action::withdraw));
    s.route("POST", "/api/v1/tickets/{id}/transfer", act(domain::Action::transfer));
    s.route("POST", "/api/v1/tickets/{id}/comments", act(domain::Action::comment));
    s.route("POST", "/api/v1/tickets/{id}/return", act(domain::Action::return_to));
}

}  // namespace orderly::http
