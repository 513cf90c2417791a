#include "http/app.h"

#include "domain/accounts.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"

namespace orderly::http {

void audit(storage::Connection& c, const Request& req, TimeMs now, std::string action,
           std::string object_type, std::string object_id, std::string summary,
           std::optional<std::string> before, std::optional<std::string> after) {
    domain::AuditEvent e;
    e.at = now;
    if (req.principal) e.actor = req.principal->username;
    e.action = std::move(action);
    e.object_type = std::move(object_type);
    e.object_id = std::move(object_id);
    e.summary = std::move(summary);
    e.before_json = std::move(before);
    e.after_json = std::move(after);
    e.address = req.address;
    e.request_id = req.request_id;
    storage::append_audit(c, e);
}

void check_version(const Request& req, int64_t current_version, const std::string& what) {
    auto want = req.if_match();
    if (want && *want != current_version)
        fail(Error::Conflict(what + " was changed by someone else (version " +
                             std::to_string(current_version) + ", you sent " +
                             std::to_string(*want) + "); reload and try again"));
}

std::string etag(int64_t version) {
    return "\"" + std::to_string(version) + "\"";
}

Authenticator make_authenticator(App& app) {
    return [&app](const std::string& token, const Request&) -> Result<Principal> {
        if (token.empty() || token.size() > 200)
            return Error::Unauthorized("the token is invalid or expired");
        const std::string hash = crypto::token_hash(token);
        TimeMs now = app.clock.now_ms();
        bool needs_touch = false;
        auto p = app.db.read([&](storage::Connection& c) -> Result<Principal> {
            auto h = storage::find_token_holder(c, hash);
            if (!h) return Error::Unauthorized("the token is invalid or expired");
            const auto& t = h->token;
            if (t.revoked_at || (t.expires_at && *t.expires_at <= now) || t.user_disabled)
                return Error::Unauthorized("the token is invalid or expired");
            Principal pr;
            pr.user_id = t.user_id;
            pr.username = std::move(h->username);
            pr.display_name = std::move(h->display_name);
            pr.token_id = t.id;
            pr.api_token = t.kind == "api";
            pr.roles = std::move(h->roles);
            pr.permissions = std::move(h->permissions);
            needs_touch = pr.api_token && (!t.last_used_at || *t.last_used_at < now - 60'000);
            return pr;
        });
        if (p.ok() && needs_touch) {
            // last_used_at is refreshed at most once a minute, so tokens do not turn every read
            // into a write.
            app.db.write(
                [&](storage::Connection& c) { storage::touch_token(c, p->token_id, now); });
        }
        return p;
    };
}

}  // namespace orderly::http
