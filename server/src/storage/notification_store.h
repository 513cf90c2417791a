#pragma once
// SQL for the notification outbox and the webhook subscriptions. Functions take a Connection
// already inside a transaction (Database::write / Database::read).
//
// The outbox protocol: a row is inserted `pending` in the transaction of the event that causes
// it. A notifier claims due rows with one atomic UPDATE (status `sending`, its owner id and a
// lease expiry), sends them, then marks each `sent`, schedules a retry (`pending` again with a
// later next_attempt_at), or marks it `failed`. Every mark checks the lease owner, so a claimer
// whose lease ran out (and whose rows another notifier took over) cannot overwrite the outcome.
//
// Defined in notification_store.cpp (writing events, reading, retry), notification_delivery.cpp
// (the notifier's side) and webhook_store.cpp (subscriptions).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "domain/chat.h"
#include "domain/notification.h"
#include "domain/ticket_ports.h"
#include "storage/sql.h"

namespace orderly::storage {

using TicketEvent = domain::TicketEvent;

// Writes the notifications (one email per recipient with an address; a recipient without an
// email address gets a 'skipped' row with a visible reason; one webhook per matching active
// subscription — global ones and those of ev.workflow_id) in the caller's transaction.
// Recipients are de-duplicated; a disabled or unknown user is skipped with a reason too.
// Email goes out only when "email" is among ev.channels (empty = {"email"}); each "chat:<id>"
// entry queues one message to that chat channel, in the channel's language and time zone and
// @-mentioning every recipient with an id on its platform (a channel that no longer exists gets
// a 'skipped' row saying so); webhook
// subscriptions are explicit opt-ins and always receive the events they ask for. An email is
// written in its recipient's language and time zone; times in a zone not set are in
// settings.timezone.
void enqueue_ticket_event(Connection& c, const domain::NoticeSettings& settings,
                          const TicketEvent& ev, TimeMs now);
// The same with links to base_url and every time in UTC.
void enqueue_ticket_event(Connection& c, const std::string& base_url, const TicketEvent& ev,
                          TimeMs now);

// Queues a test message to a chat channel (event "test"); returns the notification id.
int64_t enqueue_test_chat(Connection& c, const std::string& base_url,
                          const domain::ChatChannel& channel, TimeMs now);

// Queues a test email to an address (event "test"); returns the notification id.
int64_t enqueue_test_email(Connection& c, const std::string& base_url, const std::string& to,
                           TimeMs now);

// ---- in-app notices: every ticket event for each of its recipients, whatever the channels

using UserNotice = domain::UserNotice;
// The caller's notices, newest first (ids below before_id when it is not 0).
// unread_only: only those not marked read (the inbox's filter).
std::vector<UserNotice> list_user_notices(Connection& c, int64_t user_id, int64_t before_id,
                                          int limit, bool unread_only = false);
// How many of the user's notices are unread.
int64_t count_unread_notices(Connection& c, int64_t user_id);
// Marks the user's notices read at `now`: those of `ids` (others' ids and notices already read
// are left alone), or every unread one when `ids` is empty. Returns how many changed.
int64_t mark_notices_read(Connection& c, int64_t user_id, const std::vector<int64_t>& ids,
                          TimeMs now);

// ---- reading

using NotificationFilter = domain::NotificationFilter;
std::vector<domain::Notification> list_notifications(Connection& c, const NotificationFilter& f);
std::optional<domain::Notification> find_notification(Connection& c, int64_t id);
// Rows per status, for /metrics: (status, count).
std::vector<std::pair<std::string, int64_t>> count_notifications_by_status(Connection& c);

// An admin's retry: a failed row, or a row skipped because its user had no email address and
// now has one, goes back to pending, due now, with a fresh delivery window and attempt count.
// 404 unknown id; 409 when the row cannot be retried (sent, still queued, still no address...).
Result<domain::Notification> retry_notification(Connection& c, int64_t id, TimeMs now);

// ---- the notifier's side

// Claims up to `limit` due rows for `owner` until now + lease_ms: pending rows whose
// next_attempt_at has come, and sending rows whose lease expired (their claimer died). Only
// rows of the given channels. Increments attempts. One UPDATE ... RETURNING, so concurrent
// claimers (threads or processes) never get the same row.
std::vector<domain::Notification> claim_due(Connection& c, const std::string& owner, TimeMs now,
                                            TimeMs lease_ms, int limit,
                                            const std::vector<std::string>& channels);
// When the next row of these channels becomes due (a lease expiry counts), if any.
std::optional<TimeMs> next_due_at(Connection& c, const std::vector<std::string>& channels);

// Each returns false (and changes nothing) when the row is no longer leased by owner.
bool mark_sent(Connection& c, int64_t id, const std::string& owner, TimeMs now,
               const std::optional<std::string>& recipient = std::nullopt);
bool mark_retry(Connection& c, int64_t id, const std::string& owner, TimeMs now,
                TimeMs next_attempt_at, const Problem& error);
bool mark_failed(Connection& c, int64_t id, const std::string& owner, TimeMs now,
                 const Problem& error);
bool mark_skipped(Connection& c, int64_t id, const std::string& owner, TimeMs now,
                  const Problem& reason);
// Extends the lease of row `id` to now + lease_ms if `owner` still holds it (status sending):
// checked right before each send, so a row whose lease ran out while it waited in its batch
// (and may have been claimed by another process) is not sent a second time. False when the
// owner lost it.
bool renew_lease(Connection& c, int64_t id, const std::string& owner, TimeMs now, TimeMs lease_ms);
// Extends the leases of every row `owner` holds to now + lease_ms (the notifier's heartbeat:
// its rows are taken over by another process only once it stopped renewing them). Returns how
// many it renewed.
int renew_leases(Connection& c, const std::string& owner, TimeMs now, TimeMs lease_ms);
// Puts a claimed row back to pending until `until` without counting the attempt (a rate limit:
// the platform asked to wait, the message did not fail), with the reason visible meanwhile.
bool defer(Connection& c, int64_t id, const std::string& owner, TimeMs now, TimeMs until,
           const Problem& reason);
// Gives claimed rows back untouched (the notifier is stopping before it tried them).
void release(Connection& c, int64_t id, const std::string& owner, TimeMs now);
// Marks pending rows of a channel that this process cannot send with a visible reason
// (e.g. email without ORDERLY_SMTP_URL), and fails those whose delivery window has ended.
// Returns the number of rows failed.
int note_undeliverable(Connection& c, const std::string& channel, const Problem& reason, TimeMs now,
                       TimeMs give_up_after_ms);

// ---- webhook subscriptions

std::vector<domain::WebhookSubscription> list_webhooks(Connection& c,
                                                       std::optional<int64_t> workflow_id,
                                                       int64_t after_id, int limit);
std::optional<domain::WebhookSubscription> find_webhook(Connection& c, int64_t id);
int64_t insert_webhook(Connection& c, const domain::WebhookSubscription& w, TimeMs now);
// Writes url, events, workflow_id, active and secret_enc, and bumps the version.
void update_webhook(Connection& c, const domain::WebhookSubscription& w, TimeMs now);
void delete_webhook(Connection& c, int64_t id);

// ---- chat channels (chat_channel_store.cpp)

std::vector<domain::ChatChannel> list_chat_channels(Connection& c, int64_t after_id, int limit);
std::optional<domain::ChatChannel> find_chat_channel(Connection& c, int64_t id);
// 409 when the name is taken.
Result<int64_t> insert_chat_channel(Connection& c, const domain::ChatChannel& ch, TimeMs now);
// Writes name, kind, url and secret_enc, and bumps the version; 409 when the name is taken.
Result<void> update_chat_channel(Connection& c, const domain::ChatChannel& ch, TimeMs now);
void delete_chat_channel(Connection& c, int64_t id);

}  // namespace orderly::storage
