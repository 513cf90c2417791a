// Freeze windows and the change calendar (the use cases are app::FreezeCalendar).
#include "app/freeze_calendar.h"
#include "domain/freeze_json.h"
#include "http/app.h"
#include "http/render.h"
#include "http/ticket_render.h"

namespace orderly::http {

namespace {

// The window a POST or PUT body describes (valid against FreezeWindowInput).
domain::FreezeWindow window_of(const Request& req) {
    const auto& b = req.json;
    domain::FreezeWindow w;
    w.name = *json::get_string(b, "name");
    w.reason = json::get_string(b, "reason").value_or("");
    w.environments = json::get_strings(b, "environments").value_or(std::vector<std::string>{});
    w.kind = domain::parse_freeze_kind(*json::get_string(b, "kind")).value_or(w.kind);
    if (auto s = json::get_string(b, "start")) w.start = parse_rfc3339(*s);
    if (auto e = json::get_string(b, "end")) w.end = parse_rfc3339(*e);
    auto rule = json::get_string(b, "rrule");
    auto duration = json::get_int(b, "duration_s");
    auto tz = json::get_string(b, "timezone");
    if (rule || duration || tz)
        w.recurrence =
            domain::FreezeRecurrence{rule.value_or(""), duration.value_or(0), tz.value_or("")};
    return w;
}

Response list_windows(App& app, Request&) {
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& f : app.freezes.list()) domain::write_freeze_json(w, f);
    w.end_array().key("next_cursor").null().end_object();
    return Response::ok(w.take());
}

Response create_window(App& app, Request& req) {
    auto created = app.freezes.create(caller(req), window_of(req));
    return Response::created(domain::freeze_json(created));
}

Response get_window(App& app, Request& req) {
    auto f = app.freezes.get(req.id_param());
    return Response::ok(domain::freeze_json(f)).header("ETag", etag(f.version));
}

Response replace_window(App& app, Request& req) {
    auto after = app.freezes.update(caller(req), req.id_param(), req.if_match(), window_of(req));
    return Response::ok(domain::freeze_json(after));
}

Response delete_window(App& app, Request& req) {
    app.freezes.remove(caller(req), req.id_param(), req.if_match());
    return Response::no_content();
}

struct Range {
    TimeMs from = 0;
    TimeMs to = 0;
    std::optional<std::string> environment;
};

Range range_of(const Request& req) {
    return Range{*req.query_time("from"), *req.query_time("to"), req.query_str("environment")};
}

Response calendar_json(App& app, Request& req) {
    const Range r = range_of(req);
    const auto cal = app.freezes.calendar(caller(req), r.from, r.to, r.environment);
    json::Writer w;
    w.start_object();
    w.key("from").time(cal.from);
    w.key("to").time(cal.to);
    w.key("freezes").start_array();
    for (const auto& f : cal.freezes) {
        w.start_object()
            .kv("freeze_id", f.window.id)
            .kv("name", f.window.name)
            .kv("reason", f.window.reason)
            .kv("kind", domain::to_string(f.window.kind));
        w.key("environments").strings(f.window.environments);
        w.key("start").time(f.start);
        w.key("end").opt_time(f.end);
        w.end_object();
    }
    w.end_array().key("tickets").start_array();
    for (const auto& t : cal.tickets) {
        w.start_object();
        write_ticket_identity(w, t.restricted, t.id, t.sn, t.title);
        w.kv("status", t.status);
        w.key("environment").opt_str(t.environment);
        w.key("start").time(t.start);
        w.key("end").time(t.end);
        w.end_object();
    }
    w.end_array().end_object();
    return Response::ok(w.take());
}

Response calendar_ics(App& app, Request& req) {
    const Range r = range_of(req);
    Response out = Response::ok(app.freezes.calendar_ics(caller(req), r.from, r.to, r.environment));
    out.content_type = "text/calendar; charset=utf-8";
    out.header("Content-Disposition", "attachment; filename=\"orderly-calendar.ics\"");
    return out;
}

}  // namespace

void register_freeze_routes(App& app, Server& s) {
    using Handler = Response (*)(App&, Request&);
    auto on = [&](const char* method, const char* path, Handler h) {
        s.route(method, path, [&app, h](Request& req) { return h(app, req); });
    };
    on("GET", "/api/v1/freeze-windows", list_windows);
    on("POST", "/api/v1/freeze-windows", create_window);
    on("GET", "/api/v1/freeze-windows/{id}", get_window);
    on("PUT", "/api/v1/freeze-windows/{id}", replace_window);
    on("DELETE", "/api/v1/freeze-windows/{id}", delete_window);
    on("GET", "/api/v1/calendar", calendar_json);
    on("GET", "/api/v1/calendar.ics", calendar_ics);
}

}  // namespace orderly::http
