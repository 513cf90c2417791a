#include "http/app.h"

#include <mutex>
#include <unordered_map>

#include "app/version_check.h"
#include "core/codes.h"
#include "domain/accounts.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"

namespace orderly::http {

void audit(storage::Connection& c, const Request& req, TimeMs now, std::string action,
           std::string object_type, std::string object_id, std::string summary,
           std::optional<std::string> before, std::optional<std::string> after) {
    app::audit(c, caller(req), now, std::move(action), std::move(object_type), std::move(object_id),
               std::move(summary), std::move(before), std::move(after));
}

app::Caller caller(const Request& req) {
    return app::Caller{req.principal ? &*req.principal : nullptr, req.address, req.request_id};
}

app::Submitter submitter(const Principal& p) {
    app::Submitter s;
    s.user_id = p.user_id;
    s.username = p.username;
    s.roles = p.roles;
    s.admin = p.permissions.count("admin") > 0;
    s.ticket_submit = p.can("ticket.submit");
    return s;
}

void check_version(const Request& req, int64_t current_version, const std::string& what) {
    app::check_version(req.header("if-match"), current_version, what);
}

void check_email_member(const Request& req) {
    auto email = json::get_string(req.json, "email");
    if (!email || email->empty()) return;
    if (auto problem = domain::email_problem(*email))
        fail(Error::Field("email", *problem, codes::email_address_invalid, {{"reason", *problem}}));
}

std::string etag(int64_t version) {
    return "\"" + std::to_string(version) + "\"";
}

namespace {
// A user's roles and permissions as of an authorisation generation (storage::check_token), kept
// per process. A stale entry is never used: every request reads the current generation with
// the token, and a different one reloads the entry.
class AuthzCache {
  public:
    struct Entry {
        int64_t generation = 0;
        storage::UserAuthz authz;
    };
    std::shared_ptr<const Entry> find(int64_t user_id, int64_t generation) {
        std::lock_guard lock(mu_);
        auto it = entries_.find(user_id);
        if (it == entries_.end() || it->second->generation != generation) return nullptr;
        return it->second;
    }
    void put(int64_t user_id, std::shared_ptr<const Entry> e) {
        std::lock_guard lock(mu_);
        if (entries_.size() >= kMaxUsers) entries_.clear();
        entries_[user_id] = std::move(e);
    }

  private:
    static constexpr size_t kMaxUsers = 10000;
    std::mutex mu_;
    std::unordered_map<int64_t, std::shared_ptr<const Entry>> entries_;
};
}  // namespace

Authenticator make_authenticator(App& app) {
    auto cache = std::make_shared<AuthzCache>();
    return [&app, cache](const std::string& token, const Request&) -> Result<Principal> {
        if (token.empty() || token.size() > 200)
            return Error::Unauthorized("the token is invalid or expired")
                .with(codes::auth_token_invalid);
        const std::string hash = crypto::token_hash(token);
        TimeMs now = app.clock.now_ms();
        bool needs_touch = false;
        auto p = app.db.read([&](storage::Connection& c) -> Result<Principal> {
            auto check = storage::check_token(c, hash);
            if (!check)
                return Error::Unauthorized("the token is invalid or expired")
                    .with(codes::auth_token_invalid);
            const auto& t = check->token;
            if (t.revoked_at || (t.expires_at && *t.expires_at <= now) || t.user_disabled)
                return Error::Unauthorized("the token is invalid or expired")
                    .with(codes::auth_token_invalid);
            auto entry = cache->find(t.user_id, check->authz_generation);
            if (!entry) {
                auto authz = storage::load_user_authz(c, t.user_id);
                if (!authz)
                    return Error::Unauthorized("the token is invalid or expired")
                        .with(codes::auth_token_invalid);
                auto fresh = std::make_shared<AuthzCache::Entry>();
                fresh->generation = check->authz_generation;
                fresh->authz = std::move(*authz);
                entry = fresh;
                cache->put(t.user_id, std::move(fresh));
            }
            Principal pr;
            pr.user_id = t.user_id;
            pr.username = entry->authz.username;
            pr.display_name = entry->authz.display_name;
            pr.token_id = t.id;
            pr.api_token = t.kind == "api";
            pr.roles = entry->authz.roles;
            pr.permissions = entry->authz.permissions;
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
