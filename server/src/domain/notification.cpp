#include "domain/notification.h"

#include <algorithm>
#include <cstdio>

namespace orderly::domain {

const std::vector<std::string_view>& notification_events() {
    static const std::vector<std::string_view> events = {
        "node.waiting",       "node.reminder",    "ticket.approved",
        "ticket.rejected",    "ticket.withdrawn", "ticket.transferred",
        "execution.finished", "ticket.missed",    "ticket.mentioned",
    };
    return events;
}

bool is_notification_event(std::string_view event) {
    const auto& all = notification_events();
    return std::find(all.begin(), all.end(), event) != all.end();
}

namespace {
bool username_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == '@' || ch == '-';
}
}  // namespace

std::vector<std::string> mentioned_names(std::string_view text) {
    std::vector<std::string> out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '@' || (i > 0 && username_char(text[i - 1]))) continue;
        size_t end = i + 1;
        while (end < text.size() && username_char(text[end])) ++end;
        std::string name(text.substr(i + 1, end - i - 1));
        while (!name.empty() && (name.back() == '.' || name.back() == '-')) name.pop_back();
        if (!name.empty() && name.size() <= 64 &&
            std::find(out.begin(), out.end(), name) == out.end())
            out.push_back(std::move(name));
        i = end - 1;
    }
    return out;
}

std::string ticket_url(std::string_view base_url, int64_t ticket_id) {
    std::string base(base_url);
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/tickets/" + std::to_string(ticket_id);
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 16);
    for (char ch : s) {
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(ch);
        }
    }
    return out;
}

std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (ch < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                    out += buf;
                } else {
                    out.push_back(static_cast<char>(ch));
                }
        }
    }
    out += "\"";
    return out;
}

namespace {

struct EventWords {
    std::string_view zh;
    std::string_view en;
    bool names_node;  // the subject names the node ("待处理 Pending: 变更审核 · ...")
};

EventWords words_of(std::string_view event) {
    if (event == "node.waiting") return {"待处理", "Pending", true};
    if (event == "node.reminder") return {"仍待处理", "Still pending", true};
    if (event == "ticket.approved") return {"已通过", "Approved", false};
    if (event == "ticket.rejected") return {"已驳回", "Rejected", false};
    if (event == "ticket.withdrawn") return {"已撤回", "Withdrawn", false};
    if (event == "ticket.transferred") return {"已转交", "Transferred", true};
    if (event == "execution.finished") return {"执行结束", "Execution finished", false};
    if (event == "ticket.missed") return {"错过变更窗口", "Window missed", false};
    if (event == "ticket.mentioned") return {"提到了您", "Mentioned", false};
    return {"通知", "Notice", false};
}

// One sentence in each language saying what happened, without the labelled details.
std::pair<std::string, std::string> headline(const TicketNotice& n) {
    const std::string t = n.ticket_sn + " 「" + n.title + "」";
    const std::string te = n.ticket_sn + " \"" + n.title + "\"";
    const std::string who_zh = n.actor.empty() ? "系统" : n.actor;
    const std::string who_en = n.actor.empty() ? "the system" : n.actor;
    if (n.event == "node.waiting")
        return {"工单 " + t + " 正在等待您处理：" + n.node_name + "。",
                "Ticket " + te + " is waiting for you at \"" + n.node_name + "\"."};
    if (n.event == "node.reminder")
        return {"提醒：工单 " + t + " 仍在等待您处理：" + n.node_name + "。",
                "Reminder: ticket " + te + " is still waiting for you at \"" + n.node_name + "\"."};
    if (n.event == "ticket.approved")
        return {"工单 " + t + " 已由 " + who_zh + " 审核通过。",
                "Ticket " + te + " was approved by " + who_en + "."};
    if (n.event == "ticket.rejected")
        return {"工单 " + t + " 已被 " + who_zh + " 驳回。",
                "Ticket " + te + " was rejected by " + who_en + "."};
    if (n.event == "ticket.withdrawn")
        return {"工单 " + t + " 已被 " + who_zh + " 撤回。",
                "Ticket " + te + " was withdrawn by " + who_en + "."};
    if (n.event == "ticket.transferred")
        return {"工单 " + t + " 的环节 " + n.node_name + " 已由 " + who_zh + " 转交给您。",
                "Ticket " + te + " (\"" + n.node_name + "\") was transferred to you by " + who_en +
                    "."};
    if (n.event == "execution.finished")
        return {"工单 " + t + " 的执行已结束。",
                "The execution of ticket " + te + " has finished."};
    if (n.event == "ticket.missed")
        return {"工单 " + t + " 的变更窗口已过，未能开始执行。",
                "The change window of ticket " + te + " passed without its task starting."};
    if (n.event == "ticket.mentioned")
        return {who_zh + " 在工单 " + t + " 的评论中提到了您。",
                who_en + " mentioned you in a comment on ticket " + te + "."};
    return {"工单 " + t + " 有新动态。", "Ticket " + te + " has news."};
}

std::string status_label(const std::string& status) {
    static const std::pair<std::string_view, std::string_view> labels[] = {
        {"in_progress", "处理中"}, {"approved", "已通过"},   {"executing", "执行中"},
        {"finished", "已完成"},    {"rejected", "已驳回"},   {"withdrawn", "已撤回"},
        {"failed", "执行失败"},    {"terminated", "已终止"}, {"scheduled", "已排期"},
        {"missed", "已错过窗口"},
    };
    for (const auto& [key, zh] : labels)
        if (status == key) return std::string(zh) + " (" + status + ")";
    return status;
}

struct Row {
    std::string_view zh, en;
    std::string value;
};

// "生产环境 (prod)", or the key alone when the name is unknown or the same.
std::string environment_label(const TicketNotice& n) {
    if (n.environment_name.empty() || n.environment_name == n.environment_key)
        return n.environment_key;
    return n.environment_name + " (" + n.environment_key + ")";
}

std::vector<Row> detail_rows(const TicketNotice& n, const ReaderZone& zone) {
    std::vector<Row> rows;
    rows.push_back({"工单", "Ticket", n.ticket_sn + " " + n.title});
    if (!n.environment_key.empty()) rows.push_back({"环境", "Environment", environment_label(n)});
    if (n.window_start && n.window_end)
        rows.push_back(
            {"变更窗口", "Change window", format_window(*n.window_start, *n.window_end, zone)});
    if (!n.node_name.empty()) rows.push_back({"环节", "Node", n.node_name});
    if (!n.status.empty()) rows.push_back({"状态", "Status", status_label(n.status)});
    if (!n.actor.empty()) rows.push_back({"操作人", "By", n.actor});
    if (!n.reason.empty()) {
        if (n.event == "ticket.rejected")
            rows.push_back({"驳回原因", "Reason", n.reason});
        else if (n.event == "execution.finished")
            rows.push_back({"执行结果", "Result", n.reason});
        else
            rows.push_back({"说明", "Comment", n.reason});
    }
    rows.push_back({"时间", "At", format_local(n.at, zone)});
    return rows;
}

constexpr std::string_view kFooterZh = "此邮件由 Orderly 工单系统自动发送，请勿直接回复。";
constexpr std::string_view kFooterEn =
    "This email was sent automatically by Orderly; please do not reply to it.";

}  // namespace

