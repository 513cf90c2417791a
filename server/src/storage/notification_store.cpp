#include "storage/notification_store.h"

#include <algorithm>
#include <cstdint>
#include <random>

#include "core/codes.h"
#include "core/json.h"
#include "storage/accounts_store.h"
#include "storage/action_link_store.h"
#include "storage/notification_rows.h"

// The outbox's rows as events write them, and as the API reads and retries them.
namespace orderly::storage {

namespace detail {

domain::Notification read_notification(Stmt& s) {
    domain::Notification n;
    n.id = s.int64(0);
    n.event = s.text(1);
    n.channel = s.text(2);
    n.recipient = s.text(3);
    n.user_id = s.opt_int64(4);
    n.webhook_id = s.opt_int64(5);
    n.ticket_id = s.opt_int64(6);
    n.delivery_id = s.text(7);
    n.subject = s.text(8);
    n.body_text = s.text(9);
    n.body_html = s.text(10);
    n.payload = s.text(11);
    n.status = s.text(12);
    n.attempts = s.integer(13);
    n.next_attempt_at = s.opt_int64(14);
    n.queued_at = s.int64(15);
    n.last_error = s.opt_text(16);
    n.skip_reason = s.opt_text(17);
    n.created_at = s.int64(18);
    n.updated_at = s.int64(19);
    n.sent_at = s.opt_int64(20);
    n.last_error_code = s.opt_text(21).value_or("");
    n.last_error_params = s.opt_text(22).value_or("{}");
    n.skip_reason_code = s.opt_text(23).value_or("");
    n.skip_reason_params = s.opt_text(24).value_or("{}");
    n.chat_channel_id = s.opt_int64(25);
    return n;
}

}  // namespace detail

namespace {

using detail::kNotificationCols;
using detail::read_notification;

// 16 random bytes (from the system's random source) in lower-case hex.
std::string new_delivery_id() {
    thread_local std::random_device random;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(32);
    for (int word = 0; word < 4; ++word) {
        uint32_t bits = random();
        for (int i = 0; i < 8; ++i, bits >>= 4) out.push_back(kHex[bits & 0xF]);
    }
    return out;
}

struct NewRow {
    std::string event, channel, recipient;
    std::optional<int64_t> user_id, webhook_id, ticket_id, chat_channel_id;
    std::string delivery_id;
    std::string subject, body_text, body_html, payload;
    std::optional<Problem> skip_reason;  // set = a skipped row
};

int64_t insert_row(Connection& c, const NewRow& r, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO notifications (event, channel, recipient, user_id, webhook_id, ticket_id, "
        "delivery_id, subject, body_text, body_html, payload, status, next_attempt_at, queued_at, "
        "skip_reason, skip_reason_code, skip_reason_params, created_at, updated_at, "
        "chat_channel_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?14, "
        "?14, ?18) RETURNING id");
    const bool skipped = r.skip_reason.has_value();
    s.bind(1, r.event)
        .bind(2, r.channel)
        .bind(3, r.recipient)
        .bind(4, r.user_id)
        .bind(5, r.webhook_id)
        .bind(6, r.ticket_id)
        .bind(7, r.delivery_id)
        .bind(8, r.subject)
        .bind(9, r.body_text)
        .bind(10, r.body_html)
        .bind(11, r.payload)
        .bind(12, skipped ? "skipped" : "pending")
        .bind(13, skipped ? std::nullopt : std::optional<int64_t>(now))
        .bind(14, now)
        .bind(15, skipped ? std::optional(r.skip_reason->text) : std::nullopt)
        .bind(16, skipped ? std::optional(r.skip_reason->code) : std::nullopt)
        .bind(17, skipped ? std::optional(json::params_json(r.skip_reason->params)) : std::nullopt)
        .bind(18, r.chat_channel_id);
    return inserted_id(std::move(s));
}

std::string environment_name(Connection& c, const std::string& key) {
    auto s = c.prepare("SELECT name FROM environments WHERE key = ?1");
    s.bind(1, key);
    return s.step() ? s.text(0) : std::string();
}

// The event as its notifications tell it.
domain::TicketNotice notice_of(Connection& c, const std::string& base_url, const TicketEvent& ev,
                               TimeMs now) {
    domain::TicketNotice notice;
    notice.event = ev.event;
    notice.ticket_id = ev.ticket_id;
    notice.ticket_sn = ev.ticket_sn;
    notice.title = ev.title;
    notice.status = ev.status;
    notice.node_name = ev.node_name;
    notice.actor = ev.actor;
    notice.reason = ev.reason;
    notice.at = now;
    notice.url = domain::ticket_url(base_url, ev.ticket_id);
    if (ev.environment && !ev.environment->empty()) {
        notice.environment_key = *ev.environment;
        notice.environment_name = environment_name(c, *ev.environment);
    }
    if (ev.window) {
        notice.window_start = ev.window->start;
        notice.window_end = ev.window->end;
    }
    return notice;
}

// In-app notices go to every recipient, whatever the workflow's channels.
void insert_user_notices(Connection& c, const TicketEvent& ev,
                         const std::vector<int64_t>& recipients, TimeMs now) {
    for (int64_t uid : recipients) {
        auto s = c.prepare(
            "INSERT INTO user_notices (user_id, event, ticket_id, ticket_sn, title, node_name, "
            "actor, reason, created_at) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM users "
            "WHERE id = ?1");
        s.bind(1, uid)
            .bind(2, ev.event)
            .bind(3, ev.ticket_id)
            .bind(4, ev.ticket_sn)
            .bind(5, ev.title)
            .bind(6, ev.node_name)
            .bind(7, ev.actor)
            .bind(8, ev.reason)
            .bind(9, now)
            .exec();
    }
}

// The email to one recipient, skipped with a reason when the user is unknown, disabled or has
// no address.
NewRow email_row(Connection& c, const domain::NoticeSettings& settings,
                 const domain::TicketNotice& notice, int64_t uid) {
    auto u = find_user(c, uid);
    // Each recipient reads it in their own language and time zone.
    const auto mail = domain::render_email(notice, u ? u->locale : "zh-CN",
                                           settings.zone_for(u ? u->timezone : std::nullopt));
    NewRow r;
    r.event = notice.event;
    r.channel = "email";
    r.ticket_id = notice.ticket_id;
    r.delivery_id = new_delivery_id();
    r.subject = mail.subject;
    r.body_text = mail.text;
    r.body_html = mail.html;
    if (!u) {
        r.skip_reason = Problem{"user #" + std::to_string(uid) + " does not exist",
                                codes::notification_user_missing,
                                {{"user_id", uid}}};
        return r;
    }
    r.user_id = uid;
    if (u->disabled)
        r.skip_reason = Problem{"user " + u->username + " is disabled",
                                codes::user_disabled,
                                {{"username", u->username}}};
    else if (!u->email || u->email->empty())
        r.skip_reason = Problem{"user " + u->username + " has no email address",
                                codes::notification_no_email_address,
                                {{"username", u->username}}};
    else
        r.recipient = *u->email;
    return r;
}

// One webhook delivery per matching active subscription: global ones and those of the
// event's workflow, that name the event or no event at all.
void insert_webhook_rows(Connection& c, const domain::TicketNotice& notice, const TicketEvent& ev,
                         TimeMs now) {
    auto s = c.prepare(
        "SELECT w.id, w.url FROM webhooks w "
        "WHERE w.active = 1 AND (w.workflow_id IS NULL OR w.workflow_id = ?1) "
        "AND (NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.webhook_id = w.id) "
        "     OR EXISTS (SELECT 1 FROM webhook_events e WHERE e.webhook_id = w.id "
        "                AND e.event = ?2)) "
        "ORDER BY w.id");
    s.bind(1, ev.workflow_id).bind(2, ev.event);
    std::vector<std::pair<int64_t, std::string>> subs;
    while (s.step()) subs.emplace_back(s.int64(0), s.text(1));
    for (const auto& [id, url] : subs) {
        NewRow r;
        r.event = ev.event;
        r.channel = "webhook";
        r.recipient = url;
        r.webhook_id = id;
        r.ticket_id = ev.ticket_id;
        r.delivery_id = new_delivery_id();
        r.subject = ev.ticket_sn + " " + ev.event;
        r.payload = domain::render_webhook_body(notice, r.delivery_id);
        insert_row(c, r, now);
    }
}

std::string chat_recipient(const domain::ChatChannel& ch) {
    return std::string(domain::to_string(ch.kind)) + ":" + ch.name;
}

// One message per chat channel the event's channels name, in the channel's language and time
// zone, @-mentioning the recipients who have an id on the channel's platform.
void insert_chat_rows(Connection& c, const domain::NoticeSettings& settings,
                      const domain::TicketNotice& notice, const TicketEvent& ev,
                      const std::vector<int64_t>& recipients,
                      const std::vector<domain::ChatAction>& decide, TimeMs now) {
    std::vector<int64_t> done;
    // The recipients who may be mentioned, read once for all the channels.
    std::optional<std::vector<domain::User>> people;
    for (const auto& entry : ev.channels) {
        const auto id = domain::chat_channel_ref(entry);
        if (!id || std::find(done.begin(), done.end(), *id) != done.end()) continue;
        done.push_back(*id);
        NewRow r;
        r.event = ev.event;
        r.channel = "chat";
        r.ticket_id = ev.ticket_id;
        r.delivery_id = new_delivery_id();
        r.subject = ev.ticket_sn + " " + ev.event;
        const auto ch = find_chat_channel(c, *id);
        if (!ch) {
            r.recipient = entry;
            r.skip_reason = Problem{"chat channel " + std::to_string(*id) + " does not exist",
                                    codes::chat_channel_gone,
                                    {}};
            insert_row(c, r, now);
            continue;
        }
        r.recipient = chat_recipient(*ch);
        r.chat_channel_id = ch->id;
        if (!people) {
            people.emplace();
            for (int64_t uid : recipients)
                if (auto u = find_user(c, uid); u && !u->disabled) people->push_back(std::move(*u));
        }
        std::vector<std::string> mentions;
        for (const auto& u : *people) {
            auto it = u.chat_ids.find(std::string(domain::to_string(ch->kind)));
            if (it != u.chat_ids.end() && !it->second.empty()) mentions.push_back(it->second);
        }
        r.payload = domain::render_chat_body(ch->kind, notice, ch->language, mentions,
                                             settings.zone_for(ch->timezone), decide);
        insert_row(c, r, now);
    }
}

}  // namespace

void enqueue_ticket_event(Connection& c, const std::string& base_url, const TicketEvent& ev,
                          TimeMs now) {
    domain::NoticeSettings settings;
    settings.link_base = base_url;
    enqueue_ticket_event(c, settings, ev, now);
}

void enqueue_ticket_event(Connection& c, const domain::NoticeSettings& settings,
                          const TicketEvent& ev, TimeMs now) {
    const std::string& base_url = settings.link_base;
    const domain::TicketNotice notice = notice_of(c, base_url, ev, now);
    std::vector<int64_t> recipients;
    for (int64_t uid : ev.recipients)
        if (std::find(recipients.begin(), recipients.end(), uid) == recipients.end())
            recipients.push_back(uid);
    insert_user_notices(c, ev, recipients, now);
    // Each approver's own link goes into their own email only.
    auto personal = [&](int64_t uid) {
        domain::TicketNotice mine = notice;
        for (const auto& l : ev.links)
            if (l.user_id == uid && ev.node_id) {
                insert_action_link(c, l.minted.token_hash, ev.ticket_id, *ev.node_id, uid, now,
                                   l.expires_at);
                mine.action_url = domain::action_url(base_url, l.minted.token);
            }
        return mine;
    };
    const bool email = ev.channels.empty() || std::find(ev.channels.begin(), ev.channels.end(),
                                                        "email") != ev.channels.end();
    if (email)
        for (int64_t uid : recipients)
            insert_row(c, email_row(c, settings, personal(uid), uid), now);
    // A group chat is read by everyone in it: its approval links work only for their approver,
    // signed in (one per approver, shared by the event's chat messages).
    std::vector<domain::ChatAction> decide;
    for (const auto& l : ev.chat_links) {
        auto u = find_user(c, l.user_id);
        if (!ev.node_id || !u || u->disabled) continue;
        insert_action_link(c, l.minted.token_hash, ev.ticket_id, *ev.node_id, l.user_id, now,
                           l.expires_at, /*sign_in=*/true);
        decide.push_back({u->username, domain::action_url(base_url, l.minted.token)});
    }
    insert_chat_rows(c, settings, notice, ev, recipients, decide, now);
    insert_webhook_rows(c, notice, ev, now);
}

int64_t enqueue_test_chat(Connection& c, const std::string& base_url,
                          const domain::ChatChannel& channel, TimeMs now) {
    NewRow r;
    r.event = "test";
    r.channel = "chat";
    r.recipient = chat_recipient(channel);
    r.chat_channel_id = channel.id;
    r.delivery_id = new_delivery_id();
    r.subject = "test message";
    r.payload = domain::render_chat_test_body(channel.kind, channel.name, base_url, now);
    return insert_row(c, r, now);
}

int64_t enqueue_test_email(Connection& c, const std::string& base_url, const std::string& to,
                           TimeMs now) {
    const auto mail = domain::render_test_email(base_url, now);
    NewRow r;
    r.event = "test";
    r.channel = "email";
    r.recipient = to;
    r.delivery_id = new_delivery_id();
    r.subject = mail.subject;
    r.body_text = mail.text;
    r.body_html = mail.html;
    return insert_row(c, r, now);
}

std::vector<UserNotice> list_user_notices(Connection& c, int64_t user_id, int64_t before_id,
                                          int limit, bool unread_only) {
    // Two statements rather than one with "?4 = 0 OR read_at IS NULL": each keeps its index
    // (the unread one reads the partial index of unread notices). The ticket's environment and
    // window are as they are now (a moved window reads where it went).
    auto s = c.prepare(
        unread_only
            ? "SELECT n.id, n.event, n.ticket_id, n.ticket_sn, n.title, n.node_name, n.actor, "
              "n.reason, n.created_at, n.read_at, t.environment, t.planned_start, t.planned_end "
              "FROM user_notices n LEFT JOIN tickets t ON t.id = n.ticket_id "
              "WHERE n.user_id = ?1 AND n.read_at IS NULL AND "
              "(CAST(?2 AS BIGINT) = 0 OR n.id < ?2) ORDER BY n.id DESC LIMIT ?3"
            : "SELECT n.id, n.event, n.ticket_id, n.ticket_sn, n.title, n.node_name, n.actor, "
              "n.reason, n.created_at, n.read_at, t.environment, t.planned_start, t.planned_end "
              "FROM user_notices n LEFT JOIN tickets t ON t.id = n.ticket_id "
              "WHERE n.user_id = ?1 AND (CAST(?2 AS BIGINT) = 0 OR n.id < ?2) "
              "ORDER BY n.id DESC LIMIT ?3");
    s.bind(1, user_id).bind(2, before_id).bind(3, limit);
    std::vector<UserNotice> out;
    while (s.step()) {
        UserNotice n;
        n.id = s.int64(0);
        n.event = s.text(1);
        n.ticket_id = s.int64(2);
        n.ticket_sn = s.text(3);
        n.title = s.text(4);
        n.node_name = s.text(5);
        n.actor = s.text(6);
        n.reason = s.text(7);
        n.created_at = s.int64(8);
        if (!s.is_null(9)) n.read_at = s.int64(9);
        n.environment = s.opt_text(10);
        n.window_start = s.opt_int64(11);
        n.window_end = s.opt_int64(12);
        out.push_back(std::move(n));
    }
    return out;
}

int64_t count_unread_notices(Connection& c, int64_t user_id) {
    auto s = c.prepare("SELECT COUNT(*) FROM user_notices WHERE user_id = ?1 AND read_at IS NULL");
    s.bind(1, user_id);
    return s.step() ? s.int64(0) : 0;
}

int64_t mark_notices_read(Connection& c, int64_t user_id, const std::vector<int64_t>& ids,
                          TimeMs now) {
    if (ids.empty()) {
        auto s = c.prepare(
            "UPDATE user_notices SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL");
        s.bind(1, user_id).bind(2, now).exec();
        return c.changes();
    }
    auto s = c.prepare(
        "UPDATE user_notices SET read_at = ?3 WHERE id = ?2 AND user_id = ?1 AND read_at IS NULL");
    int64_t changed = 0;
    for (int64_t id : ids) {
        s.bind(1, user_id).bind(2, id).bind(3, now).exec();
        changed += c.changes();
        s.reset();
    }
    return changed;
}

std::vector<domain::Notification> list_notifications(Connection& c, const NotificationFilter& f) {
    // Only the filters given appear in the SQL, so SQLite can use the (status, id) and
    // (ticket_id, id) indexes; the few variants are each cached as a prepared statement.
    SqlParams p;
    std::string sql =
        std::string("SELECT ") + kNotificationCols + " FROM notifications WHERE 1 = 1";
    if (f.status) sql += " AND status = " + p.add(*f.status);
    if (f.channel) sql += " AND channel = " + p.add(*f.channel);
    if (f.event) sql += " AND event = " + p.add(*f.event);
    if (f.ticket_id) sql += " AND ticket_id = " + p.add(*f.ticket_id);
    if (f.before_id > 0) sql += " AND id < " + p.add(f.before_id);
    sql += " ORDER BY id DESC LIMIT " + p.add(static_cast<int64_t>(f.limit));
    auto s = c.prepare(sql);
    p.bind(s);
    std::vector<domain::Notification> out;
    while (s.step()) out.push_back(read_notification(s));
    return out;
}

std::optional<domain::Notification> find_notification(Connection& c, int64_t id) {
    auto s =
        c.prepare(std::string("SELECT ") + kNotificationCols + " FROM notifications WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_notification(s);
}

std::vector<std::pair<std::string, int64_t>> count_notifications_by_status(Connection& c) {
    auto s =
        c.prepare("SELECT status, count(*) FROM notifications GROUP BY status ORDER BY status");
    std::vector<std::pair<std::string, int64_t>> out;
    while (s.step()) out.emplace_back(s.text(0), s.int64(1));
    return out;
}

Result<domain::Notification> retry_notification(Connection& c, int64_t id, TimeMs now) {
    auto n = find_notification(c, id);
    if (!n)
        return Error::NotFound("no notification with id " + std::to_string(id))
            .with(codes::notification_not_found, {{"id", id}});
    std::string recipient = n->recipient;
    if (n->status == "skipped") {
        if (n->channel == "email") {
            if (!n->user_id)
                return Error::Conflict("notification " + std::to_string(id) +
                                       " has no recipient to send to")
                    .with(codes::notification_no_recipient, {{"id", id}});
            auto u = find_user(c, *n->user_id);
            if (!u)
                return Error::Conflict("notification " + std::to_string(id) +
                                       " has no recipient to send to")
                    .with(codes::notification_no_recipient, {{"id", id}});
            if (u->disabled)
                return Error::Conflict("user " + u->username + " is disabled")
                    .with(codes::user_disabled, {{"username", u->username}});
            if (!u->email || u->email->empty())
                return Error::Conflict("user " + u->username +
                                       " still has no email address; set one first")
                    .with(codes::notification_user_no_email, {{"username", u->username}});
            recipient = *u->email;
        } else if (n->channel == "chat") {
            auto ch = n->chat_channel_id ? find_chat_channel(c, *n->chat_channel_id) : std::nullopt;
            if (!ch)
                return Error::Conflict("the chat channel no longer exists")
                    .with(codes::chat_channel_gone);
            recipient = chat_recipient(*ch);
        } else {
            auto w = n->webhook_id ? find_webhook(c, *n->webhook_id) : std::nullopt;
            if (!w)
                return Error::Conflict("the webhook subscription no longer exists")
                    .with(codes::webhook_gone);
            if (!w->active)
                return Error::Conflict("the webhook subscription is inactive")
                    .with(codes::webhook_inactive);
            recipient = w->url;
        }
    } else if (n->status != "failed") {
        return Error::Conflict("notification " + std::to_string(id) + " is " + n->status +
                               "; only failed or skipped notifications can be retried")
            .with(codes::notification_not_retryable, {{"id", id}, {"status", n->status}});
    }
    auto s = c.prepare(
        "UPDATE notifications SET status = 'pending', recipient = ?2, next_attempt_at = ?3, "
        "queued_at = ?3, attempts = 0, skip_reason = NULL, skip_reason_code = NULL, "
        "skip_reason_params = NULL, lease_owner = NULL, "
        "lease_expires_at = NULL, updated_at = ?3 WHERE id = ?1");
    s.bind(1, id).bind(2, recipient).bind(3, now);
    s.exec();
    return *find_notification(c, id);
}

}  // namespace orderly::storage
