#pragma once
// Chat platforms as plain values: the channels (a WeCom, DingTalk or Feishu group robot, a Slack
// incoming webhook) and the message each platform expects for a ticket event. No I/O and no
// signatures here: integrations/chat.h signs and posts, app/notifier.cpp delivers.
//
// Message formats, as each platform documents its custom robot:
//   wecom:    {"msgtype":"markdown","markdown":{"content":"..."}}, mentions "<@userid>" in the
//             content;
//   dingtalk: {"msgtype":"markdown","markdown":{"title","text"},"at":{"atMobiles":[..],
//             "atUserIds":[..]}}, with "@<mobile or userid>" in the text as well;
//   feishu:   {"msg_type":"interactive","card":{header, elements}}, mentions
//             "<at id=<open_id>></at>" in the card's markdown; the signature (timestamp, sign)
//             goes into this body when it is sent;
//   slack:    {"text":<fallback>,"blocks":[...]}, mentions "<@memberid>".
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "domain/notification.h"

namespace orderly::domain {

enum class ChatKind { wecom, dingtalk, feishu, slack };
std::string_view to_string(ChatKind k);
std::optional<ChatKind> parse_chat_kind(std::string_view s);
// Constant data, never destroyed: the notifier's thread may still read it while a process exits.
const std::array<std::string_view, 4>& chat_kinds();

struct ChatChannel {
    int64_t id = 0;
    std::string name;
    ChatKind kind = ChatKind::wecom;
    std::string url;
    std::optional<std::string> secret_enc;  // ciphertext of the signing secret; never rendered
    std::string language = "zh-CN";         // its messages' language: "zh-CN" or "en"
    // The IANA time zone its messages write times in; nullopt = the server's (ORDERLY_TIMEZONE).
    std::optional<std::string> timezone;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
};

// A user's ids on the chat platforms: platform name ("wecom", "dingtalk", "feishu", "slack")
// -> the id to mention (for DingTalk a mobile number or a userid).
using ChatIds = std::map<std::string, std::string>;

// "chat:<id>" entries of a notify policy's channels name chat channels; nullopt for anything
// else ("email", "webhook", malformed).
std::optional<int64_t> chat_channel_ref(std::string_view channel);
// Whether a notify.channels entry is one Orderly knows: "email", "webhook" or "chat:<id>".
bool is_notify_channel(std::string_view channel);

// An approver's link in a group message: "Decide as <username>" -> <url> (a link that works
// only for that approver, signed in).
struct ChatAction {
    std::string username;
    std::string url;
};

// The body to post for a ticket event, in one language ("zh-CN" or "en"), @-mentioning the
// given ids (the recipients' ids on this platform), with times in the given zone, and a link
// per approver in `decide`.
std::string render_chat_body(ChatKind kind, const TicketNotice& n, std::string_view locale,
                             const std::vector<std::string>& mentions, const ReaderZone& zone = {},
                             const std::vector<ChatAction>& decide = {});
// The message an admin sends to check that a channel works.
std::string render_chat_test_body(ChatKind kind, std::string_view channel_name,
                                  std::string_view base_url, TimeMs at);

}  // namespace orderly::domain