NoticeText notice_text(const TicketNotice& n, std::string_view locale, const ReaderZone& zone) {
    const bool en = locale == "en";
    const EventWords w = words_of(n.event);
    NoticeText out;
    out.subject = std::string(en ? w.en : w.zh) + ": ";
    if (w.names_node && !n.node_name.empty()) out.subject += n.node_name + " · ";
    out.subject += n.ticket_sn + " " + n.title;
    auto [zh, en_line] = headline(n);
    out.headline = en ? std::move(en_line) : std::move(zh);
    for (const auto& r : detail_rows(n, zone))
        // The status row reads "已驳回 (rejected)" in Chinese, the status key in English.
        out.details.emplace_back(std::string(en ? r.en : r.zh),
                                 en && r.en == "Status" ? n.status : r.value);
    out.open_label = en ? "Open the ticket" : "打开工单";
    return out;
}

RenderedEmail render_email(const TicketNotice& n, std::string_view locale, const ReaderZone& zone) {
    const bool en = locale == "en";
    const NoticeText nt = notice_text(n, locale, zone);
    RenderedEmail out;
    out.subject = "[Orderly] " + nt.subject;
    const std::string& line = nt.headline;
    const std::string& open = nt.open_label;
    const std::string decide = en ? "Approve or reject in one click (the link works once, for you)"
                                  : "一键审批（链接仅限您本人使用一次）";
    const std::string_view footer = en ? kFooterEn : kFooterZh;

    std::string& t = out.text;
    t += line + "\n\n";
    for (const auto& [label, value] : nt.details) t += label + ": " + value + "\n";
    if (!n.action_url.empty()) t += "\n" + decide + ":\n" + n.action_url + "\n";
    t += "\n" + open + ":\n" + n.url + "\n\n-- \n" + std::string(footer) + "\n";

    std::string& h = out.html;
    h += "<!DOCTYPE html>\n<html lang=\"" + std::string(en ? "en" : "zh-CN") +
         "\"><head><meta charset=\"utf-8\"><title>";
    h += html_escape(out.subject);
    h += "</title></head>\n<body style=\"font-family:sans-serif;color:#222\">\n";
    h += "<p>" + html_escape(line) + "</p>\n";
    h += "<table cellpadding=\"4\" style=\"border-collapse:collapse\">\n";
    for (const auto& [label, value] : nt.details)
        h += "<tr><th align=\"left\">" + html_escape(label) + "</th><td>" + html_escape(value) +
             "</td></tr>\n";
    h += "</table>\n";
    if (!n.action_url.empty())
        h += "<p><a href=\"" + html_escape(n.action_url) + "\"><strong>" + html_escape(decide) +
             "</strong></a></p>\n";
    h += "<p><a href=\"" + html_escape(n.url) + "\">" + html_escape(open) + "</a><br>" +
         html_escape(n.url) + "</p>\n";
    h += "<p style=\"color:#888;font-size:smaller\">" + html_escape(footer) +
         "</p>\n</body></html>\n";
    return out;
}

