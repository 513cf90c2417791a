// Scenario B (seed 004) through the real ticket API with the real mail path: ops submits an
// environment change, and the ops lead "receives an email about a pending review with a link";
// a rejection reaches the submitter with the reason. Real SMTP listener on loopback.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "app/notifier.h"
#include "support/fake_ticket_ports.h"
#include "support/process.h"
#include "support/smtp_listener.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "wiring/orderly_app.h"

using namespace orderly;
using namespace orderly::test;
using namespace std::chrono_literals;

namespace {

std::string q(const std::string& s) {
    json::Writer w;
    w.str(s);
    return w.take();
}

struct MailServer {
    std::string dir = temp_dir();
    SmtpListener smtp;
    std::unique_ptr<OrderlyApp> app;
    explicit MailServer(const Clock* clock = nullptr) {
        smtp.start();
        AppOptions o;
        o.clock = clock;
        o.db_path = database_location(dir, "s.db");
        o.server.port = 0;
        o.server.access_log = false;
        o.secret_key_file = dir + "/secret.key";
        o.work_dir = dir + "/work";
        o.app.base_url = "https://orderly.example.com";
        o.smtp_url = smtp.url();
        o.smtp_from = "Orderly <orderly@example.com>";
        o.notify_poll_ms = 50;
        o.notify_backoff_base_ms = 50;
        o.notify_backoff_cap_ms = 200;
        app = std::make_unique<OrderlyApp>(o);
        app->ensure_admin(kAdminPassword);
        app->start();
    }
    ~MailServer() {
        app->stop(std::chrono::milliseconds(2000));
        app.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    Client login(const std::string& user, const std::string& pw) {
        Client c(app->port());
        auto r = c.post("/api/v1/auth/login",
                        R"({"username":)" + q(user) + R"(,"password":)" + q(pw) + "}");
        INFO(r.body);
        REQUIRE(r.status == 200);
        c.set_token(r.str("token"));
        return c;
    }
    Client admin() { return login("admin", kAdminPassword); }
    Client user(const std::string& name, const std::string& role, const std::string& email) {
        auto r = admin().post("/api/v1/users", R"({"username":)" + q(name) +
                                                   R"(,"password":"password-1234","email":)" +
                                                   q(email) + R"(,"roles":[)" + q(role) + "]}");
        INFO(r.body);
        REQUIRE(r.status == 201);
        return login(name, "password-1234");
    }
};

}  // namespace

TEST_CASE("scenario B over the ticket API: the lead's review email, the submitter's rejection",
          "[api][notifications][scenario]") {
    MailServer s;
    auto a = s.admin();
    REQUIRE(
        a.post("/api/v1/roles", R"({"key":"ops","name":"运维","permissions":["ticket.submit"]})")
            .status == 201);
    REQUIRE(
        a.post("/api/v1/roles", R"({"key":"opslead","name":"运维组长","permissions":[]})").status ==
        201);
    auto ops = s.user("ops1", "ops", "ops1@example.com");
    auto lead = s.user("lead1", "opslead", "ops-lead@example.com");

    auto wf = a.post(
        "/api/v1/workflows",
        R"({"name":"环境变更","type":"change",)"
        R"("notify":{"channels":["email"],"policy":"once","repeat_minutes":0},"nodes":[)"
        R"({"key":"submit","name":"变更申请","type":"submit","operators":{"roles":["ops"]},)"
        R"("fields":[{"key":"reason","label":"变更原因","type":"text","required":true}]},)"
        R"({"key":"review","name":"变更审核","type":"approval","operators":{"roles":["opslead"]},"rule":"any"},)"
        R"({"key":"end","name":"结束","type":"end"}]})");
    INFO(wf.body);
    REQUIRE(wf.status == 201);
    auto dep = a.post("/api/v1/workflows/" + std::to_string(wf.num("id")) + "/deploy", "");
    INFO(dep.body);
    REQUIRE(dep.status == 201);
    auto svc = a.post("/api/v1/services", R"({"name":"环境变更","workflow_version_id":)" +
                                              std::to_string(dep.num("version_id")) + "}");
    INFO(svc.body);
    REQUIRE(svc.status == 201);
    const std::string submit = R"({"service_id":)" + std::to_string(svc.num("id")) +
                               R"(,"title":"环境变更申请","fields":{"reason":"扩容 app01 集群"}})";

    // Ops submits: the lead receives the pending-review email with the link.
    auto t1 = ops.post("/api/v1/tickets", submit);
    INFO(t1.body);
    REQUIRE(t1.status == 201);
    const int64_t id = t1.num("id");
    const std::string sn = t1.str("sn");
    REQUIRE(s.smtp.wait_for(1, 15s));
    auto first = s.smtp.messages()[0];
    CHECK(first.rcpt_to == std::vector<std::string>{"ops-lead@example.com"});
    auto mail = parse_mail(first.data);
    CHECK(mail.subject == "[Orderly] 待处理: 变更审核 · " + sn + " 环境变更申请");
    const std::string link = "https://orderly.example.com/tickets/" + std::to_string(id);
    CHECK(mail.text.find(link) != std::string::npos);
    CHECK(mail.html.find("href=\"" + link + "\"") != std::string::npos);
    CHECK(mail.text.find("正在等待您处理：变更审核") != std::string::npos);

    // The lead rejects a second ticket with a reason: the submitter is told, with the reason.
    auto t2 = ops.post("/api/v1/tickets", submit);
    REQUIRE(t2.status == 201);
    REQUIRE(s.smtp.wait_for(2, 15s));
    auto rej = lead.post("/api/v1/tickets/" + std::to_string(t2.num("id")) + "/reject",
                         R"({"reason":"时间窗口与发布冲突"})");
    INFO(rej.body);
    REQUIRE(rej.status == 200);
    REQUIRE(s.smtp.wait_for(3, 15s));
    bool told = false;
    for (const auto& m : s.smtp.messages()) {
        auto p = parse_mail(m.data);
        if (m.rcpt_to.at(0) != "ops1@example.com") continue;
        if (p.subject.find("[Orderly] 已驳回: ") == std::string::npos) continue;
        told = true;
        CHECK(p.subject.find(t2.str("sn")) != std::string::npos);
        CHECK(p.text.find("时间窗口与发布冲突") != std::string::npos);
        CHECK(p.text.find("lead1") != std::string::npos);
    }
    CHECK(told);

    // The admin sees the deliveries of the first ticket.
    auto list = a.get("/api/v1/notifications?ticket_id=" + std::to_string(id));
    REQUIRE(list.status == 200);
    REQUIRE(list.json["items"].Size() >= 1);
}

TEST_CASE("a waiting node's reminder goes out by email once its repeat time has passed",
          "[api][notifications][reminders]") {
    // The server runs on a manual clock: half an hour passes without waiting for it.
    ManualClock clock(SystemClock().now_ms());
    MailServer s(&clock);
    auto a = s.admin();
    REQUIRE(
        a.post("/api/v1/roles", R"({"key":"ops","name":"运维","permissions":["ticket.submit"]})")
            .status == 201);
    auto ops = s.user("ops1", "ops", "ops1@example.com");
    s.user("lead1", "ops", "ops-lead@example.com");
    auto wf = a.post(
        "/api/v1/workflows",
        R"({"name":"变更","type":"change",)"
        R"("notify":{"channels":["email"],"policy":"repeat","repeat_minutes":30},"nodes":[)"
        R"({"key":"submit","name":"申请","type":"submit","operators":{"roles":["ops"]}},)"
        R"({"key":"review","name":"变更审核","type":"approval","operators":{"users":["lead1"]}},)"
        R"({"key":"end","name":"结束","type":"end"}]})");
    INFO(wf.body);
    REQUIRE(wf.status == 201);
    auto dep = a.post("/api/v1/workflows/" + std::to_string(wf.num("id")) + "/deploy", "");
    REQUIRE(dep.status == 201);
    auto svc = a.post("/api/v1/services", R"({"name":"变更","workflow_version_id":)" +
                                              std::to_string(dep.num("version_id")) + "}");
    REQUIRE(svc.status == 201);
    auto t = ops.post("/api/v1/tickets",
                      R"({"service_id":)" + std::to_string(svc.num("id")) + R"(,"title":"扩容"})");
    INFO(t.body);
    REQUIRE(t.status == 201);
    REQUIRE(s.smtp.wait_for(1, 15s));  // the pending-review email
    // Time jumps only once that email is recorded as sent: a jump past the lease of a row still
    // being sent would let another worker claim it again, as if its sender had died.
    REQUIRE(wait_until([&] {
        return s.app->db().read([](storage::Connection& c) {
            auto q = c.prepare("SELECT count(*) FROM notifications WHERE status = 'sent'");
            q.step();
            return q.int64(0) == 1;
        });
    }));

    clock.advance(31 * 60'000);
    s.app->notifier().wake();
    REQUIRE(s.smtp.wait_for(2, 15s));
    auto m = s.smtp.messages().at(1);
    CHECK(m.rcpt_to == std::vector<std::string>{"ops-lead@example.com"});
    auto mail = parse_mail(m.data);
    CHECK(mail.subject.find("仍待处理") != std::string::npos);
    CHECK(mail.subject.find(t.str("sn")) != std::string::npos);
}
