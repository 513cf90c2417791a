#pragma once
// Notifications as the API sees them: the outbox (list, one delivery, an admin's retry, a test
// email), the caller's in-app notices, and webhook subscriptions. Permissions are the routes'
// (notification.manage); the rules here are what may be retried, which URLs and events a
// subscription may name, and its secret (generated when not given, stored encrypted).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/error.h"
#include "core/time.h"
#include "domain/notification.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

// What the use cases need of the background notifier (app/notifier.h); OrderlyApp connects it.
struct NotifierLink {
    // Looks for due notifications now.
    std::function<void()> wake;
    // Why this server sends no email; an empty code = it does.
    Problem email_problem;
    // How long a test email call waits for the first attempt's result.
    std::chrono::milliseconds test_wait{15000};
};

struct NewWebhook {
    std::string url;
    std::vector<std::string> events;
    std::optional<int64_t> workflow_id;
    bool active = true;
    std::optional<std::string> secret;  // none: Orderly generates one
};

struct CreatedWebhook {
    domain::WebhookSubscription subscription;
    std::optional<std::string> generated_secret;  // shown once, when Orderly generated it
};

// A PATCH: only the members given change.
struct WebhookChanges {
    std::optional<std::string> url;
    std::optional<std::vector<std::string>> events;
    bool clear_workflow = false;  // workflow_id: null
    std::optional<int64_t> workflow_id;
    std::optional<bool> active;
    std::optional<std::string> secret;
};

class Notifications {
  public:
    Notifications(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    // Set once, before the server serves requests: the notifier, the server's public URL
    // (links in emails) and the key for secrets at rest (webhook secrets).
    void connect(NotifierLink notifier, std::string base_url, std::string secret_key) {
        notifier_ = std::move(notifier);
        base_url_ = std::move(base_url);
        secret_key_ = std::move(secret_key);
    }

    // ---- deliveries
    // Newest first, fetched with the filter's limit.
    std::vector<domain::Notification> list(const domain::NotificationFilter& f) const;
    // 404 when unknown.
    domain::Notification get(int64_t id) const;
    // A failed row, or a skipped one whose recipient can now receive it, is queued again
    // (storage::retry_notification says when not: 404, 409); the notifier is woken.
    domain::Notification retry(const Caller& who, int64_t id);
    // Queues a test email through the outbox and waits (up to NotifierLink::test_wait) for the
    // first attempt, so the admin sees at once whether SMTP works. 422 for an unusable address,
    // 409 when this server sends no email. Blocks.
    domain::Notification send_test_email(const Caller& who, const std::string& to);

    // ---- in-app notices of the caller, newest first (ids below before_id when not 0)
    std::vector<domain::UserNotice> notices(const Caller& who, int64_t before_id, int limit) const;

    // ---- the caller's inbox: the same notices with their read state
    struct InboxPage {
        std::vector<domain::UserNotice> items;  // fetched with `limit` (pass one more to page)
        int64_t unread = 0;                     // of all the caller's notices
    };
    // Read in one snapshot, so the count and the page agree.
    InboxPage inbox(const Caller& who, int64_t before_id, int limit, bool unread_only) const;
    int64_t unread_count(const Caller& who) const;
    // Marks the caller's notices of `ids` read (others' ids and unknown ones change nothing), or
    // every unread one when `all`. Returns how many are unread afterwards.
    int64_t mark_read(const Caller& who, const std::vector<int64_t>& ids, bool all);

    // ---- webhook subscriptions
    std::vector<domain::WebhookSubscription> list_webhooks(std::optional<int64_t> workflow_id,
                                                           int64_t after_id, int limit) const;
    // 404 when unknown.
    domain::WebhookSubscription get_webhook(int64_t id) const;
    // 422 on a URL it cannot post to, an unknown event or workflow.
    CreatedWebhook create_webhook(const Caller& who, NewWebhook in);
    // 404, then 409 when if_match is not the current version, then 422 as create.
    domain::WebhookSubscription update_webhook(const Caller& who, int64_t id,
                                               const WebhookChanges& changes,
                                               std::optional<int64_t> if_match);
    // 404, then 409 when if_match is not the current version.
    void delete_webhook(const Caller& who, int64_t id, std::optional<int64_t> if_match);

  private:
    storage::Database& db_;
    const Clock& clock_;
    std::string base_url_;
    std::string secret_key_;
    NotifierLink notifier_;
};

}  // namespace orderly::app
