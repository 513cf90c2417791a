// Users, roles, permissions and businesses.
#include "core/codes.h"
#include "domain/accounts.h"
#include "http/app.h"
#include "http/render.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"

namespace orderly::http {

namespace {

std::vector<std::string> unique_strings(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

std::map<std::string, std::vector<std::string>> members_from(const json::Value& obj) {
    std::map<std::string, std::vector<std::string>> out;
    auto it = obj.FindMember("members");
    if (it == obj.MemberEnd() || !it->value.IsObject()) return out;
    for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
        auto& list = out[m->name.GetString()];
        for (const auto& v : m->value.GetArray())
            list.emplace_back(v.GetString(), v.GetStringLength());
        list = unique_strings(list);
    }
    return out;
}

void check_permissions(const std::vector<std::string>& perms) {
    for (const auto& p : perms)
        if (!domain::is_known_permission(p))
            fail(Error::UnprocessableField(
                "permissions", "unknown permission \"" + p + "\" (see GET /api/v1/permissions)",
                codes::permission_unknown, {{"permission", p}}));
}

domain::User load_user(storage::Connection& c, int64_t id) {
    auto u = storage::find_user(c, id);
    if (!u)
        fail(Error::NotFound("no user with id " + std::to_string(id))
                 .with(codes::user_not_found, {{"id", id}}));
    return *u;
}

// The roles of `after` that are not in `before`, with their permissions. Unknown keys are left
// out here; set_user_roles answers 422 naming them.
std::vector<domain::Role> granted_roles(storage::Connection& c,
                                        const std::vector<std::string>& before,
                                        const std::vector<std::string>& after) {
    std::vector<domain::Role> out;
    for (const auto& key : after) {
        if (std::find(before.begin(), before.end(), key) != before.end()) continue;
        if (auto r = storage::find_role(c, key)) out.push_back(std::move(*r));
    }
    return out;
}

}  // namespace

void register_people_routes(App& app, Server& s) {
    // ---- users
    s.route("GET", "/api/v1/users", [&app](Request& req) {
        auto q = req.query_str("q");
        int limit = req.limit();
        int64_t after = decode_cursor(req.query_str("cursor"));
        auto body = app.db.read([&](storage::Connection& c) {
            auto users = storage::list_users(c, q, after, limit + 1);
            return page_json(users, limit, write_user, [](const domain::User& x) { return x.id; });
        });
        return Response::ok(std::move(body));
    });

    s.route(
        "POST", "/api/v1/users",
        [&app](Request& req) {
            domain::User u;
            u.username = *json::get_string(req.json, "username");
            u.display_name = json::get_string(req.json, "display_name").value_or("");
            check_email_member(req);
            u.email = json::get_string(req.json, "email");
            if (u.email && u.email->empty()) u.email.reset();
            u.locale = json::get_string(req.json, "locale").value_or("zh-CN");
            u.roles = unique_strings(
                json::get_strings(req.json, "roles").value_or(std::vector<std::string>{}));
            const std::string hash = crypto::hash_password(*json::get_string(req.json, "password"));
            TimeMs now = app.clock.now_ms();
            u.created_at = u.updated_at = now;
            auto body = app.db.write([&](storage::Connection& c) {
                domain::UserChange change;
                change.granted_roles = granted_roles(c, {}, u.roles);
                change.roles_change = !u.roles.empty();
                unwrap(domain::check_user_change(req.user().permissions, change));
                int64_t id = unwrap(storage::insert_user(c, u, hash));
                unwrap(storage::set_user_roles(c, id, u.roles));
                auto created = load_user(c, id);
                audit(c, req, now, "user.create", "user", std::to_string(id),
                      "created user " + u.username, std::nullopt, user_json(created));
                json::Writer w;
                write_user(w, created);
                return w.take();
            });
            return Response::created(std::move(body));
        },
        /*blocking=*/true);

    s.route("GET", "/api/v1/users/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        auto u = app.db.read([&](storage::Connection& c) { return load_user(c, id); });
        json::Writer w;
        write_user(w, u);
        return Response::ok(w.take()).header("ETag", etag(u.version));
    });

