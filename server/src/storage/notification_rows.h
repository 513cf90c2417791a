#pragma once
// What the outbox's SQL files (notification_store.cpp, notification_delivery.cpp) share: the
// columns of a notification row and how to read one. Internal to storage.
#include "domain/notification.h"
#include "storage/sql.h"

namespace orderly::storage::detail {

inline constexpr const char* kNotificationCols =
    "id, event, channel, recipient, user_id, webhook_id, ticket_id, delivery_id, subject, "
    "body_text, body_html, payload, status, attempts, next_attempt_at, queued_at, last_error, "
    "skip_reason, created_at, updated_at, sent_at, last_error_code, last_error_params, "
    "skip_reason_code, skip_reason_params, chat_channel_id";

// Reads a row selected (or returned) with kNotificationCols.
domain::Notification read_notification(Stmt& s);

}  // namespace orderly::storage::detail
