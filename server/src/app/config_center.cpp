#include "app/config_center.h"

#include "app/config_secrets.h"
#include "app/version_check.h"
#include "core/codes.h"
#include "domain/catalog_json.h"
#include "storage/catalog_store.h"
#include "storage/database.h"

namespace orderly::app {

namespace {

std::string object_id(const std::string& env, const std::string& key) {
    return env + "/" + key;
}

void require_environment(storage::Connection& c, const std::string& env) {
    if (!storage::find_category(c, domain::CategoryKind::environment, env))
        fail(Error::NotFound("no environment with key \"" + env + "\"")
                 .with(codes::environment_not_found, {{"key", env}}));
}

void check_key(const std::string& key) {
    if (!domain::valid_config_key(key))
        fail(Error::Field("key",
                          "must be 1 to 128 letters, digits, _ . or -, starting with a letter, "
                          "digit or _",
                          codes::field_pattern));
}

domain::ConfigEntry load_entry(storage::Connection& c, const std::string& secret_key,
                               const std::string& env, const std::string& key) {
    auto e = find_config(c, secret_key, env, key);
    if (!e)
        fail(Error::NotFound("no config key \"" + key + "\" in environment \"" + env + "\"")
                 .with(codes::config_key_not_found, {{"key", key}, {"env", env}}));
    return *e;
}

domain::ConfigRevision load_revision(storage::Connection& c, const std::string& secret_key,
                                     const std::string& env, const std::string& key,
                                     int64_t revision) {
    auto r = find_config_revision(c, secret_key, env, key, revision);
    if (!r)
        fail(Error::NotFound("config key \"" + object_id(env, key) + "\" has no revision " +
                             std::to_string(revision))
                 .with(codes::config_revision_not_found,
                       {{"key", key}, {"env", env}, {"revision", revision}}));
    return *r;
}

// The audit record of an entry: a secret's value masked.
std::string audited(const domain::ConfigEntry& e) {
    return domain::config_entry_json(e, false);
}

}  // namespace

std::vector<domain::ConfigEntry> ConfigCenter::list(const std::string& env) {
    return db_.read([&](storage::Connection& c) {
        require_environment(c, env);
        return list_config(c, secret_key_, env);
    });
}

domain::ConfigEntry ConfigCenter::get(const std::string& env, const std::string& key) {
    return db_.read([&](storage::Connection& c) {
        require_environment(c, env);
        return load_entry(c, secret_key_, env, key);
    });
}

ConfigPutResult ConfigCenter::put(const Caller& who, const ConfigPut& in) {
    check_key(in.key);
    if (in.value.find('\0') != std::string::npos)
        fail(Error::Field("value", "must not contain a NUL character", codes::field_nul_character));
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) -> ConfigPutResult {
        require_environment(c, in.env);
        const std::string id = object_id(in.env, in.key);
        auto existing = find_config(c, secret_key_, in.env, in.key);
        if (existing) check_version(in.if_match, existing->version, "config key " + id);
        domain::ConfigEntry e;
        e.env = in.env;
        e.key = in.key;
        e.value = in.value;
        e.secret = in.secret.value_or(existing && existing->secret);
        e.description = in.description.value_or(existing ? existing->description : std::string());
        // Writing what is already there changes nothing: no revision, no audit event.
        if (existing && existing->value == e.value && existing->secret == e.secret &&
            existing->description == e.description)
            return {*existing, false};
        const auto actor = std::optional<std::string>(who.username());
        int64_t rev = put_config(c, secret_key_, e, "set", std::nullopt, actor, now);
        auto after = load_entry(c, secret_key_, in.env, in.key);
        audit(c, who, now, "config.set", "config", id,
              "set config " + id + (after.secret ? " (secret)" : "") + ", revision " +
                  std::to_string(rev),
              existing ? std::optional(audited(*existing)) : std::nullopt, audited(after));
        return {after, !existing};
    });
}

void ConfigCenter::remove(const Caller& who, const std::string& env, const std::string& key,
                          const std::optional<std::string>& if_match) {
    TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        require_environment(c, env);
        const std::string id = object_id(env, key);
        auto e = load_entry(c, secret_key_, env, key);
        check_version(if_match, e.version, "config key " + id);
        int64_t rev = storage::delete_config(c, env, key, who.username(), now);
        audit(c, who, now, "config.delete", "config", id,
              "deleted config " + id + ", revision " + std::to_string(rev), audited(e));
    });
}

std::vector<domain::ConfigRevision> ConfigCenter::revisions(const std::string& env,
                                                            const std::string& key,
                                                            int64_t before_revision, int limit) {
    return db_.read([&](storage::Connection& c) {
        auto revs = list_config_revisions(c, secret_key_, env, key, before_revision, limit);
        if (revs.empty() && before_revision == 0)
            fail(Error::NotFound("config key \"" + object_id(env, key) + "\" has no revisions")
                     .with(codes::config_key_not_found, {{"key", key}, {"env", env}}));
        return revs;
    });
}

ConfigRevisionPair ConfigCenter::revision_pair(const std::string& env, const std::string& key,
                                               int64_t from_revision, int64_t to_revision) {
    return db_.read([&](storage::Connection& c) {
        auto from = load_revision(c, secret_key_, env, key, from_revision);
        auto to = load_revision(c, secret_key_, env, key, to_revision);
        return ConfigRevisionPair{std::move(from), std::move(to)};
    });
}

domain::ConfigEntry ConfigCenter::rollback(const Caller& who, const std::string& env,
                                           const std::string& key, int64_t revision,
                                           const std::optional<std::string>& if_match) {
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        require_environment(c, env);
        const std::string id = object_id(env, key);
        auto target = load_revision(c, secret_key_, env, key, revision);
        if (!target.value)
            fail(Error::UnprocessableField(
                "revision",
                "revision " + std::to_string(revision) +
                    " deleted the key; there is no value to go back to (DELETE the key instead)",
                codes::config_revision_is_delete, {{"revision", revision}}));
        auto existing = find_config(c, secret_key_, env, key);
        if (existing) check_version(if_match, existing->version, "config key " + id);
        domain::ConfigEntry e;
        e.env = env;
        e.key = key;
        e.value = *target.value;
        e.secret = target.secret;
        e.description = target.description;
        int64_t rev = put_config(c, secret_key_, e, "rollback", revision, who.username(), now);
        auto after = load_entry(c, secret_key_, env, key);
        audit(c, who, now, "config.rollback", "config", id,
              "rolled config " + id + " back to revision " + std::to_string(revision) +
                  " (new revision " + std::to_string(rev) + ")",
              existing ? std::optional(audited(*existing)) : std::nullopt, audited(after));
        return after;
    });
}

}  // namespace orderly::app
