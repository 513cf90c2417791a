#include "domain/chat.h"

#include <algorithm>

namespace orderly::domain {

const std::array<std::string_view, 4>& chat_kinds() {
    static constexpr std::array<std::string_view, 4> kinds = {"wecom", "dingtalk", "feishu",
                                                              "slack"};
    return kinds;
}

std::string_view to_string(ChatKind k) {
    return chat_kinds()[static_cast<size_t>(k)];
}

std::optional<ChatKind> parse_chat_kind(std::string_view s) {
    const auto& all = chat_kinds();
    auto it = std::find(all.begin(), all.end(), s);
    if (it == all.end()) return std::nullopt;
    return static_cast<ChatKind>(it - all.begin());
}

std::optional<int64_t> chat_channel_ref(std::string_view channel) {
    constexpr std::string_view prefix = "chat:";
    if (channel.substr(0, prefix.size()) != prefix) return std::nullopt;
    std::string_view digits = channel.substr(prefix.size());
    if (digits.empty() || digits.size() > 15 || digits.front() == '0') return std::nullopt;
    int64_t id = 0;
    for (char ch : digits) {
        if (ch < '0' || ch > '9') return std::nullopt;
        id = id * 10 + (ch - '0');
    }
    return id;
}

bool is_notify_channel(std::string_view channel) {
    return channel == "email" || channel == "webhook" || chat_channel_ref(channel).has_value();
}

namespace {

// A message as lines of Markdown, before each platform wraps it.
struct Message {
    std::string title;
    std::string headline;
    std::vector<std::pair<std::string, std::string>> details;
    std::string link_label, url;
    std::vector<std::pair<std::string, std::string>> actions;  // (label, url), after the link
};

// The actions as Markdown links, each on a line of its own.
std::string actions_markdown(const Message& m) {
    std::string s;
    for (const auto& [label, url] : m.actions) s += "\n[" + label + "](" + url + ")";
    return s;
}

bool is_mobile(std::string_view id) {
    if (id.empty()) return false;
    for (size_t i = 0; i < id.size(); ++i)
        if (!(id[i] >= '0' && id[i] <= '9') && !(i == 0 && id[i] == '+')) return false;
    return true;
}

std::string details_markdown(const Message& m) {
    std::string s;
    for (const auto& [label, value] : m.details) s += "- " + label + ": " + value + "\n";
    return s;
}

std::string json_strings(const std::vector<std::string>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + json_quote(v[i]);
    return s + "]";
}

std::string wecom(const Message& m, const std::vector<std::string>& mentions) {
    std::string c = "**" + m.title + "**\n" + m.headline + "\n" + details_markdown(m);
    c += "[" + m.link_label + "](" + m.url + ")" + actions_markdown(m);
    for (const auto& id : mentions) c += " <@" + id + ">";
    return "{\"msgtype\":\"markdown\",\"markdown\":{\"content\":" + json_quote(c) + "}}";
}

std::string dingtalk(const Message& m, const std::vector<std::string>& mentions) {
    std::vector<std::string> mobiles, user_ids;
    std::string t = "#### " + m.title + "\n\n" + m.headline + "\n\n" + details_markdown(m);
    t += "\n[" + m.link_label + "](" + m.url + ")" + actions_markdown(m);
    if (!mentions.empty()) t += "\n\n";
    for (const auto& id : mentions) {
        // DingTalk shows a mention only when the text names it too.
        t += "@" + id + " ";
        (is_mobile(id) ? mobiles : user_ids).push_back(id);
    }
    return "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":" + json_quote(m.title) +
           ",\"text\":" + json_quote(t) + "},\"at\":{\"atMobiles\":" + json_strings(mobiles) +
           ",\"atUserIds\":" + json_strings(user_ids) + ",\"isAtAll\":false}}";
}

std::string feishu(const Message& m, const std::vector<std::string>& mentions) {
    std::string md = m.headline + "\n" + details_markdown(m);
    md += "[" + m.link_label + "](" + m.url + ")" + actions_markdown(m);
    for (const auto& id : mentions) md += " <at id=" + id + "></at>";
    return "{\"msg_type\":\"interactive\",\"card\":{\"config\":{\"wide_screen_mode\":true},"
           "\"header\":{\"title\":{\"tag\":\"plain_text\",\"content\":" +
           json_quote(m.title) +
           "},\"template\":\"blue\"},\"elements\":[{\"tag\":\"markdown\",\"content\":" +
           json_quote(md) + "}]}}";
}

std::string slack(const Message& m, const std::vector<std::string>& mentions) {
    std::string md = "*" + m.title + "*\n" + m.headline + "\n";
    for (const auto& [label, value] : m.details) md += "• " + label + ": " + value + "\n";
    md += "<" + m.url + "|" + m.link_label + ">";
    for (const auto& [label, url] : m.actions) md += "\n<" + url + "|" + label + ">";
    for (const auto& id : mentions) md += " <@" + id + ">";
    return "{\"text\":" + json_quote(m.title + " " + m.url) +
           ",\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":" +
           json_quote(md) + "}}]}";
}

std::string wrap(ChatKind kind, const Message& m, const std::vector<std::string>& mentions) {
    switch (kind) {
        case ChatKind::wecom:
            return wecom(m, mentions);
        case ChatKind::dingtalk:
            return dingtalk(m, mentions);
        case ChatKind::feishu:
            return feishu(m, mentions);
        case ChatKind::slack:
            return slack(m, mentions);
    }
    return wecom(m, mentions);
}

}  // namespace

std::string render_chat_body(ChatKind kind, const TicketNotice& n, std::string_view locale,
                             const std::vector<std::string>& mentions, const ReaderZone& zone,
                             const std::vector<ChatAction>& decide) {
    NoticeText nt = notice_text(n, locale, zone);
    Message m{"[Orderly] " + nt.subject,
              std::move(nt.headline),
              std::move(nt.details),
              std::move(nt.open_label),
              n.url,
              {}};
    const bool zh = locale != "en";
    for (const auto& a : decide)
        m.actions.emplace_back(zh ? "以 " + a.username + " 身份审批" : "Decide as " + a.username,
                               a.url);
    return wrap(kind, m, mentions);
}

std::string render_chat_test_body(ChatKind kind, std::string_view channel_name,
                                  std::string_view base_url, TimeMs at) {
    Message m;
    m.title = "[Orderly] 测试消息 Test message";
    m.headline =
        "这是一条来自 Orderly 的测试消息：聊天通知工作正常。\n"
        "This is a test message from Orderly: chat notifications work.";
    m.details = {{"频道 Channel", std::string(channel_name)}, {"时间 At", format_rfc3339(at)}};
    m.link_label = "Orderly";
    m.url = std::string(base_url);
    return wrap(kind, m, {});
}

}  // namespace orderly::domain