RenderedEmail render_test_email(std::string_view base_url, TimeMs at) {
    RenderedEmail out;
    out.subject = "[Orderly] 测试邮件 Test email";
    const std::string when = format_rfc3339(at);
    out.text =
        "这是一封来自 Orderly 的测试邮件：邮件通知工作正常。\n"
        "This is a test email from Orderly: email notifications work.\n\n"
        "服务器 Server: " +
        std::string(base_url) + "\n时间 At: " + when + "\n\n-- \n" + std::string(kFooterZh) + "\n" +
        std::string(kFooterEn) + "\n";
    out.html = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" +
               html_escape(out.subject) +
               "</title></head>\n<body style=\"font-family:sans-serif;color:#222\">\n"
               "<p>这是一封来自 Orderly 的测试邮件：邮件通知工作正常。<br>"
               "This is a test email from Orderly: email notifications work.</p>\n"
               "<p>服务器 Server: <a href=\"" +
               html_escape(base_url) + "\">" + html_escape(base_url) +
               "</a><br>时间 At: " + html_escape(when) + "</p>\n</body></html>\n";
    return out;
}

std::string render_webhook_body(const TicketNotice& n, std::string_view delivery_id) {
    auto opt = [](const std::string& s) { return s.empty() ? std::string("null") : json_quote(s); };
    std::string b = "{";
    b += "\"event\":" + json_quote(n.event);
    b += ",\"delivery_id\":" + json_quote(delivery_id);
    b += ",\"ticket\":{\"id\":" + std::to_string(n.ticket_id);
    b += ",\"sn\":" + json_quote(n.ticket_sn);
    b += ",\"title\":" + json_quote(n.title);
    b += ",\"status\":" + json_quote(n.status);
    b += ",\"url\":" + json_quote(n.url);
    b += ",\"environment\":";
    b += n.environment_key.empty() ? std::string("null")
                                   : "{\"key\":" + json_quote(n.environment_key) +
                                         ",\"name\":" + opt(n.environment_name) + "}";
    b += ",\"window\":";
    b += n.window_start && n.window_end
             ? "{\"start\":" + json_quote(format_rfc3339(*n.window_start)) +
                   ",\"end\":" + json_quote(format_rfc3339(*n.window_end)) + "}"
             : std::string("null");
    b += "}";
    b += ",\"node\":" + opt(n.node_name);
    b += ",\"actor\":" + opt(n.actor);
    b += ",\"reason\":" + opt(n.reason);
    b += ",\"at\":" + json_quote(format_rfc3339(n.at));
    b += "}";
    return b;
}

TimeMs BackoffPolicy::delay_after(int failures, double jitter01) const {
    const int n = std::max(failures, 1);
    TimeMs d = base_ms;
    // Doubling stops at the cap (and long before an overflow).
    for (int i = 1; i < n && d < cap_ms; ++i) d *= 2;
    d = std::min(d, cap_ms);
    const double j = std::clamp(jitter01, 0.0, 1.0);
    d -= static_cast<TimeMs>(static_cast<double>(d) * 0.2 * j);
    return std::max<TimeMs>(d, 1);
}

std::string_view to_string(NotificationStatus s) {
    switch (s) {
        case NotificationStatus::pending:
            return "pending";
        case NotificationStatus::sending:
            return "sending";
        case NotificationStatus::sent:
            return "sent";
        case NotificationStatus::failed:
            return "failed";
        case NotificationStatus::skipped:
            return "skipped";
    }
    return "pending";
}

std::optional<NotificationStatus> parse_notification_status(std::string_view s) {
    for (auto st :
         {NotificationStatus::pending, NotificationStatus::sending, NotificationStatus::sent,
          NotificationStatus::failed, NotificationStatus::skipped})
        if (to_string(st) == s) return st;
    return std::nullopt;
}

}  // namespace orderly::domain
