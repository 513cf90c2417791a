#pragma once
// Posting to chat platforms' group robots, signed as each platform documents it:
//   DingTalk custom robot: `timestamp` (ms) and
//     `sign` = urlencode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)))
//     added to the URL's query;
//   Feishu custom bot: `timestamp` (s) and
//     `sign` = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))
//     added to the JSON body;
//   WeCom group robots and Slack incoming webhooks are not signed (the URL is the credential).
// A platform that answers HTTP 200 with an error code in the body (DingTalk and WeCom `errcode`,
// Feishu `code`) has refused the message: the outcome says so, with the platform's message.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"
#include "domain/chat.h"
#include "integrations/webhook.h"

namespace orderly::chat {

// DingTalk's `sign` for a timestamp in milliseconds, already URL-encoded.
std::string dingtalk_sign(std::string_view secret, TimeMs timestamp_ms);
// Feishu's `sign` for a timestamp in seconds.
std::string feishu_sign(std::string_view secret, int64_t timestamp_s);
// Percent-encodes every byte but A-Z a-z 0-9 - _ . ~ (as the platforms' urlencode does for
// base64 text).
std::string url_encode(std::string_view s);

// What exactly goes over the wire for one message: the URL (with DingTalk's signature) and the
// body (with Feishu's). `secret` empty = unsigned.
struct Request {
    std::string url;
    std::string body;
};
Request signed_request(domain::ChatKind kind, std::string_view url, std::string_view body,
                       std::string_view secret, TimeMs now);

struct Outcome {
    bool ok = false;
    bool rate_limited = false;  // HTTP 429, DingTalk 130101, WeCom 45009: try again later
    int status = 0;             // HTTP status, 0 when there was no answer
    Problem error;
};

// How the platform's answer reads: status and body (its start is enough).
Outcome read_answer(domain::ChatKind kind, int status, std::string_view body);

// POSTs one message. Blocking, bounded by the timeouts; no redirects are followed. Thread-safe.
Outcome post(domain::ChatKind kind, std::string_view url, std::string_view body,
             std::string_view secret, TimeMs now, const webhook::Timeouts& t = {});

}  // namespace orderly::chat
