// Users, roles, permissions and businesses: parse, call app::People, render.
#include "core/codes.h"
#include "domain/accounts.h"
#include "http/app.h"
#include "http/render.h"

namespace orderly::http {

namespace {

// One object rendered on its own.
template <typename T>
std::string rendered(void (*write)(json::Writer&, const T&), const T& x) {
    json::Writer w;
    write(w, x);
    return w.take();
}

app::Members members_from(const json::Value& obj) {
    app::Members out;
    auto it = obj.FindMember("members");
    if (it == obj.MemberEnd() || !it->value.IsObject()) return out;
    for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
        auto& list = out[m->name.GetString()];
        for (const auto& v : m->value.GetArray())
            list.emplace_back(v.GetString(), v.GetStringLength());
    }
    return out;
}

// ---- users

Response list_users(App& app, Request& req) {
    auto q = req.query_str("q");
    int limit = req.limit();
    int64_t after = decode_cursor(req.query_str("cursor"));
    auto users = app.people.list_users(q, after, limit + 1);
    return Response::ok(
        page_json(users, limit, write_user, [](const domain::User& x) { return x.id; }));
}

Response create_user(App& app, Request& req) {
    app::NewUser in;
    in.user.username = *json::get_string(req.json, "username");
    in.user.display_name = json::get_string(req.json, "display_name").value_or("");
    check_email_member(req);
    in.user.email = json::get_string(req.json, "email");
    in.user.locale = json::get_string(req.json, "locale").value_or("zh-CN");
    in.user.timezone = json::get_string(req.json, "timezone");
    in.user.chat_ids = chat_ids_member(req).value_or(std::map<std::string, std::string>{});
    in.user.roles = json::get_strings(req.json, "roles").value_or(std::vector<std::string>{});
    in.password = *json::get_string(req.json, "password");
    auto created = app.people.create_user(caller(req), std::move(in));
    return Response::created(rendered(write_user, created));
}

Response get_user(App& app, Request& req) {
    auto u = app.people.user(req.id_param());
    return Response::ok(rendered(write_user, u)).header("ETag", etag(u.version));
}

Response update_user(App& app, Request& req) {
    int64_t id = req.id_param();
    app::UserPatch patch;
    patch.profile = profile_patch(req);
    patch.password = json::get_string(req.json, "password");
    patch.disabled = json::get_bool(req.json, "disabled");
    patch.roles = json::get_strings(req.json, "roles");
    auto after = app.people.update_user(caller(req), id, patch);
    return Response::ok(rendered(write_user, after));
}

Response delete_user(App& app, Request& req) {
    app.people.delete_user(caller(req), req.id_param(), req.header("if-match"));
    return Response::no_content();
}

// ---- roles and permissions

Response list_roles(App& app, Request&) {
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& r : app.people.list_roles()) write_role(w, r);
    w.end_array().key("next_cursor").null().end_object();
    return Response::ok(w.take());
}

Response create_role(App& app, Request& req) {
    domain::Role r;
    r.key = *json::get_string(req.json, "key");
    r.name = *json::get_string(req.json, "name");
    r.permissions = *json::get_strings(req.json, "permissions");
    auto created = app.people.create_role(caller(req), std::move(r));
    return Response::created(rendered(write_role, created));
}

Response get_role(App& app, Request& req) {
    auto r = app.people.role(req.str_param("key"));
    return Response::ok(rendered(write_role, r)).header("ETag", etag(r.version));
}

Response update_role(App& app, Request& req) {
    app::RolePatch patch;
    patch.if_match = req.header("if-match");
    patch.name = json::get_string(req.json, "name");
    patch.permissions = json::get_strings(req.json, "permissions");
    auto after = app.people.update_role(caller(req), req.str_param("key"), patch);
    return Response::ok(rendered(write_role, after));
}

Response delete_role(App& app, Request& req) {
    app.people.delete_role(caller(req), req.str_param("key"), req.header("if-match"));
    return Response::no_content();
}

Response list_permissions(Request&) {
    json::Writer w;
    w.start_object().key("items").start_array();
    for (const auto& p : domain::all_permissions())
        w.start_object().kv("name", p.name).kv("description", p.description).end_object();
    w.end_array().end_object();
    return Response::ok(w.take());
}

// ---- businesses

Response list_businesses(App& app, Request& req) {
    const int limit = req.limit();
    // Ordered by key; the cursor is the last key of the previous page.
    const std::string after = req.query_str("cursor").value_or("");
    auto rows = app.people.list_businesses(after, limit + 1);
    return Response::ok(
        page_json(rows, limit, write_business, [](const domain::Business& b) { return b.key; }));
}

Response create_business(App& app, Request& req) {
    domain::Business b;
    b.key = *json::get_string(req.json, "key");
    b.name = *json::get_string(req.json, "name");
    b.description = json::get_string(req.json, "description").value_or("");
    auto created = app.people.create_business(caller(req), std::move(b), members_from(req.json));
    return Response::created(rendered(write_business, created));
}

Response get_business(App& app, Request& req) {
    auto b = app.people.business(req.str_param("key"));
    return Response::ok(rendered(write_business, b)).header("ETag", etag(b.version));
}

Response update_business(App& app, Request& req) {
    app::BusinessPatch patch;
    patch.if_match = req.header("if-match");
    patch.name = json::get_string(req.json, "name");
    patch.description = json::get_string(req.json, "description");
    if (json::has(req.json, "members")) patch.members = members_from(req.json);
    auto after = app.people.update_business(caller(req), req.str_param("key"), patch);
    return Response::ok(rendered(write_business, after));
}

Response delete_business(App& app, Request& req) {
    app.people.delete_business(caller(req), req.str_param("key"), req.header("if-match"));
    return Response::no_content();
}

}  // namespace

void register_people_routes(App& app, Server& s) {
    auto on = [&app](Response (*handler)(App&, Request&)) {
        return [&app, handler](Request& req) { return handler(app, req); };
    };
    s.route("GET", "/api/v1/users", on(list_users));
    // Hashing a password costs tens of milliseconds of argon2id: blocking routes.
    s.route("POST", "/api/v1/users", on(create_user), /*blocking=*/true);
    s.route("GET", "/api/v1/users/{id}", on(get_user));
    s.route("PATCH", "/api/v1/users/{id}", on(update_user), /*blocking=*/true);
    s.route("DELETE", "/api/v1/users/{id}", on(delete_user));

    s.route("GET", "/api/v1/roles", on(list_roles));
    s.route("POST", "/api/v1/roles", on(create_role));
    s.route("GET", "/api/v1/roles/{key}", on(get_role));
    s.route("PATCH", "/api/v1/roles/{key}", on(update_role));
    s.route("DELETE", "/api/v1/roles/{key}", on(delete_role));
    s.route("GET", "/api/v1/permissions", list_permissions);

    s.route("GET", "/api/v1/businesses", on(list_businesses));
    s.route("POST", "/api/v1/businesses", on(create_business));
    s.route("GET", "/api/v1/businesses/{key}", on(get_business));
    s.route("PATCH", "/api/v1/businesses/{key}", on(update_business));
    s.route("DELETE", "/api/v1/businesses/{key}", on(delete_business));
}

}  // namespace orderly::http
