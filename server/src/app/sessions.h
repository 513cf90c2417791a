#pragma once
// Sessions and API tokens: login (with throttling per client address), logout, personal API
// tokens, and the authentication of a bearer token on every request.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/error.h"
#include "core/time.h"
#include "domain/accounts.h"

namespace orderly::storage {
class Database;
class Connection;
}  // namespace orderly::storage

namespace orderly::app {

struct LoginInput {
    std::string username;
    std::string password;
    // Where failures are counted: the client address, an IPv6 client's /64
    // (domain::ThrottlePolicy).
    std::string throttle_key;
};

struct LoginResult {
    std::string token;  // the session token, shown once
    TimeMs expires_at = 0;
    domain::User user;
};

struct NewApiToken {
    domain::ApiToken token;
    std::string secret;  // shown once
};

class AuthzCache;

class Sessions {
  public:
    Sessions(storage::Database& db, const Clock& clock, TimeMs session_ttl_ms);

    // The principal a bearer token stands for, or 401 auth_token_invalid. Runs on every request:
    // one read transaction; a user's roles and permissions come from a per-process cache while
    // the authorisation generation holds. Refreshes an API token's last use at most once a
    // minute (then one write).
    Result<Principal> authenticate(const std::string& token);

    // 429 auth_throttled while the address is throttled, 401 auth_invalid_credentials for a wrong
    // username or password or a disabled user (counted as a failure). The audit event names the
    // user who signed in.
    LoginResult login(const Caller& who, const LoginInput& input);
    // Ends the caller's session (an API token stays valid).
    void logout(const Caller& who);

    // The caller's API tokens.
    std::vector<domain::ApiToken> api_tokens(const Caller& who);
    // expires_in_days unset: the token does not expire.
    NewApiToken create_api_token(const Caller& who, const std::string& name,
                                 std::optional<int64_t> expires_in_days);
    // 404 token_not_found unless the caller holds a live API token with that id.
    void revoke_api_token(const Caller& who, int64_t id);

  private:
    storage::Database& db_;
    const Clock& clock_;
    TimeMs session_ttl_ms_;
    std::shared_ptr<AuthzCache> cache_;
};

}  // namespace orderly::app
