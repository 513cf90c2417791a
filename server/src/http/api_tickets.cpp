// Tickets: submit (through a service or a task template), read, list and search, and act on them.
// Each handler parses the request, makes one call to app::Tickets (app/tickets.h) and renders
// the result (http/ticket_render.h).
#include "app/tickets.h"
#include "core/codes.h"
#include "domain/workflow_json.h"
#include "http/app.h"
#include "http/render.h"
#include "http/ticket_render.h"

namespace orderly::http {

namespace {

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

// An RFC 3339 member of the body, or nullopt when absent or null.
std::optional<TimeMs> body_time(const json::Value& b, const char* name) {
    return time_field(name, json::get_string(b, name));
}

Response submit_ticket(App& app, Request& req) {
    const auto service_id = json::get_int(req.json, "service_id");
    const auto template_id = json::get_int(req.json, "template_id");
    if (service_id.has_value() == template_id.has_value())
        fail(Error::Field("service_id", "send either service_id or template_id",
                          codes::ticket_submit_target));
    app::SubmitInput in;
    app::TicketRequest& ticket = in.ticket;
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
    ticket.planned_start = body_time(req.json, "planned_start");
    ticket.planned_end = body_time(req.json, "planned_end");
    in.confirmed = json::get_bool(req.json, "confirm").value_or(false);
    in.idempotency_key = idempotency_key(req);
    in.body = req.body;
    const auto sub = app.ticketing.submit(caller(req), in);
    return Response::json(sub.replayed ? 200 : 201, ticket_json(sub.ticket));
}

Response list_tickets(App& app, Request& req) {
    const app::Caller who = caller(req);
    domain::TicketFilter f;
    f.view = req.query_str("view").value_or("mine");
    if (f.view != "todo" && f.view != "mine" && f.view != "involved" && f.view != "all")
        fail(Error::Field("view", "must be one of todo, mine, involved, all", codes::field_enum,
                          {{"allowed", "todo, mine, involved, all"}}));
    // Checked again by the list; here so that a forbidden view is told before other mistakes.
    app::check_ticket_view(who, f.view);
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
    return Response::ok(ticket_page_json(app.ticketing.list(who, f), f.limit));
}

Response list_todo(App& app, Request& req) {
    domain::TicketFilter f;
    f.view = "todo";
    f.limit = req.limit();
    f.before_id = decode_cursor(req.query_str("cursor"));
    return Response::ok(ticket_page_json(app.ticketing.list(caller(req), f), f.limit));
}

Response get_ticket(App& app, Request& req) {
    const auto v = app.ticketing.get(caller(req), req.id_param());
    return Response::ok(ticket_json(v)).header("ETag", etag(v.ticket.version));
}

// What executing would run, for the confirmation dialog: the command with secrets masked,
// the chosen values (hosts among them) and the environment. For whoever may execute (or
// retry) the ticket now; 403 for other readers.
Response execution_preview(App& app, Request& req) {
    const auto p = app.ticketing.execution_preview(caller(req), req.id_param());
    return Response::ok(execution_preview_json(p));
}

// The action's own member of the body: a reason, a comment's text, or a comment.
std::string action_text(domain::Action action, const json::Value& b) {
    switch (action) {
        case domain::Action::reject:
        case domain::Action::withdraw:
        case domain::Action::return_to:
            return json::get_string(b, "reason").value_or("");
        case domain::Action::comment:
            return json::get_string(b, "text").value_or("");
        default:
            return json::get_string(b, "comment").value_or("");
    }
}

Response act(App& app, Request& req, domain::Action action) {
    const int64_t id = req.id_param();
    const json::Value& b = req.json;
    app::ActInput in;
    in.request.action = action;
    in.request.text = action_text(action, b);
    if (action == domain::Action::fill || action == domain::Action::evaluate) {
        if (auto it = b.FindMember("fields"); it != b.MemberEnd())
            in.request.fields = unwrap(domain::field_values_from_json(it->value, "fields"));
    }
    in.request.to_node = json::get_string(b, "to_node").value_or("");
    in.to_user = json::get_string(b, "to_user");
    in.expected_version = json::get_int(b, "version");
    if (auto m = req.if_match()) {
        if (in.expected_version && *in.expected_version != *m)
            fail(Error::Field("version", "differs from If-Match", codes::field_version_mismatch));
        in.expected_version = m;
    }
    in.confirmed = json::get_bool(b, "confirm").value_or(false);
    if (action == domain::Action::execute || action == domain::Action::retry) {
        in.emergency = json::get_bool(b, "emergency").value_or(false);
        in.emergency_reason = json::get_string(b, "reason").value_or("");
    }
    const auto r = app.ticketing.act(caller(req), id, in);
    if (r.started_execution) return Response::json(202, execution_started_json(id, r));
    return Response::ok(ticket_json(*r.ticket));
}

// The submitter changes the ticket's change window (or removes it with both null).
Response set_window(App& app, Request& req) {
    app::WindowInput in;
    in.planned_start = body_time(req.json, "planned_start");
    in.planned_end = body_time(req.json, "planned_end");
    in.expected_version = json::get_int(req.json, "version");
    if (auto m = req.if_match()) {
        if (in.expected_version && *in.expected_version != *m)
            fail(Error::Field("version", "differs from If-Match", codes::field_version_mismatch));
        in.expected_version = m;
    }
    const auto v = app.ticketing.set_window(caller(req), req.id_param(), in);
    return Response::ok(ticket_json(v)).header("ETag", etag(v.ticket.version));
}

}  // namespace

void register_ticket_routes(App& app, Server& s) {
    s.route("POST", "/api/v1/tickets", [&app](Request& r) { return submit_ticket(app, r); });
    s.route("GET", "/api/v1/tickets", [&app](Request& r) { return list_tickets(app, r); });
    s.route("GET", "/api/v1/todo", [&app](Request& r) { return list_todo(app, r); });
    s.route("GET", "/api/v1/tickets/{id}", [&app](Request& r) { return get_ticket(app, r); });
    s.route("PUT", "/api/v1/tickets/{id}/window",
            [&app](Request& r) { return set_window(app, r); });
    s.route("GET", "/api/v1/tickets/{id}/execution-preview",
            [&app](Request& r) { return execution_preview(app, r); });
    auto action = [&](const char* path, domain::Action a) {
        s.route("POST", path, [&app, a](Request& req) { return act(app, req, a); });
    };
    action("/api/v1/tickets/{id}/approve", domain::Action::approve);
    action("/api/v1/tickets/{id}/reject", domain::Action::reject);
    action("/api/v1/tickets/{id}/fill", domain::Action::fill);
    action("/api/v1/tickets/{id}/evaluate", domain::Action::evaluate);
    action("/api/v1/tickets/{id}/execute", domain::Action::execute);
    action("/api/v1/tickets/{id}/retry", domain::Action::retry);
    action("/api/v1/tickets/{id}/withdraw", domain::Action::withdraw);
    action("/api/v1/tickets/{id}/transfer", domain::Action::transfer);
    action("/api/v1/tickets/{id}/comments", domain::Action::comment);
    action("/api/v1/tickets/{id}/return", domain::Action::return_to);
}

}  // namespace orderly::http
