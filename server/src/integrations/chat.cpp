#include "integrations/chat.h"

#include "core/codes.h"
#include "core/json.h"
#include "integrations/crypto.h"

namespace orderly::chat {

std::string url_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : s) {
        const bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
                           ch == '~';
        if (plain) {
            out.push_back(static_cast<char>(ch));
        } else {
            out.push_back('%');
            out.push_back(kHex[ch >> 4]);
            out.push_back(kHex[ch & 0xF]);
        }
    }
    return out;
}

std::string dingtalk_sign(std::string_view secret, TimeMs timestamp_ms) {
    const std::string to_sign = std::to_string(timestamp_ms) + "\n" + std::string(secret);
    return url_encode(crypto::hmac_sha256_base64(secret, to_sign));
}

std::string feishu_sign(std::string_view secret, int64_t timestamp_s) {
    const std::string key = std::to_string(timestamp_s) + "\n" + std::string(secret);
    return crypto::hmac_sha256_base64(key, "");
}

Request signed_request(domain::ChatKind kind, std::string_view url, std::string_view body,
                       std::string_view secret, TimeMs now) {
    Request r{std::string(url), std::string(body)};
    if (secret.empty()) return r;
    if (kind == domain::ChatKind::dingtalk) {
        r.url += r.url.find('?') == std::string::npos ? '?' : '&';
        r.url += "timestamp=" + std::to_string(now) + "&sign=" + dingtalk_sign(secret, now);
    } else if (kind == domain::ChatKind::feishu && !r.body.empty() && r.body.front() == '{') {
        const int64_t seconds = now / 1000;
        r.body = "{\"timestamp\":\"" + std::to_string(seconds) +
                 "\",\"sign\":" + domain::json_quote(feishu_sign(secret, seconds)) + "," +
                 r.body.substr(1);
    }
    return r;
}

namespace {

std::string printable(std::string_view s, size_t max) {
    std::string out;
    for (char ch : s.substr(0, max))
        out.push_back(static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch);
    return out;
}

// The platform's error code and message in a 200 answer: (code, message); code 0 = success.
std::pair<int64_t, std::string> answer_code(domain::ChatKind kind, std::string_view body) {
    json::Document doc;
    if (!json::parse_untrusted(body, doc) || !doc.IsObject()) return {0, ""};
    const bool feishu = kind == domain::ChatKind::feishu;
    const char* code_key = feishu ? "code" : "errcode";
    const char* msg_key = feishu ? "msg" : "errmsg";
    // Feishu's older answers carry StatusCode / StatusMessage.
    if (feishu && !doc.HasMember("code") && doc.HasMember("StatusCode")) {
        code_key = "StatusCode";
        msg_key = "StatusMessage";
    }
    auto code = json::get_int(doc, code_key);
    return {code.value_or(0), json::get_string(doc, msg_key).value_or("")};
}

}  // namespace

Outcome read_answer(domain::ChatKind kind, int status, std::string_view body) {
    Outcome out;
    out.status = status;
    const std::string platform(domain::to_string(kind));
    if (status == 429) {
        out.rate_limited = true;
        out.error = {platform + " is limiting the rate of messages (HTTP 429)",
                     codes::notification_chat_rate_limited,
                     {{"platform", platform}}};
        return out;
    }
    if (status < 200 || status >= 300) {
        const std::string snippet = printable(body, 200);
        out.error = {"the receiver answered HTTP " + std::to_string(status) +
                         (snippet.empty() ? "" : ": " + snippet),
                     codes::notification_webhook_status,
                     {{"status", status}}};
        return out;
    }
    if (kind == domain::ChatKind::slack) {
        out.ok = true;
        return out;
    }
    const auto [code, message] = answer_code(kind, body);
    if (code == 0) {
        out.ok = true;
        return out;
    }
    // DingTalk 130101: more than 20 messages a minute; WeCom 45009: API frequency limit.
    out.rate_limited = (kind == domain::ChatKind::dingtalk && code == 130101) ||
                       (kind == domain::ChatKind::wecom && code == 45009);
    if (out.rate_limited) {
        out.error = {platform + " is limiting the rate of messages (error " + std::to_string(code) +
                         ": " + printable(message, 200) + ")",
                     codes::notification_chat_rate_limited,
                     {{"platform", platform}}};
        return out;
    }
    out.error = {platform + " refused the message: error " + std::to_string(code) + ": " +
                     printable(message, 200),
                 codes::notification_chat_refused,
                 {{"platform", platform}, {"code", code}, {"message", printable(message, 200)}}};
    return out;
}

Outcome post(domain::ChatKind kind, std::string_view url, std::string_view body,
             std::string_view secret, TimeMs now, const webhook::Timeouts& t) {
    const Request r = signed_request(kind, url, body, secret, now);
    Outcome out;
    std::string why;
    auto u = webhook::parse_url(r.url, &why);
    if (!u) {
        out.error = {"the URL " + why, codes::webhook_url_invalid, {{"reason", why}}};
        return out;
    }
    // Only the start of the answer is kept: enough for the error code, bounded whatever the
    // receiver sends.
    const auto a = webhook::post_json(*u, {{"User-Agent", "Orderly-Chat/1"}}, r.body, t, 4096);
    if (a.status == 0) {
        out.error = a.error;
        return out;
    }
    return read_answer(kind, a.status, a.head);
}

}  // namespace orderly::chat
