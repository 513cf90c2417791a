// Chat channels end to end on loopback: an Orderly server of this test case's own and a robot
// per platform (tests/support/chat_receiver.h) that checks signatures the platform's way and
// answers success, error codes and rate limits as the platform does.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/notifier.h"
#include "storage/notification_store.h"
#include "support/chat_receiver.h"
#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"

using namespace orderly;
using namespace orderly::test;
using namespace std::chrono_literals;

namespace {

struct ChatServer {
    std::string dir = temp_dir();
    std::unique_ptr<OrderlyApp> app;

    ChatServer() {
        AppOptions o;
        o.db_path = database_location(dir, "chat.db");
        o.server.port = 0;
        o.server.access_log = false;
        o.secret_key_file = dir + "/secret.key";
        o.work_dir = dir + "/work";
        o.app.base_url = "https://orderly.example.com";
        o.notify_poll_ms = 50;
        o.notify_backoff_base_ms = 50;
        o.notify_backoff_cap_ms = 200;
        o.notify_chat_rate_limit_wait_ms = 100;
        app = std::make_unique<OrderlyApp>(o);
        app->ensure_admin(kAdminPassword);
        app->start();
    }
    ~ChatServer() {
        app->stop(std::chrono::milliseconds(2000));
        app.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    Client admin() { return login_at(app->port(), "admin", kAdminPassword); }

    // Every notifier worker has looked for due rows again and found none.
    bool settled() {
        Notifier& n = app->notifier();
        const uint64_t before = n.idle_passes();
        n.wake();
        return wait_until([&] {
            return n.idle_passes() >= before + static_cast<uint64_t>(n.options().workers) + 1;
        });
    }

    int64_t channel(const std::string& name, const std::string& kind, const std::string& url,
                    const std::string& secret, const std::string& language = "") {
        std::string body =
            R"({"name":")" + name + R"(","kind":")" + kind + R"(","url":")" + url + "\"";
        if (!secret.empty()) body += R"(,"secret":")" + secret + "\"";
        if (!language.empty()) body += R"(,"language":")" + language + "\"";
        auto r = admin().post("/api/v1/chat-channels", body + "}");
        REQUIRE(r.status == 201);
        return r.num("id");
    }

    Reply delivery(int64_t id) {
        return admin().get("/api/v1/notifications/" + std::to_string(id));
    }
    // Waits until the delivery's status is `status`; the last reply either way.
    Reply wait_status(int64_t id, const std::string& status, std::chrono::milliseconds t = 10s) {
        Reply last;
        wait_until(
            [&] {
                last = delivery(id);
                return last.str("status") == status;
            },
            t);
        return last;
    }

    void enqueue(const storage::TicketEvent& ev) {
        app->db().write([&](storage::Connection& c) {
            storage::enqueue_ticket_event(c, "https://orderly.example.com", ev,
                                          SystemClock().now_ms());
        });
        app->notifier().wake();
    }
};

storage::TicketEvent waiting_event(std::vector<int64_t> recipients,
                                   std::vector<std::string> channels) {
    storage::TicketEvent ev;
    ev.event = "node.waiting";
    ev.ticket_id = 42;
    ev.ticket_sn = "CHG-20261206-0001";
    ev.title = "环境变更申请";
    ev.status = "in_progress";
    ev.node_name = "变更审核";
    ev.actor = "ops1";
    ev.recipients = std::move(recipients);
    ev.channels = std::move(channels);
    return ev;
}

}  // namespace

