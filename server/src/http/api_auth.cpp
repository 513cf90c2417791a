// Login, logout, the caller's own profile and personal API tokens.
#include <algorithm>

#include "core/codes.h"
#include "domain/accounts.h"
#include "http/app.h"
#include "http/client_address.h"
#include "http/render.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"

namespace orderly::http {

namespace {
constexpr const char* kSessionPrefix = "ors_";
constexpr const char* kApiPrefix = "orp_";

std::string me_json(storage::Connection& c, int64_t user_id) {
    auto u = storage::find_user(c, user_id);
    if (!u) fail(Error::NotFound("no such user").with(codes::user_not_found));
    auto perms = storage::permissions_of(c, user_id);
    json::Writer w;
    w.start_object()
        .kv("id", u->id)
        .kv("username", u->username)
        .kv("display_name", u->display_name)
        .kv("email", u->email)
        .kv("roles", u->roles)
        .kv("disabled", u->disabled)
        .kv("locale", u->locale);
    w.key("created_at").time(u->created_at);
    w.key("updated_at").time(u->updated_at);
    w.kv("version", u->version);
    w.key("permissions").strings(std::vector<std::string>(perms.begin(), perms.end()));
    w.end_object();
    return w.take();
}
}  // namespace

void register_auth_routes(App& app, Server& s) {
    // Password verification costs tens of milliseconds of argon2id: a blocking route.
    s.route(
        "POST", "/api/v1/auth/login",
        [&app](Request& req) {
            const auto username = *json::get_string(req.json, "username");
            const auto password = *json::get_string(req.json, "password");
            const domain::ThrottlePolicy policy;
            const TimeMs now = app.clock.now_ms();
            const TimeMs since = now - policy.window_ms;
            // Failures count per client address (req.address: the peer, or the client a trusted
            // proxy names), never per account alone: see domain::ThrottlePolicy.
            const std::string from = throttle_key(req.address);

            // When the address may try again (0 = now): once the oldest failure of each limit it
            // has reached leaves the window.
            const TimeMs until = app.db.read([&](storage::Connection& c) {
                TimeMs o1 = 0, o2 = 0, at = 0;
                if (storage::count_login_failures(c, username, from, since, false, &o1) >=
                    policy.max_per_account)
                    at = o1 + policy.window_ms;
                if (storage::count_login_failures(c, username, from, since, true, &o2) >=
                    policy.max_per_address)
                    at = std::max(at, o2 + policy.window_ms);
                return at;
            });
            if (until > 0) {
                int retry = static_cast<int>((until - now) / 1000) + 1;
                fail(Error::TooMany(
                         "too many failed logins; try again in " + std::to_string(retry) + " s",
                         retry < 1 ? 1 : retry)
                         .with(codes::auth_throttled, {{"seconds", retry < 1 ? 1 : retry}}));
            }

            auto cred = app.db.read(
                [&](storage::Connection& c) { return storage::find_credentials(c, username); });
            bool ok = false;
            if (cred)
                ok = crypto::verify_password(cred->password_hash, password);
            else
                crypto::dummy_verify(password);
            if (!ok || cred->disabled) {
                app.db.write([&](storage::Connection& c) {
                    storage::record_login_failure(c, username, from, now);
                });
                fail(Error::Unauthorized("wrong username or password")
                         .with(codes::auth_invalid_credentials));
            }

            const std::string token = crypto::random_token(kSessionPrefix);
            const TimeMs expires = now + app.config.session_ttl_ms;
            std::string body = app.db.write([&](storage::Connection& c) {
                storage::insert_token(c, cred->user_id, "session", "login",
                                      crypto::token_hash(token), token.substr(0, 8), now, expires);
                storage::clear_login_failures(c, username, from, since);
                auto u = storage::find_user(c, cred->user_id);
                req.principal =
                    Principal{u->id, u->username, u->display_name, 0, false, u->roles, {}};
                audit(c, req, now, "auth.login", "user", std::to_string(u->id),
                      u->username + " logged in");
                json::Writer w;
                w.start_object().kv("token", token);
                w.key("expires_at").time(expires);
                w.key("user");
                write_user(w, *u);
                w.end_object();
                return w.take();
            });
            return Response::ok(std::move(body));
        },
        /*blocking=*/true);

    s.route("POST", "/api/v1/auth/logout", [&app](Request& req) {
        const auto& p = req.user();
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            if (!p.api_token) storage::revoke_token(c, p.token_id, p.user_id, now);
            audit(c, req, now, "auth.logout", "user", std::to_string(p.user_id),
                  p.username + " logged out");
        });
        return Response::no_content();
    });

    s.route("GET", "/api/v1/me", [&app](Request& req) {
        auto body =
            app.db.read([&](storage::Connection& c) { return me_json(c, req.user().user_id); });
        return Response::ok(std::move(body));
    });

    s.route(
        "PATCH", "/api/v1/me",
        [&app](Request& req) {
            const auto& p = req.user();
            check_email_member(req);
            auto display = json::get_string(req.json, "display_name");
            auto email = json::get_string(req.json, "email");
            bool clear_email = json::is_null_member(req.json, "email");
            auto password = json::get_string(req.json, "password");
            auto current = json::get_string(req.json, "current_password");
            std::optional<std::string> new_hash;
            if (password) {
                if (!current)
                    fail(Error::UnprocessableField("current_password",
                                                   "is required to change the password",
                                                   codes::auth_current_password_required));
                auto hash = app.db.read([&](storage::Connection& c) {
                    return storage::password_hash_of(c, p.user_id);
                });
                if (!hash || !crypto::verify_password(*hash, *current))
                    fail(Error::UnprocessableField("current_password",
                                                   "is not your current password",
                                                   codes::auth_current_password_wrong));
                new_hash = crypto::hash_password(*password);
            }
            TimeMs now = app.clock.now_ms();
            auto body = app.db.write([&](storage::Connection& c) {
                auto u = storage::find_user(c, p.user_id);
                if (!u) fail(Error::NotFound("no such user").with(codes::user_not_found));
                check_version(req, u->version, "your profile");
                auto before = user_json(*u);
                if (display) u->display_name = *display;
                if (email) u->email = email->empty() ? std::nullopt : email;
                if (clear_email) u->email.reset();
                if (auto v = json::get_string(req.json, "locale")) u->locale = *v;
                storage::update_user(c, *u, now);
                if (new_hash) storage::set_password_hash(c, u->id, *new_hash, now);
                audit(c, req, now, "user.update_self", "user", std::to_string(u->id),
                      u->username + " updated their profile" + (new_hash ? " and password" : ""),
                      before, user_json(*u));
                return me_json(c, p.user_id);
            });
            return Response::ok(std::move(body));
        },
        /*blocking=*/true);

    s.route("GET", "/api/v1/me/tokens", [&app](Request& req) {
        auto body = app.db.read([&](storage::Connection& c) {
            json::Writer w;
            w.start_object().key("items").start_array();
            for (const auto& t : storage::list_api_tokens(c, req.user().user_id))
                write_api_token(w, t, nullptr);
            w.end_array().key("next_cursor").null().end_object();
            return w.take();
        });
        return Response::ok(std::move(body));
    });

    s.route("POST", "/api/v1/me/tokens", [&app](Request& req) {
        const auto& p = req.user();
        auto name = *json::get_string(req.json, "name");
        auto days = json::get_int(req.json, "expires_in_days");
        TimeMs now = app.clock.now_ms();
        std::optional<TimeMs> expires;
        if (days) expires = now + *days * 86400LL * 1000;
        const std::string token = crypto::random_token(kApiPrefix);
        auto body = app.db.write([&](storage::Connection& c) {
            int64_t id = storage::insert_token(c, p.user_id, "api", name, crypto::token_hash(token),
                                               token.substr(0, 8), now, expires);
            audit(c, req, now, "token.create", "token", std::to_string(id),
                  p.username + " created API token \"" + name + "\"");
            json::Writer w;
            write_api_token(w, *storage::find_api_token(c, id, p.user_id), &token);
            return w.take();
        });
        return Response::created(std::move(body));
    });

    s.route("DELETE", "/api/v1/me/tokens/{id}", [&app](Request& req) {
        const auto& p = req.user();
        int64_t id = req.id_param();
        TimeMs now = app.clock.now_ms();
        app.db.write([&](storage::Connection& c) {
            auto t = storage::find_api_token(c, id, p.user_id);
            if (!t)
                fail(Error::NotFound("you have no API token with id " + std::to_string(id))
                         .with(codes::token_not_found, {{"id", id}}));
            storage::revoke_token(c, id, p.user_id, now);
            audit(c, req, now, "token.revoke", "token", std::to_string(id),
                  p.username + " revoked API token \"" + t->name + "\"");
        });
        return Response::no_content();
    });
}

}  // namespace orderly::http
