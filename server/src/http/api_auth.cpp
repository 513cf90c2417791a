// Login, logout, the caller's own profile and personal API tokens: parse, call app::Sessions or
// app::People, render.
#include "http/app.h"
#include "http/client_address.h"
#include "http/render.h"

namespace orderly::http {

namespace {

std::string me_json(const app::Me& me) {
    json::Writer w;
    w.start_object();
    write_user_fields(w, me.user);
    w.key("permissions")
        .strings(std::vector<std::string>(me.permissions.begin(), me.permissions.end()));
    w.end_object();
    return w.take();
}

Response login(App& app, Request& req) {
    app::LoginInput in;
    in.username = *json::get_string(req.json, "username");
    in.password = *json::get_string(req.json, "password");
    // Failures count per client address (req.address: the peer, or the client a trusted proxy
    // names), never per account alone: see domain::ThrottlePolicy.
    in.throttle_key = throttle_key(req.address);
    auto out = app.sessions.login(caller(req), in);
    const auto& u = out.user;
    // The access log names the user who signed in.
    req.principal = Principal{u.id, u.username, u.display_name, 0, false, u.roles, {}};
    json::Writer w;
    w.start_object().kv("token", out.token);
    w.key("expires_at").time(out.expires_at);
    w.key("user");
    write_user(w, u);
    w.end_object();
    return Response::ok(w.take());
}

Response logout(App& app, Request& req) {
    req.user();  // 401 when not signed in (app::Sessions::logout needs the principal)
    app.sessions.logout(caller(req));
    return Response::no_content();
}

Response get_me(App& app, Request& req) {
    return Response::ok(me_json(app.people.me(caller(req))));
}

Response update_me(App& app, Request& req) {
    app::MePatch patch;
    patch.profile = profile_patch(req);
    patch.password = json::get_string(req.json, "password");
    patch.current_password = json::get_string(req.json, "current_password");
    return Response::ok(me_json(app.people.update_me(caller(req), patch)));
}

Response list_tokens(App& app, Request& req) {
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& t : app.sessions.api_tokens(caller(req))) write_api_token(w, t, nullptr);
    w.end_array().key("next_cursor").null().end_object();
    return Response::ok(w.take());
}

Response create_token(App& app, Request& req) {
    auto name = *json::get_string(req.json, "name");
    auto days = json::get_int(req.json, "expires_in_days");
    auto created = app.sessions.create_api_token(caller(req), name, days);
    json::Writer w;
    write_api_token(w, created.token, &created.secret);
    return Response::created(w.take());
}

Response revoke_token(App& app, Request& req) {
    app.sessions.revoke_api_token(caller(req), req.id_param());
    return Response::no_content();
}

}  // namespace

void register_auth_routes(App& app, Server& s) {
    auto on = [&app](Response (*handler)(App&, Request&)) {
        return [&app, handler](Request& req) { return handler(app, req); };
    };
    // Password verification costs tens of milliseconds of argon2id: blocking routes.
    s.route("POST", "/api/v1/auth/login", on(login), /*blocking=*/true);
    s.route("POST", "/api/v1/auth/logout", on(logout));
    s.route("GET", "/api/v1/me", on(get_me));
    s.route("PATCH", "/api/v1/me", on(update_me), /*blocking=*/true);
    s.route("GET", "/api/v1/me/tokens", on(list_tokens));
    s.route("POST", "/api/v1/me/tokens", on(create_token));
    s.route("DELETE", "/api/v1/me/tokens/{id}", on(revoke_token));
}

}  // namespace orderly::http
