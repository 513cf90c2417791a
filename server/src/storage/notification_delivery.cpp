#include "storage/notification_store.h"

#include <algorithm>

#include "core/json.h"
#include "storage/notification_rows.h"

// The notifier's side of the outbox: claims with a lease, and the outcome of each attempt.
namespace orderly::storage {

namespace {

using detail::kNotificationCols;
using detail::read_notification;

// Channels are bound as three parameters (the first repeated when there are fewer), so the
// claim statements stay cacheable.
struct ChannelParams {
    std::string a, b, c;
};
ChannelParams channel_params(const std::vector<std::string>& channels) {
    if (channels.empty()) return {};
    auto at = [&](size_t i) { return i < channels.size() ? channels[i] : channels[0]; };
    return {at(0), at(1), at(2)};
}

}  // namespace

std::vector<domain::Notification> claim_due(Connection& c, const std::string& owner, TimeMs now,
                                            TimeMs lease_ms, int limit,
                                            const std::vector<std::string>& channels) {
    std::vector<domain::Notification> out;
    if (channels.empty() || limit <= 0) return out;
    const auto [ch1, ch2, ch3] = channel_params(channels);
    auto s = c.prepare(std::string("UPDATE notifications SET status = 'sending', lease_owner = ?1, "
                                   "lease_expires_at = CAST(?2 AS BIGINT) + CAST(?3 AS BIGINT), "
                                   "attempts = attempts + 1, updated_at = ?2 "
                                   "WHERE id IN (SELECT id FROM notifications "
                                   "  WHERE ((status = 'pending' AND next_attempt_at <= ?2) "
                                   "      OR (status = 'sending' AND lease_expires_at <= ?2)) "
                                   "    AND channel IN (?4, ?5, ?7) "
                                   "  ORDER BY next_attempt_at, id LIMIT ?6) "
                                   "RETURNING ") +
                       kNotificationCols);
    s.bind(1, owner)
        .bind(2, now)
        .bind(3, lease_ms)
        .bind(4, ch1)
        .bind(5, ch2)
        .bind(6, limit)
        .bind(7, ch3);
    while (s.step()) out.push_back(read_notification(s));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

std::optional<TimeMs> next_due_at(Connection& c, const std::vector<std::string>& channels) {
    if (channels.empty()) return std::nullopt;
    const auto [ch1, ch2, ch3] = channel_params(channels);
    auto s = c.prepare(
        "SELECT min(t) FROM ("
        " SELECT min(next_attempt_at) AS t FROM notifications"
        "  WHERE status = 'pending' AND channel IN (?1, ?2, ?3)"
        " UNION ALL"
        " SELECT min(lease_expires_at) FROM notifications"
        "  WHERE status = 'sending' AND channel IN (?1, ?2, ?3)) AS due");
    s.bind(1, ch1).bind(2, ch2).bind(3, ch3);
    if (!s.step()) return std::nullopt;
    return s.opt_int64(0);
}

bool mark_sent(Connection& c, int64_t id, const std::string& owner, TimeMs now,
               const std::optional<std::string>& recipient) {
    auto s = c.prepare(
        "UPDATE notifications SET status = 'sent', sent_at = ?3, updated_at = ?3, "
        "next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, "
        "last_error_code = NULL, last_error_params = NULL, recipient = coalesce(?4, recipient) "
        "WHERE id = ?1 AND status = 'sending' AND lease_owner = ?2");
    s.bind(1, id).bind(2, owner).bind(3, now).bind(4, recipient);
    s.exec();
    return c.changes() == 1;
}

bool mark_retry(Connection& c, int64_t id, const std::string& owner, TimeMs now,
                TimeMs next_attempt_at, const Problem& error) {
    auto s = c.prepare(
        "UPDATE notifications SET status = 'pending', next_attempt_at = ?4, last_error = ?5, "
        "last_error_code = ?6, last_error_params = ?7, updated_at = ?3, lease_owner = NULL, "
        "lease_expires_at = NULL WHERE id = ?1 AND status = 'sending' AND lease_owner = ?2");
    s.bind(1, id).bind(2, owner).bind(3, now).bind(4, next_attempt_at);
    s.bind(5, error.text).bind(6, error.code).bind(7, json::params_json(error.params));
    s.exec();
    return c.changes() == 1;
}

bool mark_failed(Connection& c, int64_t id, const std::string& owner, TimeMs now,
                 const Problem& error) {
    auto s = c.prepare(
        "UPDATE notifications SET status = 'failed', next_attempt_at = NULL, last_error = ?4, "
        "last_error_code = ?5, last_error_params = ?6, updated_at = ?3, lease_owner = NULL, "
        "lease_expires_at = NULL WHERE id = ?1 AND status = 'sending' AND lease_owner = ?2");
    s.bind(1, id).bind(2, owner).bind(3, now);
    s.bind(4, error.text).bind(5, error.code).bind(6, json::params_json(error.params));
    s.exec();
    return c.changes() == 1;
}

bool mark_skipped(Connection& c, int64_t id, const std::string& owner, TimeMs now,
                  const Problem& reason) {
    auto s = c.prepare(
        "UPDATE notifications SET status = 'skipped', next_attempt_at = NULL, skip_reason = ?4, "
        "skip_reason_code = ?5, skip_reason_params = ?6, updated_at = ?3, lease_owner = NULL, "
        "lease_expires_at = NULL WHERE id = ?1 AND status = 'sending' AND lease_owner = ?2");
    s.bind(1, id).bind(2, owner).bind(3, now);
    s.bind(4, reason.text).bind(5, reason.code).bind(6, json::params_json(reason.params));
    s.exec();
    return c.changes() == 1;
}

bool renew_lease(Connection& c, int64_t id, const std::string& owner, TimeMs now, TimeMs lease_ms) {
    auto s = c.prepare(
        "UPDATE notifications SET lease_expires_at = CAST(?3 AS BIGINT) + CAST(?4 AS BIGINT) "
        "WHERE id = ?1 AND status = 'sending' AND lease_owner = ?2");
    s.bind(1, id).bind(2, owner).bind(3, now).bind(4, lease_ms);
    s.exec();
    return c.changes() == 1;
}

int renew_leases(Connection& c, const std::string& owner, TimeMs now, TimeMs lease_ms) {
    auto s = c.prepare(
        "UPDATE notifications SET lease_expires_at = CAST(?2 AS BIGINT) + CAST(?3 AS BIGINT) "
        "WHERE status = 'sending' AND lease_owner = ?1");
    s.bind(1, owner).bind(2, now).bind(3, lease_ms);
    s.exec();
    return c.changes();
}

bool defer(Connection& c, int64_t id, const std::string& owner, TimeMs now, TimeMs until,
           const Problem& reason) {
    auto s = c.prepare(
        "UPDATE notifications SET status = 'pending', next_attempt_at = ?4, last_error = ?5, "
        "last_error_code = ?6, last_error_params = ?7, "
        "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = ?3, "
        "lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = ?1 AND status = 'sending' AND lease_owner = ?2");
    s.bind(1, id).bind(2, owner).bind(3, now).bind(4, until);
    s.bind(5, reason.text).bind(6, reason.code).bind(7, json::params_json(reason.params));
    s.exec();
    return c.changes() == 1;
}

void release(Connection& c, int64_t id, const std::string& owner, TimeMs now) {
    auto s = c.prepare(
        "UPDATE notifications SET status = 'pending', "
        "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
        "updated_at = ?3, lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = ?1 AND status = 'sending' AND lease_owner = ?2");
    s.bind(1, id).bind(2, owner).bind(3, now);
    s.exec();
}

int note_undeliverable(Connection& c, const std::string& channel, const Problem& reason, TimeMs now,
                       TimeMs give_up_after_ms) {
    const std::string params = json::params_json(reason.params);
    auto note = c.prepare(
        "UPDATE notifications SET last_error = ?2, last_error_code = ?4, last_error_params = ?5, "
        "updated_at = ?3 WHERE status = 'pending' AND channel = ?1 AND last_error IS NULL");
    note.bind(1, channel).bind(2, reason.text).bind(3, now).bind(4, reason.code).bind(5, params);
    note.exec();
    // A row noted above keeps its reason; one that failed earlier keeps that attempt's.
    auto fail = c.prepare(
        "UPDATE notifications SET status = 'failed', next_attempt_at = NULL, updated_at = ?2, "
        "last_error_code = CASE WHEN last_error IS NULL THEN ?5 ELSE last_error_code END, "
        "last_error_params = CASE WHEN last_error IS NULL THEN ?6 ELSE last_error_params END, "
        "last_error = coalesce(last_error, ?4) "
        "WHERE status = 'pending' AND channel = ?1 "
        "AND queued_at <= CAST(?2 AS BIGINT) - CAST(?3 AS BIGINT)");
    fail.bind(1, channel).bind(2, now).bind(3, give_up_after_ms).bind(4, reason.text);
    fail.bind(5, reason.code).bind(6, params);
    fail.exec();
    return c.changes();
}
}  // namespace orderly::storage
