#pragma once
// Chat channels as the API sees them: a WeCom, DingTalk or Feishu group robot or a Slack
// incoming webhook that workflows notify through ("chat:<id>" in notify.channels). The route's
// permission is catalog.manage; the rules here are the URL (http or https), a unique name, the
// signing secret (stored encrypted, never returned) and the test message, which goes through
// the outbox like every other notification.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/time.h"
#include "domain/chat.h"
#include "domain/notification.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

struct ChatChannelInput {
    std::string name;
    std::string kind;  // "wecom" | "dingtalk" | "feishu" | "slack"
    std::string url;
    // The robot's signing secret: given = set (empty = remove); left out = unchanged on update.
    std::optional<std::string> secret;
    // Its messages' language ("zh-CN" | "en") and IANA time zone (null or "" = the server's,
    // ORDERLY_TIMEZONE): left out = zh-CN and the server's zone on create, unchanged on update.
    std::optional<std::string> language;
    std::optional<std::optional<std::string>> timezone;
};

class ChatChannels {
  public:
    // secret_key and base_url are the UseCases' own (set before the server serves requests).
    ChatChannels(storage::Database& db, const Clock& clock, const std::string& secret_key,
                 const std::string& base_url)
        : db_(db), clock_(clock), secret_key_(secret_key), base_url_(base_url) {}

    // Set once by OrderlyApp: looks for due notifications now.
    void connect(std::function<void()> wake) { wake_ = std::move(wake); }

    std::vector<domain::ChatChannel> list(int64_t after_id, int limit) const;
    // 404 when unknown.
    domain::ChatChannel get(int64_t id) const;
    // 422 for an unknown kind, a URL it cannot post to or an unknown time zone
    // (chat_channel.timezone_unknown); 409 when the name is taken.
    domain::ChatChannel create(const Caller& who, const ChatChannelInput& in);
    // Replaces name, kind and URL (and the secret when given): 404, 409 on a stale if_match or a
    // taken name, 422 as create.
    domain::ChatChannel update(const Caller& who, int64_t id, const ChatChannelInput& in,
                               std::optional<int64_t> if_match);
    // Queued messages to it are skipped. 404, 409 on a stale if_match.
    void remove(const Caller& who, int64_t id, std::optional<int64_t> if_match);
    // Queues one test message through the outbox and wakes the notifier; the delivery as queued.
    domain::Notification send_test(const Caller& who, int64_t id);

  private:
    storage::Database& db_;
    const Clock& clock_;
    const std::string& secret_key_;
    const std::string& base_url_;
    std::function<void()> wake_;
};

}  // namespace orderly::app
