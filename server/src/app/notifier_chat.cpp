// The notifier's chat deliveries: a message to a chat channel, signed as its platform wants,
// paced to a DingTalk robot's per-minute limit, and retried (not lost) when a platform refuses
// it or asks to slow down.
#include "app/notifier.h"
#include "core/codes.h"
#include "integrations/chat.h"
#include "integrations/crypto.h"
#include "storage/notification_store.h"

namespace orderly {

std::optional<TimeMs> Notifier::dingtalk_slot(int64_t channel_id, TimeMs now, bool record) {
    constexpr TimeMs kMinute = 60'000;
    std::lock_guard lock(pace_mu_);
    auto& sent = dingtalk_sends_[channel_id];
    while (!sent.empty() && sent.front() <= now - kMinute) sent.pop_front();
    if (record) {
        sent.push_back(now);
        return std::nullopt;
    }
    if (static_cast<int>(sent.size()) >= std::max(opts_.dingtalk_per_minute, 1))
        return sent.front() + kMinute;
    return std::nullopt;
}

void Notifier::defer(const domain::Notification& n, TimeMs until, const Problem& reason) {
    db_.write([&](storage::Connection& c) {
        storage::defer(c, n.id, owner_, clock_.now_ms(), until, reason);
    });
}

void Notifier::deliver_chat(const domain::Notification& n) {
    auto ch = db_.read([&](storage::Connection& c) -> std::optional<domain::ChatChannel> {
        if (!n.chat_channel_id) return std::nullopt;
        return storage::find_chat_channel(c, *n.chat_channel_id);
    });
    if (!ch) {
        const Problem reason{"the chat channel was deleted", codes::chat_channel_gone, {}};
        db_.write([&](storage::Connection& c) {
            storage::mark_skipped(c, n.id, owner_, clock_.now_ms(), reason);
        });
        return;
    }
    std::string secret;
    if (ch->secret_enc) {
        auto plain = crypto::decrypt(opts_.secret_key, *ch->secret_enc);
        if (!plain) {
            const Problem err{
                "cannot decrypt the chat channel's signing secret (was the server's secret key "
                "replaced?); set the secret on the channel again and retry",
                codes::notification_chat_secret_lost,
                {}};
            log("error", err.text, n.id);
            db_.write([&](storage::Connection& c) {
                storage::mark_failed(c, n.id, owner_, clock_.now_ms(), err);
            });
            return;
        }
        secret = std::move(*plain);
    }
    const std::string platform(domain::to_string(ch->kind));
    const TimeMs now = clock_.now_ms();
    if (ch->kind == domain::ChatKind::dingtalk) {
        if (auto later = dingtalk_slot(ch->id, now, false)) {
            defer(n, *later,
                  {"waiting for the robot's per-minute limit (" +
                       std::to_string(opts_.dingtalk_per_minute) + " messages a minute)",
                   codes::notification_chat_rate_limited,
                   {{"platform", platform}}});
            return;
        }
    }
    auto r = chat::post(ch->kind, ch->url, n.payload, secret, now, opts_.webhook_timeouts);
    // A message the robot answered counts against its limit; one that never reached it does not.
    if (ch->kind == domain::ChatKind::dingtalk && r.status != 0) dingtalk_slot(ch->id, now, true);
    if (r.ok) {
        db_.write(
            [&](storage::Connection& c) { storage::mark_sent(c, n.id, owner_, clock_.now_ms()); });
        return;
    }
    if (r.rate_limited && !opts_.backoff.gives_up(n.queued_at, now)) {
        log("warn", r.error.text, n.id);
        defer(n, clock_.now_ms() + opts_.chat_rate_limit_wait_ms, r.error);
        return;
    }
    failed_attempt(n, r.error);
}

}  // namespace orderly
