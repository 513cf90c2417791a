#pragma once
// Notifications as plain values, and the pure parts of delivering them: rendering an event into
// an email (subject, text and HTML, Chinese and English) and a webhook body, and the retry
// policy. No I/O here; storage/notification_store.h keeps the outbox and app/notifier.h sends.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"

namespace orderly::domain {

// ---- events

// The events Orderly notifies about. Webhook subscriptions name them in `events`.
const std::vector<std::string_view>& notification_events();
bool is_notification_event(std::string_view event);

// What a notification says about a ticket, captured when the event happens (the text does not
// change if the ticket changes later).
struct TicketNotice {
    std::string event;  // one of notification_events()
    int64_t ticket_id = 0;
    std::string ticket_sn;
    std::string title;
    std::string status;     // ticket status after the event
    std::string node_name;  // the node waiting or acted on
    std::string actor;      // who acted; empty = the system
    std::string reason;     // rejection reason, comment, execution result
    TimeMs at = 0;
    std::string url;  // deep link to the ticket, see ticket_url()
    // The ticket's environment (its key, and its name when the catalog has it) and change
    // window; empty / nullopt when the ticket has none.
    std::string environment_key;
    std::string environment_name;
    std::optional<TimeMs> window_start;
    std::optional<TimeMs> window_end;
    // The recipient's one-click approval link (domain/action_link.h), for a node waiting for
    // them; empty otherwise. Personal: set per recipient, never in a group message.
    std::string action_url;
};

// ---- time zones

// How far an IANA time zone is from UTC at a moment, in seconds east of it; nullopt for a zone
// it does not know. The rules come from the app layer (integrations/calendar.h reads the
// system's zoneinfo); the domain only formats.
using ZoneOffsets = std::function<std::optional<int>(std::string_view zone, TimeMs at)>;

// The time zone a reader sees times in. Without offsets (or for a zone they do not know) every
// moment is written at UTC+00:00.
struct ReaderZone {
    std::string name = "UTC";
    ZoneOffsets offsets;
    int offset_at(TimeMs t) const;  // seconds east of UTC
};

// "2026-12-07 02:00 (Asia/Shanghai, UTC+08:00)".
std::string format_local(TimeMs t, const ReaderZone& z);
// "2026-12-07 02:00–04:00 (Asia/Shanghai, UTC+08:00)"; both dates when it ends on another day
// ("2026-12-07 22:00 – 2026-12-08 02:00 (...)"), each end with its own offset when the zone's
// offset changes within the window ("2026-03-29 01:00 (UTC+01:00) – 2026-03-29 04:00
// (UTC+02:00) (Europe/Berlin)").
std::string format_window(TimeMs start, TimeMs end, const ReaderZone& z);

// What the outbox needs to render a notice: where links point, the zone of readers who chose
// none (ORDERLY_TIMEZONE) and the zone rules.
struct NoticeSettings {
    std::string link_base = "http://127.0.0.1:8080";
    std::string timezone = "UTC";
    ZoneOffsets offsets;
    // The reader's zone: `zone` when set and not empty, the server's otherwise.
    ReaderZone zone_for(const std::optional<std::string>& zone) const;
};

// The usernames a comment mentions as "@name": an "@" at the start or after a character that
// cannot be part of a username (so "bob@example.com" mentions nobody), followed by the
// characters of a username ([A-Za-z0-9_.@-]); a trailing "." or "-" is punctuation, not part of
// the name ("@lead." names lead). In order of first mention, each once.
std::vector<std::string> mentioned_names(std::string_view text);

// "<base_url>/tickets/<id>", without a doubled slash.
std::string ticket_url(std::string_view base_url, int64_t ticket_id);

struct RenderedEmail {
    std::string subject;  // UTF-8; the SMTP layer encodes it (RFC 2047)
    std::string text;     // text/plain body, UTF-8, LF line ends
    std::string html;     // text/html body, UTF-8, every value escaped
};

// What a message about a ticket event says, in one language ("zh-CN" or "en"): the subject
// ("待处理: 变更审核 · CHG-20261121-0001 环境变更申请"), one sentence saying what happened and
// what is asked, labelled details (ticket, node, status, who acted, reason, time) and the label
// of the link. Emails and chat messages are rendered from it. Times (the event's, the change
// window) are written in the reader's time zone.
struct NoticeText {
    std::string subject;
    std::string headline;
    std::vector<std::pair<std::string, std::string>> details;  // (label, value)
    std::string open_label;
};
NoticeText notice_text(const TicketNotice& n, std::string_view locale, const ReaderZone& zone = {});

// The email for a ticket event, e.g. subject
// "[Orderly] 待处理 Pending: 变更审核 · CHG-20261121-0001 环境变更申请".
// In the recipient's language: "zh-CN" (the default) or "en", and time zone.
RenderedEmail render_email(const TicketNotice& n, std::string_view locale = "zh-CN",
                           const ReaderZone& zone = {});
// The email an admin sends to check that SMTP works.
RenderedEmail render_test_email(std::string_view base_url, TimeMs at);

// The webhook body: {"event","delivery_id","ticket":{"id","sn","title","status","url",
// "environment":{"key","name"}|null,"window":{"start","end"}|null},"node","actor","reason","at"};
// empty node/actor/reason are null, times RFC 3339 in UTC.
std::string render_webhook_body(const TicketNotice& n, std::string_view delivery_id);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);
// A JSON string literal (with the quotes) for UTF-8 text.
std::string json_quote(std::string_view s);