    s.route(
        "PATCH", "/api/v1/users/{id}",
        [&app](Request& req) {
            int64_t id = req.id_param();
            check_email_member(req);
            std::optional<std::string> hash;
            if (auto pw = json::get_string(req.json, "password")) hash = crypto::hash_password(*pw);
            TimeMs now = app.clock.now_ms();
            auto body = app.db.write([&](storage::Connection& c) {
                auto u = load_user(c, id);
                check_version(req, u.version, "user " + u.username);
                auto before = user_json(u);
                if (auto v = json::get_string(req.json, "display_name")) u.display_name = *v;
                if (json::is_null_member(req.json, "email"))
                    u.email.reset();
                else if (auto v = json::get_string(req.json, "email"))
                    u.email = v->empty() ? std::nullopt : v;
                bool was_disabled = u.disabled;
                if (auto v = json::get_bool(req.json, "disabled")) u.disabled = *v;
                if (auto v = json::get_string(req.json, "locale")) u.locale = *v;
                if (u.disabled && !was_disabled && req.user().user_id == id)
                    fail(Error::Conflict("you cannot disable yourself")
                             .with(codes::user_cannot_disable_self));
                auto roles = json::get_strings(req.json, "roles");
                if (roles) *roles = unique_strings(*roles);
                domain::UserChange change;
                change.target_permissions = storage::permissions_of(c, id);
                if (roles) {
                    change.granted_roles = granted_roles(c, u.roles, *roles);
                    change.roles_change = unique_strings(u.roles) != *roles;
                }
                change.password_change = hash.has_value();
                change.active_change = u.disabled != was_disabled;
                unwrap(domain::check_user_change(req.user().permissions, change));
                const int64_t admins_before = storage::count_active_admins(c);
                if (roles) unwrap(storage::set_user_roles(c, id, *roles));
                storage::update_user(c, u, now);
                if (hash) storage::set_password_hash(c, id, *hash, now);
                // A disabled user's sessions and tokens stop working at once, in every process.
                if (u.disabled && !was_disabled) storage::revoke_user_tokens(c, id, now);
                unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
                auto after = load_user(c, id);
                audit(c, req, now, "user.update", "user", std::to_string(id),
                      "updated user " + u.username + (hash ? " (password reset)" : ""), before,
                      user_json(after));
                json::Writer w;
                write_user(w, after);
                return w.take();
            });
            return Response::ok(std::move(body));
        },
        /*blocking=*/true);

