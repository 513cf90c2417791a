#pragma once
// The API objects of a notification delivery and of a webhook subscription: the responses of
// /notifications and /webhooks and the before/after of their audit events.
#include <optional>
#include <string>

#include "core/json.h"
#include "domain/chat.h"
#include "domain/notification.h"

namespace orderly::domain {

// with_content: also what was (or will be) sent: body_text and body_html of an email, payload of
// a webhook call (one notification's page; lists leave them out).
void write_notification_json(json::Writer& w, const Notification& n, bool with_content = false);
std::string notification_json(const Notification& n, bool with_content = false);

// The secret is write-only: new_secret is given only by the create call, when Orderly generated
// it (it is shown once).
void write_webhook_json(json::Writer& w, const WebhookSubscription& s,
                        const std::string* new_secret = nullptr);
std::string webhook_json(const WebhookSubscription& s);

// A chat channel: its signing secret is write-only (`has_secret` says whether it has one).
void write_chat_channel_json(json::Writer& w, const ChatChannel& c);
std::string chat_channel_json(const ChatChannel& c);

// A stored problem (a notification's last error, a variable's script failure) as three members:
// `<name>` (its English text, or null), `<name>_code` (its ProblemCode, null without a text)
// and `<name>_params` (the code's params, {} without a text).
void write_stored_problem(json::Writer& w, const std::string& name,
                          const std::optional<std::string>& text, const std::string& code,
                          const std::string& params_json);

}  // namespace orderly::domain