// ---- retries

// Exponential backoff with a cap: the delay before attempt n+1 after n failures is
// min(cap, base * 2^(n-1)). The cap is what lets mail flow again soon after a mail server comes
// back (30 s by default: well within a minute). A row that has failed for give_up_after since it
// was queued is marked failed (an admin can retry it); nothing is dropped silently.
struct BackoffPolicy {
    TimeMs base_ms = 1000;
    TimeMs cap_ms = 30'000;
    TimeMs give_up_after_ms = 24LL * 3600 * 1000;

    // REQUIRES: failures >= 1. jitter01 in [0, 1): the delay is shortened by up to 20% of itself
    // so that many rows that failed together do not retry in lockstep; never above the cap.
    TimeMs delay_after(int failures, double jitter01 = 0.0) const;
    bool gives_up(TimeMs queued_at, TimeMs now) const {
        return now - queued_at >= give_up_after_ms;
    }
};

// ---- stored values

enum class NotificationStatus { pending, sending, sent, failed, skipped };
std::string_view to_string(NotificationStatus s);
std::optional<NotificationStatus> parse_notification_status(std::string_view s);

struct Notification {
    int64_t id = 0;
    std::string event;
    std::string channel;  // "email" | "webhook" | "chat"
    // email address, webhook URL or "<platform>:<chat channel name>" ("" when skipped for lack
    // of one)
    std::string recipient;
    std::optional<int64_t> user_id;
    std::optional<int64_t> webhook_id;
    std::optional<int64_t> chat_channel_id;
    std::optional<int64_t> ticket_id;
    std::string delivery_id;
    std::string subject;
    std::string body_text;
    std::string body_html;
    std::string payload;  // webhook JSON body
    std::string status;   // to_string(NotificationStatus)
    int attempts = 0;
    std::optional<TimeMs> next_attempt_at;
    TimeMs queued_at = 0;
    // Why the last attempt failed, and why a skipped row was not sent: the English text, and a
    // ProblemCode with its params (a JSON object) that clients translate; the code is empty when
    // the text is null.
    std::optional<std::string> last_error;
    std::string last_error_code;
    std::string last_error_params = "{}";
    std::optional<std::string> skip_reason;
    std::string skip_reason_code;
    std::string skip_reason_params = "{}";
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    std::optional<TimeMs> sent_at;
};

struct WebhookSubscription {
    int64_t id = 0;
    std::string url;
    std::vector<std::string> events;  // empty = every event
    std::optional<int64_t> workflow_id;
    bool active = true;
    std::string secret_enc;  // ciphertext; never rendered
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
};

// GET /notifications: every member optional.
struct NotificationFilter {
    std::optional<std::string> status, channel, event;
    std::optional<int64_t> ticket_id;
    int64_t before_id = 0;  // cursor: newest first, ids below this (0 = from the newest)
    int limit = 50;
};

// An in-app notice: every ticket event for each of its recipients, whatever the channels.
struct UserNotice {
    int64_t id = 0;
    std::string event;  // a notification event, e.g. "ticket.rejected"
    int64_t ticket_id = 0;
    std::string ticket_sn;
    std::string title;
    std::string node_name;
    std::string actor;   // username, empty for the system
    std::string reason;  // e.g. the rejection reason
    TimeMs created_at = 0;
    std::optional<TimeMs> read_at;  // when its user marked it read; nullopt = unread
    // The ticket's environment and change window, as they are now.
    std::optional<std::string> environment;
    std::optional<TimeMs> window_start;
    std::optional<TimeMs> window_end;
};

}  // namespace orderly::domain