TEST_CASE("chat channels: create, read, replace, delete, the secret never returned",
          "[chat][api]") {
    ChatServer s;
    auto admin = s.admin();
    auto r = admin.post("/api/v1/chat-channels",
                        R"({"name":"运维群","kind":"dingtalk",)"
                        R"("url":"https://oapi.dingtalk.com/robot/send?access_token=abc",)"
                        R"("secret":"SECtop-secret"})");
    REQUIRE(r.status == 201);
    const auto id = std::to_string(r.num("id"));
    CHECK(r.str("name") == "运维群");
    CHECK(r.str("kind") == "dingtalk");
    CHECK(r.json["has_secret"].GetBool());
    CHECK(r.body.find("SECtop-secret") == std::string::npos);
    CHECK_FALSE(r.json.HasMember("secret"));

    auto got = admin.get("/api/v1/chat-channels/" + id);
    REQUIRE(got.status == 200);
    CHECK(got.header("ETag") == "\"1\"");
    CHECK(admin.get("/api/v1/chat-channels").json["items"].Size() == 1);

    // Not http(s): 422; an unknown kind: 400 (the spec's enum); a taken name: 409.
    auto bad = admin.post("/api/v1/chat-channels",
                          R"({"name":"x","kind":"wecom","url":"ftp://example.com/hook"})");
    CHECK(bad.status == 422);
    CHECK(bad.body.find("webhook.url_invalid") != std::string::npos);
    CHECK(admin
              .post("/api/v1/chat-channels",
                    R"({"name":"x","kind":"teams","url":"https://example.com/hook"})")
              .status == 400);
    CHECK(admin
              .post("/api/v1/chat-channels",
                    R"({"name":"运维群","kind":"wecom","url":"https://example.com/hook"})")
              .status == 409);

    // Replacing without a secret keeps it; "" removes it; a stale If-Match is 409.
    auto put = admin.put("/api/v1/chat-channels/" + id,
                         R"({"name":"运维群","kind":"feishu","url":"https://open.feishu.cn/h/1"})",
                         {{"If-Match", "\"1\""}});
    REQUIRE(put.status == 200);
    CHECK(put.str("kind") == "feishu");
    CHECK(put.json["has_secret"].GetBool());
    CHECK(admin
              .put("/api/v1/chat-channels/" + id,
                   R"({"name":"运维群","kind":"feishu","url":"https://open.feishu.cn/h/1"})",
                   {{"If-Match", "\"1\""}})
              .status == 409);
    auto cleared = admin.put(
        "/api/v1/chat-channels/" + id,
        R"({"name":"运维群","kind":"feishu","url":"https://open.feishu.cn/h/1","secret":""})");
    REQUIRE(cleared.status == 200);
    CHECK_FALSE(cleared.json["has_secret"].GetBool());

    // Audited, without the secret.
    auto audit = admin.get("/api/v1/audit-events?action=chat_channel.create");
    REQUIRE(audit.status == 200);
    CHECK(audit.body.find("chat_channel.create") != std::string::npos);
    CHECK(audit.body.find("SECtop-secret") == std::string::npos);

    CHECK(admin.del("/api/v1/chat-channels/" + id).status == 204);
    CHECK(admin.get("/api/v1/chat-channels/" + id).status == 404);
}

TEST_CASE("a test message reaches each platform, signed the platform's way", "[chat][api]") {
    ChatServer s;
    for (std::string kind : {"wecom", "dingtalk", "feishu", "slack"}) {
        INFO(kind);
        const std::string secret =
            kind == "dingtalk" || kind == "feishu" ? "SEC-" + kind + "-密钥" : "";
        ChatReceiver robot(kind, secret);
        robot.start();
        const int64_t id = s.channel("group-" + kind, kind, robot.url(), secret);
        auto r = s.admin().post("/api/v1/chat-channels/" + std::to_string(id) + "/test", "");
        REQUIRE(r.status == 202);
        CHECK(r.str("channel") == "chat");
        CHECK_FALSE(r.str("delivery_id").empty());
        auto done = s.wait_status(r.num("id"), "sent");
        CHECK(done.str("status") == "sent");
        REQUIRE(robot.accepted() == 1);
        const auto m = robot.messages().front();
        CHECK(m.signature_ok);
        if (!secret.empty()) CHECK_FALSE(m.sign.empty());
        CHECK(m.body.find("测试消息") != std::string::npos);
    }
}

TEST_CASE("a rejected signature is a failed attempt with the platform's reason", "[chat][api]") {
    ChatServer s;
    ChatReceiver robot("dingtalk", "SEC-the-robots-secret");
    robot.start();
    const int64_t id = s.channel("钉钉群", "dingtalk", robot.url(), "SEC-a-wrong-secret");
    auto r = s.admin().post("/api/v1/chat-channels/" + std::to_string(id) + "/test", "");
    REQUIRE(r.status == 202);
    const int64_t nid = r.num("id");
    Reply last;
    REQUIRE(wait_until(
        [&] {
            last = s.delivery(nid);
            return last.json.HasMember("attempts") && last.num("attempts") >= 2;
        },
        10s));
    CHECK(last.str("status") != "sent");
    CHECK(last.str("last_error_code") == "notification.chat_refused");
    CHECK(last.str("last_error").find("310000") != std::string::npos);
    CHECK(last.str("last_error").find("sign not match") != std::string::npos);
    CHECK(robot.accepted() == 0);
    // The failures are listed for the admin.
    auto list = s.admin().get("/api/v1/notifications?channel=chat");
    REQUIRE(list.status == 200);
    CHECK(list.body.find("notification.chat_refused") != std::string::npos);
}

TEST_CASE("errors in a 200 and rate limits are retried, the message arrives once", "[chat][api]") {
    ChatServer s;
    for (std::string kind : {"dingtalk", "feishu", "wecom", "slack"}) {
        INFO(kind);
        ChatReceiver robot(kind, "");
        robot.start();
        if (kind != "slack") robot.fail_next(1, 9999);
        robot.rate_limit_next(2);
        const int64_t id = s.channel("limited-" + kind, kind, robot.url(), "");
        auto r = s.admin().post("/api/v1/chat-channels/" + std::to_string(id) + "/test", "");
        REQUIRE(r.status == 202);
        auto done = s.wait_status(r.num("id"), "sent");
        CHECK(done.str("status") == "sent");
        CHECK(robot.accepted() == 1);
        CHECK(robot.messages().size() == (kind == "slack" ? 3u : 4u));
    }
}

TEST_CASE(
    "messages wait out a robot's outage and are delivered once, @-mentioning the "
    "recipient, in the channel's language",
    "[chat][api]") {
    ChatServer s;
    ChatReceiver robot("dingtalk", "SEC-outage");
    robot.start();
    const uint16_t port = robot.port();
    const int64_t id = s.channel("值班群", "dingtalk", robot.url(), "SEC-outage", "en");
    robot.stop();

    auto admin = s.admin();
    // The recipient reads Chinese; the channel's language (English) is the message's.
    auto u = admin.post("/api/v1/users",
                        R"({"username":"lead","password":"password-lead","locale":"zh-CN",)"
                        R"("chat_ids":{"dingtalk":"13800000000","wecom":"lead.w"}})");
    REQUIRE(u.status == 201);
    CHECK(u.body.find(R"("chat_ids":{"dingtalk":"13800000000","wecom":"lead.w"})") !=
          std::string::npos);
    s.enqueue(waiting_event({u.num("id")}, {"chat:" + std::to_string(id)}));

    // While the robot is down the row keeps failing, visibly.
    Reply row;
    REQUIRE(wait_until(
        [&] {
            auto list = admin.get("/api/v1/notifications?channel=chat");
            if (list.json["items"].Size() != 1) return false;
            return list.json["items"][0]["attempts"].GetInt64() >= 2;
        },
        10s));

    ChatReceiver back("dingtalk", "SEC-outage", port);
    back.start();
    REQUIRE(back.wait_accepted(1, 10s));
    auto list = admin.get("/api/v1/notifications?channel=chat");
    const int64_t nid = list.json["items"][0]["id"].GetInt64();
    CHECK(s.wait_status(nid, "sent").str("status") == "sent");
    // Once: every notifier worker looked again and found nothing left to send.
    CHECK(s.settled());
    CHECK(back.messages().size() == 1);
    const auto m = back.messages().front();
    CHECK(m.signature_ok);
    CHECK(m.body.find("环境变更申请") != std::string::npos);
    CHECK(m.body.find("is waiting for you at") != std::string::npos);
    CHECK(m.body.find("正在等待您处理") == std::string::npos);
    CHECK(m.body.find("@13800000000") != std::string::npos);
    CHECK(m.body.find(R"("atMobiles":["13800000000"])") != std::string::npos);
    CHECK(m.body.find("https://orderly.example.com/tickets/42") != std::string::npos);
}

TEST_CASE("a user edits their own chat ids and a workflow names chat channels", "[chat][api]") {
    ChatServer s;
    auto admin = s.admin();
    REQUIRE(admin.post("/api/v1/users", R"({"username":"dev","password":"password-dev"})").status ==
            201);
    auto dev = login_at(s.app->port(), "dev", "password-dev");
    auto me = dev.patch("/api/v1/me", R"({"chat_ids":{"feishu":"ou_dev","slack":"U1"}})");
    REQUIRE(me.status == 200);
    CHECK(std::string(me.json["chat_ids"]["feishu"].GetString()) == "ou_dev");
    CHECK(dev.patch("/api/v1/me", R"({"chat_ids":{"teams":"x"}})").status == 400);

    auto ok =
        admin.post("/api/v1/workflows",
                   R"({"name":"chat flow","notify":{"channels":["email","chat:7"]},)"
                   R"("nodes":[{"key":"s","name":"提单","type":"submit",)"
                   R"("operators":{"submitter":true}},)"
                   R"({"key":"r","name":"审核","type":"approval","operators":{"users":["dev"]},)"
                   R"("notify":{"channels":["chat:8"]}},{"key":"e","name":"结束","type":"end"}]})");
    REQUIRE(ok.status == 201);
    CHECK(ok.body.find(R"("channels":["email","chat:7"])") != std::string::npos);
    CHECK(ok.body.find(R"("notify":{"channels":["chat:8"]})") != std::string::npos);
    CHECK(admin
              .post("/api/v1/workflows", R"({"name":"bad","notify":{"channels":["sms"]},)"
                                         R"("nodes":[{"key":"s","name":"s","type":"submit"}]})")
              .status == 400);
}

TEST_CASE("a deleted chat channel: queued messages and events naming it are skipped, visibly",
          "[chat][api]") {
    ChatServer s;
    ChatReceiver robot("wecom", "");
    robot.start();
    const int64_t id = s.channel("企业微信群", "wecom", robot.url(), "");
    robot.stop();
    auto admin = s.admin();
    auto r = admin.post("/api/v1/chat-channels/" + std::to_string(id) + "/test", "");
    REQUIRE(r.status == 202);
    const int64_t queued = r.num("id");
    REQUIRE(wait_until([&] { return s.delivery(queued).num("attempts") >= 1; }, 10s));
    REQUIRE(admin.del("/api/v1/chat-channels/" + std::to_string(id)).status == 204);
    auto skipped = s.wait_status(queued, "skipped");
    CHECK(skipped.str("status") == "skipped");
    CHECK(skipped.str("skip_reason_code") == "chat_channel.gone");
    auto retry = admin.post("/api/v1/notifications/" + std::to_string(queued) + "/retry", "");
    CHECK(retry.status == 409);
    CHECK(retry.body.find("chat_channel.gone") != std::string::npos);

    s.enqueue(waiting_event({}, {"chat:" + std::to_string(id)}));
    auto list = admin.get("/api/v1/notifications?channel=chat&event=node.waiting");
    REQUIRE(list.json["items"].Size() == 1);
    CHECK(std::string(list.json["items"][0]["status"].GetString()) == "skipped");
    CHECK(std::string(list.json["items"][0]["skip_reason_code"].GetString()) ==
          "chat_channel.gone");
}
