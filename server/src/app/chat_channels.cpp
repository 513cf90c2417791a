#include "app/chat_channels.h"

#include "app/time_zones.h"
#include "app/version_check.h"
#include "core/codes.h"
#include "domain/notification_json.h"
#include "integrations/crypto.h"
#include "integrations/webhook.h"
#include "storage/database.h"
#include "storage/notification_store.h"

namespace orderly::app {

namespace {

domain::ChatChannel load(storage::Connection& c, int64_t id) {
    auto ch = storage::find_chat_channel(c, id);
    if (!ch)
        fail(Error::NotFound("no chat channel with id " + std::to_string(id))
                 .with(codes::chat_channel_not_found, {{"id", id}}));
    return *ch;
}

// The input checked: kind known, URL http(s).
domain::ChatChannel checked(const ChatChannelInput& in) {
    domain::ChatChannel ch;
    ch.name = in.name;
    auto kind = domain::parse_chat_kind(in.kind);
    if (!kind)
        fail(Error::Field("kind", "must be one of wecom, dingtalk, feishu, slack",
                          codes::field_enum, {{"allowed", "wecom, dingtalk, feishu, slack"}}));
    ch.kind = *kind;
    std::string why;
    if (!webhook::parse_url(in.url, &why))
        fail(Error::UnprocessableField("url", why, codes::webhook_url_invalid, {{"reason", why}}));
    ch.url = in.url;
    if (in.language) {
        if (*in.language != "zh-CN" && *in.language != "en")
            fail(Error::Field("language", "must be one of zh-CN, en", codes::field_enum,
                              {{"allowed", "zh-CN, en"}}));
        ch.language = *in.language;
    }
    if (in.timezone) {
        check_timezone(*in.timezone, "timezone", codes::chat_channel_timezone_unknown);
        if (*in.timezone && !(*in.timezone)->empty()) ch.timezone = *in.timezone;
    }
    return ch;
}

std::string described(const domain::ChatChannel& ch) {
    return "chat channel " + std::to_string(ch.id) + " \"" + ch.name + "\" (" +
           std::string(domain::to_string(ch.kind)) + ")";
}

}  // namespace

std::vector<domain::ChatChannel> ChatChannels::list(int64_t after_id, int limit) const {
    return db_.read(
        [&](storage::Connection& c) { return storage::list_chat_channels(c, after_id, limit); });
}

domain::ChatChannel ChatChannels::get(int64_t id) const {
    return db_.read([&](storage::Connection& c) { return load(c, id); });
}

domain::ChatChannel ChatChannels::create(const Caller& who, const ChatChannelInput& in) {
    domain::ChatChannel ch = checked(in);
    if (in.secret && !in.secret->empty()) ch.secret_enc = crypto::encrypt(secret_key_, *in.secret);
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        const int64_t id = unwrap(storage::insert_chat_channel(c, ch, now));
        auto created = load(c, id);
        audit(c, who, now, "chat_channel.create", "chat_channel", std::to_string(id),
              "created " + described(created), std::nullopt, domain::chat_channel_json(created));
        return created;
    });
}

domain::ChatChannel ChatChannels::update(const Caller& who, int64_t id, const ChatChannelInput& in,
                                         std::optional<int64_t> if_match) {
    domain::ChatChannel next = checked(in);
    std::optional<std::optional<std::string>> secret_enc;  // set = changes
    if (in.secret)
        secret_enc = in.secret->empty() ? std::nullopt
                                        : std::optional(crypto::encrypt(secret_key_, *in.secret));
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        const auto before = load(c, id);
        check_version(if_match, before.version, "chat channel " + std::to_string(id));
        next.id = id;
        next.secret_enc = secret_enc ? *secret_enc : before.secret_enc;
        if (!in.language) next.language = before.language;
        if (!in.timezone) next.timezone = before.timezone;
        unwrap(storage::update_chat_channel(c, next, now));
        auto after = load(c, id);
        audit(c, who, now, "chat_channel.update", "chat_channel", std::to_string(id),
              "updated " + described(after) + (secret_enc ? " (new secret)" : ""),
              domain::chat_channel_json(before), domain::chat_channel_json(after));
        return after;
    });
}

void ChatChannels::remove(const Caller& who, int64_t id, std::optional<int64_t> if_match) {
    const TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        const auto ch = load(c, id);
        check_version(if_match, ch.version, "chat channel " + std::to_string(id));
        storage::delete_chat_channel(c, id);
        audit(c, who, now, "chat_channel.delete", "chat_channel", std::to_string(id),
              "deleted " + described(ch), domain::chat_channel_json(ch));
    });
}

domain::Notification ChatChannels::send_test(const Caller& who, int64_t id) {
    const TimeMs now = clock_.now_ms();
    auto n = db_.write([&](storage::Connection& c) {
        const auto ch = load(c, id);
        const int64_t nid = storage::enqueue_test_chat(c, base_url_, ch, now);
        audit(c, who, now, "chat_channel.test", "chat_channel", std::to_string(id),
              "sent a test message to " + described(ch));
        return *storage::find_notification(c, nid);
    });
    if (wake_) wake_();
    return n;
}

}  // namespace orderly::app
