#include "app/sessions.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "core/codes.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/database.h"

namespace orderly::app {

namespace {
constexpr const char* kSessionPrefix = "ors_";
constexpr const char* kApiPrefix = "orp_";

Error invalid_token() {
    return Error::Unauthorized("the token is invalid or expired").with(codes::auth_token_invalid);
}
}  // namespace

// A user's roles and permissions as of an authorisation generation (storage::check_token), kept
// per process. A stale entry is never used: every request reads the current generation with
// the token, and a different one reloads the entry.
class AuthzCache {
  public:
    struct Entry {
        int64_t generation = 0;
        domain::UserAuthz authz;
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

Sessions::Sessions(storage::Database& db, const Clock& clock, TimeMs session_ttl_ms)
    : db_(db),
      clock_(clock),
      session_ttl_ms_(session_ttl_ms),
      cache_(std::make_shared<AuthzCache>()) {}

Result<Principal> Sessions::authenticate(const std::string& token) {
    if (token.empty() || token.size() > 200) return invalid_token();
    const std::string hash = crypto::token_hash(token);
    TimeMs now = clock_.now_ms();
    bool needs_touch = false;
    auto p = db_.read([&](storage::Connection& c) -> Result<Principal> {
        auto check = storage::check_token(c, hash);
        if (!check) return invalid_token();
        const auto& t = check->token;
        if (t.revoked_at || (t.expires_at && *t.expires_at <= now) || t.user_disabled)
            return invalid_token();
        auto entry = cache_->find(t.user_id, check->authz_generation);
        if (!entry) {
            auto authz = storage::load_user_authz(c, t.user_id);
            if (!authz) return invalid_token();
            auto fresh = std::make_shared<AuthzCache::Entry>();
            fresh->generation = check->authz_generation;
            fresh->authz = std::move(*authz);
            entry = fresh;
            cache_->put(t.user_id, std::move(fresh));
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
        db_.write([&](storage::Connection& c) { storage::touch_token(c, p->token_id, now); });
    }
    return p;
}

LoginResult Sessions::login(const Caller& who, const LoginInput& in) {
    const domain::ThrottlePolicy policy;
    const TimeMs now = clock_.now_ms();
    const TimeMs since = now - policy.window_ms;
    const std::string& from = in.throttle_key;

    // When the address may try again (0 = now): once the oldest failure of each limit it has
    // reached leaves the window. An attempt that may go on is recorded as a failure in the same
    // transaction, before its password is checked, and the attempts from one address take turns
    // doing so on every node: a burst of concurrent guesses gets no more tries than the limits.
    // A successful login clears it again.
    const TimeMs until = db_.write([&](storage::Connection& c) {
        storage::take_login_turn(c, from, now);
        TimeMs o1 = 0, o2 = 0, at = 0;
        if (storage::count_login_failures(c, in.username, from, since, false, &o1) >=
            policy.max_per_account)
            at = o1 + policy.window_ms;
        if (storage::count_login_failures(c, in.username, from, since, true, &o2) >=
            policy.max_per_address)
            at = std::max(at, o2 + policy.window_ms);
        if (at == 0) storage::record_login_failure(c, in.username, from, now);
        return at;
    });
    if (until > 0) {
        int retry = static_cast<int>((until - now) / 1000) + 1;
        fail(Error::TooMany("too many failed logins; try again in " + std::to_string(retry) + " s",
                            retry < 1 ? 1 : retry)
                 .with(codes::auth_throttled, {{"seconds", retry < 1 ? 1 : retry}}));
    }

    auto cred =
        db_.read([&](storage::Connection& c) { return storage::find_credentials(c, in.username); });
    bool ok = false;
    if (cred)
        ok = crypto::verify_password(cred->password_hash, in.password);
    else
        crypto::dummy_verify(in.password);
    if (!ok || cred->disabled)  // counted already
        fail(Error::Unauthorized("wrong username or password")
                 .with(codes::auth_invalid_credentials));

    LoginResult out;
    out.token = crypto::random_token(kSessionPrefix);
    out.expires_at = now + session_ttl_ms_;
    db_.write([&](storage::Connection& c) {
        storage::insert_token(c, cred->user_id, "session", "login", crypto::token_hash(out.token),
                              out.token.substr(0, 8), now, out.expires_at);
        storage::clear_login_failures(c, in.username, from, since);
        out.user = *storage::find_user(c, cred->user_id);
        const auto& u = out.user;
        const Principal signed_in{u.id, u.username, u.display_name, 0, false, u.roles, {}};
        audit(c, Caller{&signed_in, who.address, who.request_id}, now, "auth.login", "user",
              std::to_string(u.id), u.username + " logged in");
    });
    return out;
}

void Sessions::logout(const Caller& who) {
    const Principal& p = *who.principal;
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        if (!p.api_token) storage::revoke_token(c, p.token_id, p.user_id, now);
        audit(c, who, now, "auth.logout", "user", std::to_string(p.user_id),
              p.username + " logged out");
    });
}

std::vector<domain::ApiToken> Sessions::api_tokens(const Caller& who) {
    return db_.read(
        [&](storage::Connection& c) { return storage::list_api_tokens(c, who.user_id()); });
}

NewApiToken Sessions::create_api_token(const Caller& who, const std::string& name,
                                       std::optional<int64_t> expires_in_days) {
    const TimeMs now = clock_.now_ms();
    std::optional<TimeMs> expires;
    if (expires_in_days) expires = now + *expires_in_days * 86400LL * 1000;
    NewApiToken out;
    out.secret = crypto::random_token(kApiPrefix);
    db_.write([&](storage::Connection& c) {
        int64_t id =
            storage::insert_token(c, who.user_id(), "api", name, crypto::token_hash(out.secret),
                                  out.secret.substr(0, 8), now, expires);
        audit(c, who, now, "token.create", "token", std::to_string(id),
              who.username() + " created API token \"" + name + "\"");
        out.token = *storage::find_api_token(c, id, who.user_id());
    });
    return out;
}

void Sessions::revoke_api_token(const Caller& who, int64_t id) {
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto t = storage::find_api_token(c, id, who.user_id());
        if (!t)
            fail(Error::NotFound("you have no API token with id " + std::to_string(id))
                     .with(codes::token_not_found, {{"id", id}}));
        storage::revoke_token(c, id, who.user_id(), now);
        audit(c, who, now, "token.revoke", "token", std::to_string(id),
              who.username() + " revoked API token \"" + t->name + "\"");
    });
}

}  // namespace orderly::app