    s.route("DELETE", "/api/v1/users/{id}", [&app](Request& req) {
        int64_t id = req.id_param();
        if (req.user().user_id == id)
            fail(
                Error::Conflict("you cannot delete yourself").with(codes::user_cannot_delete_self));
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto u = load_user(c, id);
            check_version(req, u.version, "user " + u.username);
            auto before = user_json(u);
            domain::UserChange change;
            change.target_permissions = storage::permissions_of(c, id);
            change.active_change = true;
            unwrap(domain::check_user_change(req.user().permissions, change));
            const int64_t admins_before = storage::count_active_admins(c);
            u.disabled = true;
            storage::update_user(c, u, now);
            storage::revoke_user_tokens(c, id, now);
            unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
            audit(c, req, now, "user.delete", "user", std::to_string(id),
                  "deactivated user " + u.username, before, user_json(u));
        });
        return Response::no_content();
    });

    // ---- roles and permissions
    s.route("GET", "/api/v1/roles", [&app](Request&) {
        auto body = app.db.read([&](storage::Connection& c) {
            json::Writer w;
            w.start_object().key("items").start_array();
            for (const auto& r : storage::list_roles(c)) write_role(w, r);
            w.end_array().key("next_cursor").null().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/roles", [&app](Request& req) {
        domain::Role r;
        r.key = *json::get_string(req.json, "key");
        r.name = *json::get_string(req.json, "name");
        r.permissions = unique_strings(*json::get_strings(req.json, "permissions"));
        check_permissions(r.permissions);
        unwrap(domain::check_role_change(req.user().permissions, {}, r.permissions));
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            unwrap(storage::insert_role(c, r, now));
            auto created = *storage::find_role(c, r.key);
            audit(c, req, now, "role.create", "role", r.key, "created role " + r.key, std::nullopt,
                  role_json(created));
            json::Writer w;
            write_role(w, created);
            return w.take();
        });
        return Response::created(std::move(body));
    });

    s.route("GET", "/api/v1/roles/{key}", [&app](Request& req) {
        const auto& key = req.str_param("key");
        auto r = app.db.read([&](storage::Connection& c) { return storage::find_role(c, key); });
        if (!r)
            fail(Error::NotFound("no role with key \"" + key + "\"")
                     .with(codes::role_not_found, {{"key", key}}));
        json::Writer w;
        write_role(w, *r);
        return Response::ok(w.take()).header("ETag", etag(r->version));
    });

    s.route("PATCH", "/api/v1/roles/{key}", [&app](Request& req) {
        const auto& key = req.str_param("key");
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto r = storage::find_role(c, key);
            if (!r)
                fail(Error::NotFound("no role with key \"" + key + "\"")
                         .with(codes::role_not_found, {{"key", key}}));
            if (r->builtin)
                fail(Error::Conflict("the built-in role \"" + key + "\" cannot be changed")
                         .with(codes::role_builtin, {{"key", key}}));
            check_version(req, r->version, "role " + key);
            auto before = role_json(*r);
            if (auto v = json::get_string(req.json, "name")) r->name = *v;
            if (auto v = json::get_strings(req.json, "permissions")) {
                auto perms = unique_strings(*v);
                check_permissions(perms);
                unwrap(domain::check_role_change(req.user().permissions, r->permissions, perms));
                r->permissions = std::move(perms);
            }
            const int64_t admins_before = storage::count_active_admins(c);
            storage::update_role(c, *r, now);
            unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
            auto after = *storage::find_role(c, key);
            audit(c, req, now, "role.update", "role", key, "updated role " + key, before,
                  role_json(after));
            json::Writer w;
            write_role(w, after);
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/roles/{key}", [&app](Request& req) {
        const auto& key = req.str_param("key");
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto r = storage::find_role(c, key);
            if (!r)
                fail(Error::NotFound("no role with key \"" + key + "\"")
                         .with(codes::role_not_found, {{"key", key}}));
            if (r->builtin)
                fail(Error::Conflict("the built-in role \"" + key + "\" cannot be deleted")
                         .with(codes::role_builtin, {{"key", key}}));
            check_version(req, r->version, "role " + key);
            unwrap(domain::check_role_change(req.user().permissions, r->permissions, {}));
            const int64_t admins_before = storage::count_active_admins(c);
            storage::delete_role(c, key);
            unwrap(domain::check_admin_remains(admins_before, storage::count_active_admins(c)));
            audit(c, req, now, "role.delete", "role", key, "deleted role " + key, role_json(*r));
        });
        return Response::no_content();
    });

    s.route("GET", "/api/v1/permissions", [](Request&) {
        json::Writer w;
        w.start_object().key("items").start_array();
        for (const auto& p : domain::all_permissions())
            w.start_object().kv("name", p.name).kv("description", p.description).end_object();
        w.end_array().end_object();
        return Response::ok(w.take());
    });

    // ---- businesses
    s.route("GET", "/api/v1/businesses", [&app](Request& req) {
        const int limit = req.limit();
        // Ordered by key; the cursor is the last key of the previous page.
        const std::string after = req.query_str("cursor").value_or("");
        auto body = app.db.read([&](storage::Connection& c) {
            auto rows = storage::list_businesses(c, after, limit + 1);
            return page_json(rows, limit, write_business,
                             [](const domain::Business& b) { return b.key; });
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/businesses", [&app](Request& req) {
        domain::Business b;
        b.key = *json::get_string(req.json, "key");
        b.name = *json::get_string(req.json, "name");
        b.description = json::get_string(req.json, "description").value_or("");
        auto members = members_from(req.json);
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            unwrap(storage::insert_business(c, b, now));
            unwrap(storage::set_business_members(c, b.key, members));
            auto created = *storage::find_business(c, b.key);
            audit(c, req, now, "business.create", "business", b.key, "created business " + b.key,
                  std::nullopt, business_json(created));
            json::Writer w;
            write_business(w, created);
            return w.take();
        });
        return Response::created(std::move(body));
    });

    s.route("GET", "/api/v1/businesses/{key}", [&app](Request& req) {
        const auto& key = req.str_param("key");
        auto b =
            app.db.read([&](storage::Connection& c) { return storage::find_business(c, key); });
        if (!b)
            fail(Error::NotFound("no business with key \"" + key + "\"")
                     .with(codes::business_not_found, {{"key", key}}));
        json::Writer w;
        write_business(w, *b);
        return Response::ok(w.take()).header("ETag", etag(b->version));
    });

    s.route("PATCH", "/api/v1/businesses/{key}", [&app](Request& req) {
        const auto& key = req.str_param("key");
        TimeMs now = app.clock.now_ms();
        auto body = app.db.write([&](storage::Connection& c) {
            auto b = storage::find_business(c, key);
            if (!b)
                fail(Error::NotFound("no business with key \"" + key + "\"")
                         .with(codes::business_not_found, {{"key", key}}));
            check_version(req, b->version, "business " + key);
            auto before = business_json(*b);
            if (auto v = json::get_string(req.json, "name")) b->name = *v;
            if (auto v = json::get_string(req.json, "description")) b->description = *v;
            storage::update_business(c, *b, now);
            if (json::has(req.json, "members"))
                unwrap(storage::set_business_members(c, key, members_from(req.json)));
            auto after = *storage::find_business(c, key);
            audit(c, req, now, "business.update", "business", key, "updated business " + key,
                  before, business_json(after));
            json::Writer w;
            write_business(w, after);
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("DELETE", "/api/v1/businesses/{key}", [&app](Request& req) {
        const auto& key = req.str_param("key");
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto b = storage::find_business(c, key);
            if (!b)
                fail(Error::NotFound("no business with key \"" + key + "\"")
                         .with(codes::business_not_found, {{"key", key}}));
            check_version(req, b->version, "business " + key);
            storage::delete_business(c, key);
            audit(c, req, now, "business.delete", "business", key, "deleted business " + key,
                  business_json(*b));
        });
        return Response::no_content();
    });
}

}  // namespace orderly::http
