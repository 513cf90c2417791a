// What every message about a ticket says besides the event: the ticket's environment and
// change window, and its times in the reader's time zone with the zone's UTC offset.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include "domain/chat.h"
#include "domain/notification.h"
#include "integrations/calendar.h"

using namespace orderly;

namespace {

TimeMs at(const char* rfc3339) {
    return *parse_rfc3339(rfc3339);
}

domain::ReaderZone zone(const char* name) {
    return {name, [](std::string_view z, TimeMs t) { return calendar::utc_offset_s(z, t); }};
}

domain::TicketNotice notice() {
    domain::TicketNotice n;
    n.event = "node.waiting";
    n.ticket_id = 42;
    n.ticket_sn = "CHG-20261206-0001";
    n.title = "扩容 app01";
    n.status = "in_progress";
    n.node_name = "变更审核";
    n.actor = "ops1";
    n.at = at("2026-12-06T09:30:00Z");
    n.url = "https://orderly.example.com/tickets/42";
    n.environment_key = "prod";
    n.environment_name = "生产环境";
    n.window_start = at("2026-12-06T18:00:00Z");
    n.window_end = at("2026-12-06T20:00:00Z");
    return n;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the system's zone rules: offsets with daylight saving time, unknown zones",
          "[notification][zone]") {
    CHECK(calendar::utc_offset_s("Asia/Shanghai", at("2026-12-06T18:00:00Z")) == 8 * 3600);
    CHECK(calendar::utc_offset_s("UTC", at("2026-12-06T18:00:00Z")) == 0);
    CHECK(calendar::utc_offset_s("America/New_York", at("2026-12-06T18:00:00Z")) == -5 * 3600);
    // Berlin changes to summer time at 01:00 UTC on 2026-03-29.
    CHECK(calendar::utc_offset_s("Europe/Berlin", at("2026-03-29T00:59:59Z")) == 3600);
    CHECK(calendar::utc_offset_s("Europe/Berlin", at("2026-03-29T01:00:00Z")) == 7200);
    CHECK(calendar::utc_offset_s("Europe/Berlin", at("2026-10-25T00:59:59Z")) == 7200);
    CHECK(calendar::utc_offset_s("Europe/Berlin", at("2026-10-25T01:00:00Z")) == 3600);
    CHECK_FALSE(calendar::utc_offset_s("Mars/Olympus_Mons", 0).has_value());
    CHECK_FALSE(calendar::utc_offset_s("", 0).has_value());
    CHECK(calendar::known_timezone("Asia/Shanghai"));
    CHECK(calendar::known_timezone("UTC"));
    CHECK_FALSE(calendar::known_timezone("Asia/Atlantis"));
}

TEST_CASE("times and windows are written in the reader's zone with its offset",
          "[notification][zone]") {
    const auto shanghai = zone("Asia/Shanghai");
    CHECK(domain::format_local(at("2026-12-06T18:00:00Z"), shanghai) ==
          "2026-12-07 02:00 (Asia/Shanghai, UTC+08:00)");
    CHECK(domain::format_window(at("2026-12-06T18:00:00Z"), at("2026-12-06T20:00:00Z"), shanghai) ==
          "2026-12-07 02:00–04:00 (Asia/Shanghai, UTC+08:00)");
    // Ending on another day: both dates.
    CHECK(domain::format_window(at("2026-12-06T14:00:00Z"), at("2026-12-06T18:30:00Z"), shanghai) ==
          "2026-12-06 22:00 – 2026-12-07 02:30 (Asia/Shanghai, UTC+08:00)");
    // West of UTC, and a reader without zone rules (UTC).
    CHECK(domain::format_local(at("2026-12-06T18:00:00Z"), zone("America/New_York")) ==
          "2026-12-06 13:00 (America/New_York, UTC-05:00)");
    CHECK(domain::format_local(at("2026-12-06T18:00:00Z"), {}) ==
          "2026-12-06 18:00 (UTC, UTC+00:00)");
    // A window across Berlin's change to summer time: each end with its own offset.
    const auto berlin = zone("Europe/Berlin");
    CHECK(domain::format_window(at("2026-03-29T00:00:00Z"), at("2026-03-29T02:00:00Z"), berlin) ==
          "2026-03-29 01:00 (UTC+01:00) – 2026-03-29 04:00 (UTC+02:00) (Europe/Berlin)");
    CHECK(domain::format_local(at("2026-07-01T12:00:00Z"), berlin) ==
          "2026-07-01 14:00 (Europe/Berlin, UTC+02:00)");
    // Half-hour zones keep their minutes.
    CHECK(domain::format_local(at("2026-12-06T18:00:00Z"), zone("Asia/Kolkata")) ==
          "2026-12-06 23:30 (Asia/Kolkata, UTC+05:30)");
}

TEST_CASE("the server's zone stands in for readers without one", "[notification][zone]") {
    domain::NoticeSettings s;
    s.timezone = "Asia/Shanghai";
    s.offsets = [](std::string_view z, TimeMs t) { return calendar::utc_offset_s(z, t); };
    CHECK(s.zone_for(std::nullopt).name == "Asia/Shanghai");
    CHECK(s.zone_for(std::string()).name == "Asia/Shanghai");
    CHECK(s.zone_for(std::string("Europe/Berlin")).name == "Europe/Berlin");
    CHECK(s.zone_for(std::nullopt).offset_at(at("2026-12-06T18:00:00Z")) == 8 * 3600);
}

TEST_CASE("emails name the environment and the change window in both languages",
          "[notification][render]") {
    const auto n = notice();
    const auto zh = domain::render_email(n, "zh-CN", zone("Asia/Shanghai"));
    for (const std::string want :
         {"环境: 生产环境 (prod)", "变更窗口: 2026-12-07 02:00–04:00 (Asia/Shanghai, UTC+08:00)",
          "时间: 2026-12-06 17:30 (Asia/Shanghai, UTC+08:00)"}) {
        INFO(want);
        CHECK(has(zh.text, want));
    }
    CHECK(has(zh.html, "<th align=\"left\">环境</th><td>生产环境 (prod)</td>"));
    CHECK(has(zh.html,
              "<th align=\"left\">变更窗口</th><td>2026-12-07 02:00–04:00 "
              "(Asia/Shanghai, UTC+08:00)</td>"));
    const auto en = domain::render_email(n, "en", zone("Europe/Berlin"));
    for (const std::string want :
         {"Environment: 生产环境 (prod)",
          "Change window: 2026-12-06 19:00–21:00 (Europe/Berlin, UTC+01:00)",
          "At: 2026-12-06 10:30 (Europe/Berlin, UTC+01:00)"}) {
        INFO(want);
        CHECK(has(en.text, want));
    }
    CHECK(has(en.html, "<th align=\"left\">Change window</th>"));
}

TEST_CASE("a notice without environment or window leaves those lines out",
          "[notification][render]") {
    auto n = notice();
    n.environment_key.clear();
    n.environment_name.clear();
    n.window_start.reset();
    n.window_end.reset();
    const auto m = domain::render_email(n, "zh-CN");
    CHECK_FALSE(has(m.text, "环境"));
    CHECK_FALSE(has(m.text, "变更窗口"));
    CHECK(has(m.text, "时间: 2026-12-06 09:30 (UTC, UTC+00:00)"));
    // An environment the catalog does not name shows its key.
    n.environment_key = "staging";
    CHECK(has(domain::render_email(n, "en").text, "Environment: staging\n"));
}

TEST_CASE("every chat platform's message shows the environment and the window",
          "[notification][chat]") {
    const auto n = notice();
    for (auto kind : {domain::ChatKind::wecom, domain::ChatKind::dingtalk, domain::ChatKind::feishu,
                      domain::ChatKind::slack}) {
        INFO(domain::to_string(kind));
        const std::string body =
            domain::render_chat_body(kind, n, "zh-CN", {}, zone("Asia/Shanghai"));
        rapidjson::Document doc;
        doc.Parse(body.c_str(), body.size());
        REQUIRE_FALSE(doc.HasParseError());
        CHECK(has(body, "环境: 生产环境 (prod)"));
        CHECK(has(body, "变更窗口: 2026-12-07 02:00–04:00 (Asia/Shanghai, UTC+08:00)"));
        const std::string en = domain::render_chat_body(kind, n, "en", {}, zone("UTC"));
        CHECK(has(en, "Environment: 生产环境 (prod)"));
        CHECK(has(en, "Change window: 2026-12-06 18:00–20:00 (UTC, UTC+00:00)"));
    }
}

TEST_CASE("the webhook body carries the environment and the window, null without them",
          "[notification][webhook]") {
    auto n = notice();
    rapidjson::Document doc;
    const std::string body = domain::render_webhook_body(n, "d1");
    doc.Parse(body.c_str(), body.size());
    REQUIRE_FALSE(doc.HasParseError());
    const auto& t = doc["ticket"];
    CHECK(std::string(t["environment"]["key"].GetString()) == "prod");
    CHECK(std::string(t["environment"]["name"].GetString()) == "生产环境");
    CHECK(std::string(t["window"]["start"].GetString()) == "2026-12-06T18:00:00.000Z");
    CHECK(std::string(t["window"]["end"].GetString()) == "2026-12-06T20:00:00.000Z");
    n.environment_name.clear();
    n.window_start.reset();
    n.window_end.reset();
    const std::string older = domain::render_webhook_body(n, "d2");
    rapidjson::Document doc2;
    doc2.Parse(older.c_str(), older.size());
    REQUIRE_FALSE(doc2.HasParseError());
    CHECK(doc2["ticket"]["environment"]["name"].IsNull());
    CHECK(doc2["ticket"]["window"].IsNull());
    CHECK(std::string(doc2["ticket"]["sn"].GetString()) == "CHG-20261206-0001");
}

TEST_CASE("a comment's @mentions", "[notification][mention]") {
    using V = std::vector<std::string>;
    CHECK(domain::mentioned_names("@lead please check") == V{"lead"});
    CHECK(domain::mentioned_names("请 @lead 和@ops1看看，@lead。") == V{"lead", "ops1"});
    CHECK(domain::mentioned_names("cc @li.wei. and @a-b-") == V{"li.wei", "a-b"});
    // An address is not a mention; a lone @ names nobody.
    CHECK(domain::mentioned_names("mail bob@example.com or @ now").empty());
    CHECK(domain::mentioned_names("").empty());
    CHECK(domain::mentioned_names("(@zhang)") == V{"zhang"});
}

TEST_CASE("mentions have their own subject and sentence", "[notification][mention]") {
    auto n = notice();
    n.event = "ticket.mentioned";
    n.reason = "@lead please check";
    const auto zh = domain::render_email(n, "zh-CN");
    CHECK(zh.subject == "[Orderly] 提到了您: CHG-20261206-0001 扩容 app01");
    CHECK(has(zh.text, "ops1 在工单 CHG-20261206-0001 「扩容 app01」 的评论中提到了您。"));
    CHECK(has(zh.text, "说明: @lead please check"));
    const auto en = domain::render_email(n, "en");
    CHECK(en.subject == "[Orderly] Mentioned: CHG-20261206-0001 扩容 app01");
    CHECK(has(en.text, "ops1 mentioned you in a comment on ticket CHG-20261206-0001"));
    CHECK(domain::is_notification_event("ticket.mentioned"));
}
