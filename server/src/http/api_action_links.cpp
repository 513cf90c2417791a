// One-click approval links (app/action_links.h). The routes are public: the link is the
// credential. A caller who sends a bearer token anyway is signed in for this request, which is
// what a protected environment asks of the approver.
#include "core/codes.h"
#include "http/app.h"
#include "http/render.h"
#include "http/run_preview.h"
#include "http/ticket_render.h"

namespace orderly::http {

namespace {

// The signed-in user, when the request carries a bearer token (a bad one is a 401, as anywhere).
void sign_in_if_asked(App& app, Request& req) {
    if (auto token = req.bearer_token()) req.principal = unwrap(app.sessions.authenticate(*token));
}

const std::string& token_param(const Request& req) {
    return req.str_param("token");
}

Response open_link(App& app, Request& req) {
    sign_in_if_asked(app, req);
    const auto v = app.action_links.open(caller(req), token_param(req));
    json::Writer w;
    w.start_object()
        .kv("approver", v.approver)
        .kv("ticket_id", v.link.ticket_id)
        .kv("sign_in_required", v.sign_in_required);
    w.key("sign_in_reason");
    if (v.sign_in_reason.empty())
        w.null();
    else
        w.str(v.sign_in_reason);
    w.key("expires_at").time(v.link.expires_at);
    w.key("ticket");
    if (v.ticket)
        write_ticket(w, *v.ticket);
    else
        w.null();
    w.key("preview");
    if (v.preview)
        w.raw(execution_preview_json(*v.preview));
    else
        w.null();
    w.end_object();
    return Response::ok(w.take());
}

Response decide_by_link(App& app, Request& req) {
    sign_in_if_asked(app, req);
    app::LinkDecision d;
    const std::string action = *json::get_string(req.json, "action");
    d.action = action == "reject" ? domain::Action::reject : domain::Action::approve;
    d.text = json::get_string(req.json, d.action == domain::Action::reject ? "reason" : "comment")
                 .value_or("");
    const auto r = app.action_links.decide(caller(req), token_param(req), d);
    return Response::ok(ticket_json(*r.ticket));
}

}  // namespace

void register_action_link_routes(App& app, Server& s) {
    s.route("GET", "/api/v1/action-links/{token}",
            [&app](Request& r) { return open_link(app, r); });
    s.route("POST", "/api/v1/action-links/{token}",
            [&app](Request& r) { return decide_by_link(app, r); });
}

}  // namespace orderly::http
