// The pure parts of notifications: retry backoff, email and webhook rendering.
#include <catch2/catch.hpp>

#include "core/json.h"
#include "domain/notification.h"

using namespace orderly;
using domain::BackoffPolicy;

TEST_CASE("backoff doubles from the base and is capped", "[notification][backoff]") {
    BackoffPolicy p;  // 1 s base, 30 s cap
    CHECK(p.delay_after(1) == 1000);
    CHECK(p.delay_after(2) == 2000);
    CHECK(p.delay_after(3) == 4000);
    CHECK(p.delay_after(5) == 16000);
    CHECK(p.delay_after(6) == 30000);  // 32 s capped
    CHECK(p.delay_after(7) == 30000);
    // An hour-long outage is ~120 failures at the cap; thousands never overflow.
    CHECK(p.delay_after(120) == 30000);
    CHECK(p.delay_after(100000) == 30000);
    CHECK(p.delay_after(0) == 1000);  // treated as the first failure
}

TEST_CASE("jitter only shortens a delay, by at most a fifth, never above the cap",
          "[notification][backoff]") {
    BackoffPolicy p;
    for (double j : {0.0, 0.25, 0.5, 0.999}) {
        for (int n : {1, 3, 6, 50}) {
            TimeMs d = p.delay_after(n, j);
            TimeMs plain = p.delay_after(n);
            CHECK(d <= plain);
            CHECK(d >= plain * 4 / 5);
            CHECK(d <= p.cap_ms);
        }
    }
    // Mail flows again within a minute of the mail server's return: the worst wait is the cap.
    CHECK(p.cap_ms < 60'000);
}

TEST_CASE("a small policy for tests behaves the same", "[notification][backoff]") {
    BackoffPolicy p{50, 200, 1000};
    CHECK(p.delay_after(1) == 50);
    CHECK(p.delay_after(3) == 200);
    CHECK(p.delay_after(30) == 200);
    CHECK_FALSE(p.gives_up(10'000, 10'999));
    CHECK(p.gives_up(10'000, 11'000));
}

TEST_CASE("giving up takes 24 hours by default", "[notification][backoff]") {
    BackoffPolicy p;
    const TimeMs hour = 3600 * 1000;
    CHECK_FALSE(p.gives_up(0, 23 * hour));
    CHECK(p.gives_up(0, 24 * hour));
}

namespace {
domain::TicketNotice scenario_b() {
    domain::TicketNotice n;
    n.event = "node.waiting";
    n.ticket_id = 42;
    n.ticket_sn = "CHG-20261121-0001";
    n.title = "环境变更申请";
    n.status = "in_progress";
    n.node_name = "变更审核";
    n.actor = "ops1";
    n.reason = "扩容 app01 集群";
    n.at = *parse_rfc3339("2026-11-21T05:40:39Z");
    n.url = domain::ticket_url("https://orderly.example.com/", 42);
    return n;
}
}  // namespace

TEST_CASE("ticket links have no doubled slash", "[notification][render]") {
    CHECK(domain::ticket_url("https://o.example.com/", 7) == "https://o.example.com/tickets/7");
    CHECK(domain::ticket_url("http://127.0.0.1:8080", 7) == "http://127.0.0.1:8080/tickets/7");
}

TEST_CASE("the pending-review email names the ticket, node, actor and link in Chinese",
          "[notification][render]") {
    auto n = scenario_b();
    auto m = domain::render_email(n);
    CHECK(m.subject == "[Orderly] 待处理: 变更审核 · CHG-20261121-0001 环境变更申请");
    for (const auto* want : {"CHG-20261121-0001", "环境变更申请", "变更审核", "ops1",
                             "扩容 app01 集群", "https://orderly.example.com/tickets/42",
                             "正在等待您处理", "处理中 (in_progress)", "打开工单"}) {
        INFO(want);
        CHECK(m.text.find(want) != std::string::npos);
        CHECK(m.html.find(want) != std::string::npos);
    }
    CHECK(m.text.find("is waiting for you") == std::string::npos);
    CHECK(m.html.find("<a href=\"https://orderly.example.com/tickets/42\">") != std::string::npos);
}

TEST_CASE("a recipient whose locale is en gets the email in English", "[notification][render]") {
    auto n = scenario_b();
    auto m = domain::render_email(n, "en");
    CHECK(m.subject == "[Orderly] Pending: 变更审核 · CHG-20261121-0001 环境变更申请");
    for (const auto* want : {"CHG-20261121-0001", "is waiting for you", "Open the ticket",
                             "Status: in_progress", "please do not reply"}) {
        INFO(want);
        CHECK(m.text.find(want) != std::string::npos);
    }
    for (const auto* unwanted : {"正在等待您处理", "打开工单", "处理中", "请勿直接回复"}) {
        INFO(unwanted);
        CHECK(m.text.find(unwanted) == std::string::npos);
        CHECK(m.html.find(unwanted) == std::string::npos);
    }
    CHECK(m.html.find("<html lang=\"en\">") != std::string::npos);
}

TEST_CASE("every event has its own subject", "[notification][render]") {
    auto n = scenario_b();
    n.event = "ticket.rejected";
    n.reason = "时间窗口冲突";
    auto m = domain::render_email(n);
    CHECK(m.subject == "[Orderly] 已驳回: CHG-20261121-0001 环境变更申请");
    CHECK(m.text.find("驳回原因: 时间窗口冲突") != std::string::npos);
    CHECK(domain::render_email(n, "en").text.find("Reason: 时间窗口冲突") != std::string::npos);
    n.event = "node.reminder";
    CHECK(domain::render_email(n).subject ==
          "[Orderly] 仍待处理: 变更审核 · CHG-20261121-0001 环境变更申请");
    CHECK(domain::render_email(n, "en").subject ==
          "[Orderly] Still pending: 变更审核 · CHG-20261121-0001 环境变更申请");
    for (auto e : domain::notification_events()) {
        n.event = std::string(e);
        CHECK(domain::render_email(n).subject.rfind("[Orderly] ", 0) == 0);
    }
    n.event = "ticket.approved";
    n.actor.clear();
    CHECK(domain::render_email(n).text.find("系统") != std::string::npos);
    CHECK(domain::render_email(n, "en").text.find("the system") != std::string::npos);
}

TEST_CASE("HTML bodies escape every value", "[notification][render]") {
    auto n = scenario_b();
    n.title = "<script>alert('x')</script> & co";
    n.url = "https://o.example.com/tickets/1?a=\"b\"";
    auto m = domain::render_email(n);
    CHECK(m.html.find("<script>") == std::string::npos);
    CHECK(m.html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co") !=
          std::string::npos);
    CHECK(m.html.find("href=\"https://o.example.com/tickets/1?a=&quot;b&quot;\"") !=
          std::string::npos);
    // The text part keeps the title as typed.
    CHECK(m.text.find("<script>alert('x')</script> & co") != std::string::npos);
}

TEST_CASE("the webhook body is valid JSON with the ticket summary", "[notification][render]") {
    auto n = scenario_b();
    n.reason = "line1\nline2 \"quoted\" \\ \x01";
    auto body = domain::render_webhook_body(n, "abc123");
    json::Document d;
    REQUIRE(json::parse_untrusted(body, d).ok());
    CHECK(d["event"].GetString() == std::string("node.waiting"));
    CHECK(d["delivery_id"].GetString() == std::string("abc123"));
    CHECK(d["ticket"]["id"].GetInt64() == 42);
    CHECK(d["ticket"]["sn"].GetString() == std::string("CHG-20261121-0001"));
    CHECK(d["ticket"]["title"].GetString() == std::string("环境变更申请"));
    CHECK(d["ticket"]["status"].GetString() == std::string("in_progress"));
    CHECK(d["ticket"]["url"].GetString() == std::string("https://orderly.example.com/tickets/42"));
    CHECK(d["node"].GetString() == std::string("变更审核"));
    CHECK(d["actor"].GetString() == std::string("ops1"));
    CHECK(d["reason"].GetString() == n.reason);
    CHECK(d["at"].GetString() == std::string("2026-11-21T05:40:39.000Z"));

    n.actor.clear();
    n.reason.clear();
    REQUIRE(json::parse_untrusted(domain::render_webhook_body(n, "x"), d).ok());
    CHECK(d["actor"].IsNull());
    CHECK(d["reason"].IsNull());
}

TEST_CASE("notification statuses round-trip", "[notification]") {
    for (auto s : {"pending", "sending", "sent", "failed", "skipped"})
        CHECK(domain::to_string(*domain::parse_notification_status(s)) == s);
    CHECK_FALSE(domain::parse_notification_status("lost"));
    CHECK(domain::is_notification_event("node.waiting"));
    CHECK_FALSE(domain::is_notification_event("node.whatever"));
}
