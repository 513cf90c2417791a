// Notifications end to end over the real protocols on loopback: a real SMTP listener and a real
// webhook receiver, an Orderly server of this test case's own (configured with the listener's
// URL and small poll/backoff values), events enqueued exactly as the ticket code does, inside a
// write transaction.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <set>
#include <thread>

#include "app/notifier.h"
#include "integrations/crypto.h"
#include "integrations/webhook.h"
#include "storage/accounts_store.h"
#include "storage/notification_store.h"
#include "storage/workflow_store.h"
#include "support/process.h"
#include "support/smtp_listener.h"
#include "support/test_database.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

using namespace orderly;
using namespace orderly::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kHookSecret = "whsec_receiver_shared_secret";

// One Orderly server per test case (each case runs in its own process), wired to the listener.
// Waits until every worker of n has looked for due rows again and found none: nothing else goes
// out now (what is left waits for a later retry). Instead of a fixed pause.
bool settled(Notifier& n) {
    const uint64_t before = n.idle_passes();
    n.wake();
    return wait_until(
        [&] { return n.idle_passes() >= before + static_cast<uint64_t>(n.options().workers) + 1; });
}

struct NotifyServer {
    std::string dir = temp_dir();
    SmtpListener smtp;
    WebhookReceiver hooks{kHookSecret};
    std::unique_ptr<OrderlyApp> app;

    explicit NotifyServer(std::string smtp_url = "", bool start_receivers = true) {
        smtp.start();
        hooks.start();
        if (!start_receivers) {
            smtp.stop();
            hooks.stop();
        }
        AppOptions o;
        o.db_path = database_location(dir, "n.db");
        o.server.port = 0;
        o.server.access_log = false;
        o.secret_key_file = dir + "/secret.key";
        o.work_dir = dir + "/work";
        o.app.base_url = "https://orderly.example.com";
        o.smtp_url = smtp_url.empty() ? smtp.url() : smtp_url;
        o.smtp_from = "Orderly 工单 <orderly@example.com>";
        o.notify_poll_ms = 50;
        o.notify_backoff_base_ms = 50;
        o.notify_backoff_cap_ms = 200;
        app = std::make_unique<OrderlyApp>(o);
        app->ensure_admin(kAdminPassword);
        app->start();
    }
    ~NotifyServer() {
        app->stop(std::chrono::milliseconds(2000));
        app.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    Client admin() {
        Client c(app->port());
        auto r = c.post("/api/v1/auth/login", std::string(R"({"username":"admin","password":")") +
                                                  kAdminPassword + "\"}");
        REQUIRE(r.status == 200);
        c.set_token(r.str("token"));
        return c;
    }
    // A user through the API; returns the id.
    int64_t user(const std::string& name, const std::string& email) {
        std::string body = R"({"username":")" + name + R"(","password":"password-)" + name + "\"";
        if (!email.empty()) body += R"(,"email":")" + email + "\"";
        auto r = admin().post("/api/v1/users", body + "}");
        REQUIRE(r.status == 201);
        return r.num("id");
    }
    int64_t webhook(const std::string& extra = "") {
        auto r = admin().post("/api/v1/webhooks", R"({"url":")" + hooks.url() + R"(","secret":")" +
                                                      kHookSecret + "\"" + extra + "}");
        REQUIRE(r.status == 201);
        return r.num("id");
    }
    void enqueue(const storage::TicketEvent& ev) {
        app->db().write([&](storage::Connection& c) {
            storage::enqueue_ticket_event(c, "https://orderly.example.com", ev,
                                          SystemClock().now_ms());
        });
        app->notifier().wake();
    }
    std::vector<domain::Notification> rows() {
        return app->db().read([](storage::Connection& c) {
            storage::NotificationFilter f;
            f.limit = 100000;
            return storage::list_notifications(c, f);
        });
    }
    bool settled() { return ::settled(app->notifier()); }
    // Waits until pred(rows) holds; false on timeout.
    template <typename Pred>
    bool wait_rows(Pred pred, std::chrono::milliseconds timeout) {
        return wait_until([&] { return pred(rows()); }, timeout);
    }
};

storage::TicketEvent review_event(std::vector<int64_t> recipients, int64_t ticket_id = 42) {
    storage::TicketEvent ev;
    ev.event = "node.waiting";
    ev.ticket_id = ticket_id;
    ev.ticket_sn = "CHG-20261121-0001";
    ev.title = "环境变更申请";
    ev.status = "in_progress";
    ev.node_name = "变更审核";
    ev.actor = "ops1";
    ev.reason = "扩容 app01 集群，时间窗口 22:00–23:00";
    ev.recipients = std::move(recipients);
    ev.channels = {"email"};
    return ev;
}

}  // namespace

TEST_CASE("scenario B: the ops lead's pending-review email arrives with subject, link and Chinese",
          "[api][notifications][smtp]") {
    NotifyServer s;
    auto lead = s.user(unique("lead"), "ops-lead@example.com");
    s.enqueue(review_event({lead}));
    REQUIRE(s.smtp.wait_for(1, 10s));
    // The listener records a message before it answers 250; the row is marked after that.
    REQUIRE(s.wait_rows([](const auto& rows) { return rows.at(0).status == "sent"; }, 5s));
    auto got = s.smtp.messages().at(0);
    CHECK(got.mail_from == "orderly@example.com");
    CHECK(got.rcpt_to == std::vector<std::string>{"ops-lead@example.com"});

    auto mail = parse_mail(got.data);
    CHECK(mail.subject == "[Orderly] 待处理: 变更审核 · CHG-20261121-0001 环境变更申请");
    CHECK(mail.header("to") == "ops-lead@example.com");
    CHECK(decode_header_words(mail.header("from")) == "Orderly 工单 <orderly@example.com>");
    CHECK(mail.header("content-type").find("multipart/alternative") == 0);
    CHECK(!mail.header("date").empty());
    for (const auto* want :
         {"https://orderly.example.com/tickets/42", "CHG-20261121-0001", "环境变更申请", "变更审核",
          "ops1", "扩容 app01 集群，时间窗口 22:00–23:00", "正在等待您处理"}) {
        INFO(want);
        CHECK(mail.text.find(want) != std::string::npos);
        CHECK(mail.html.find(want) != std::string::npos);
    }
    CHECK(mail.html.find("href=\"https://orderly.example.com/tickets/42\"") != std::string::npos);

    // The admin sees the delivery: sent, one attempt, the Message-ID is the delivery id.
    auto list = s.admin().get("/api/v1/notifications?ticket_id=42");
    REQUIRE(list.status == 200);
    REQUIRE(list.json["items"].Size() == 1);
    const auto& n = list.json["items"][0];
    CHECK(n["status"].GetString() == std::string("sent"));
    CHECK(n["channel"].GetString() == std::string("email"));
    CHECK(n["recipient"].GetString() == std::string("ops-lead@example.com"));
    CHECK(n["attempts"].GetInt() == 1);
    CHECK(n["sent_at"].IsString());
    CHECK(n["last_error"].IsNull());
    CHECK(mail.header("message-id") ==
          "<" + std::string(n["delivery_id"].GetString()) + "@example.com>");
    auto one = s.admin().get("/api/v1/notifications/" + std::to_string(n["id"].GetInt64()));
    CHECK(one.status == 200);
    CHECK(one.str("status") == "sent");
}

TEST_CASE("receivers down: 100 notifications queue up, and all arrive exactly once when back",
          "[api][notifications][outage]") {
    NotifyServer s("", /*start_receivers=*/false);
    auto lead = s.user(unique("lead"), "lead@example.com");
    s.webhook();
    for (int i = 0; i < 100; ++i) s.enqueue(review_event({lead}, 1000 + i));

    // Every one is tried and fails while the receivers are down; none is lost or given up.
    REQUIRE(s.wait_rows(
        [](const std::vector<domain::Notification>& rows) {
            if (rows.size() != 200) return false;
            for (const auto& n : rows)
                if (n.attempts < 2 || n.status == "sent" || !n.last_error) return false;
            return true;
        },
        30s));
    for (const auto& n : s.rows()) CHECK((n.status == "pending" || n.status == "sending"));
    CHECK(s.smtp.count() == 0);
    CHECK(s.hooks.count() == 0);

    // The receivers come back on the same ports: everything flows within the backoff cap.
    auto back = std::chrono::steady_clock::now();
    s.smtp.start();
    s.hooks.start();
    REQUIRE(s.smtp.wait_for(100, 30s));
    REQUIRE(s.hooks.wait_for(100, 30s));
    auto took = std::chrono::steady_clock::now() - back;
    CHECK(took < 20s);
    REQUIRE(s.wait_rows(
        [](const std::vector<domain::Notification>& rows) {
            for (const auto& n : rows)
                if (n.status != "sent") return false;
            return true;
        },
        10s));
    REQUIRE(s.settled());  // nothing more may arrive

    auto mails = s.smtp.messages();
    CHECK(mails.size() == 100);
    std::set<std::string> message_ids, tickets;
    for (const auto& m : mails) {
        auto p = parse_mail(m.data);
        message_ids.insert(p.header("message-id"));
        tickets.insert(p.header("x-orderly-ticket"));
    }
    CHECK(message_ids.size() == 100);
    CHECK(tickets.size() == 100);

    auto deliveries = s.hooks.deliveries();
    CHECK(deliveries.size() == 100);
    std::set<std::string> delivery_ids;
    for (const auto& d : deliveries) {
        delivery_ids.insert(d.delivery_id);
        CHECK(d.signature_ok);
        CHECK(d.event == "node.waiting");
    }
    CHECK(delivery_ids.size() == 100);
    auto sent = s.admin().get("/api/v1/notifications?status=sent&limit=500");
    CHECK(sent.json["items"].Size() == 200);
    CHECK(s.admin().get("/api/v1/notifications?status=pending").json["items"].Size() == 0);
}

TEST_CASE(
    "webhook: headers, JSON body, the receiver's signature check passes, a tampered body fails",
    "[api][notifications][webhook]") {
    NotifyServer s;
    s.webhook(R"(,"events":["ticket.rejected"])");
    storage::TicketEvent ev = review_event({}, 77);
    ev.event = "ticket.rejected";
    ev.status = "rejected";
    ev.actor = "lead1";
    ev.reason = "时间窗口冲突";
    s.enqueue(ev);
    s.enqueue(review_event({}, 78));  // node.waiting: not subscribed
    REQUIRE(s.hooks.wait_for(1, 10s));
    REQUIRE(s.settled());
    auto all = s.hooks.deliveries();
    REQUIRE(all.size() == 1);
    const auto& d = all[0];
    CHECK(d.signature_ok);
    CHECK(d.signature == reference_signature(kHookSecret, d.body));
    CHECK(d.event == "ticket.rejected");
    CHECK(d.content_type.find("application/json") == 0);
    CHECK(d.path == "/hooks/orderly");

    json::Document body;
    REQUIRE(json::parse_untrusted(d.body, body).ok());
    CHECK(body["event"].GetString() == std::string("ticket.rejected"));
    CHECK(body["delivery_id"].GetString() == d.delivery_id);
    CHECK(body["ticket"]["id"].GetInt64() == 77);
    CHECK(body["ticket"]["sn"].GetString() == std::string("CHG-20261121-0001"));
    CHECK(body["ticket"]["title"].GetString() == std::string("环境变更申请"));
    CHECK(body["ticket"]["status"].GetString() == std::string("rejected"));
    CHECK(body["ticket"]["url"].GetString() ==
          std::string("https://orderly.example.com/tickets/77"));
    CHECK(body["node"].GetString() == std::string("变更审核"));
    CHECK(body["actor"].GetString() == std::string("lead1"));
    CHECK(body["reason"].GetString() == std::string("时间窗口冲突"));
    CHECK(body["at"].IsString());

    // A receiver that checks the signature refuses a body that was changed on the way.
    std::string tampered = d.body;
    tampered.replace(tampered.find("时间窗口冲突"), std::string("时间窗口冲突").size(), "没问题");
    CHECK(reference_signature(kHookSecret, tampered) != d.signature);
    CHECK_FALSE(webhook::verify_signature(kHookSecret, tampered, d.signature));
    CHECK(webhook::verify_signature(kHookSecret, d.body, d.signature));
}

TEST_CASE("a receiver answering errors is retried until it acknowledges, once",
          "[api][notifications][webhook]") {
    NotifyServer s;
    s.webhook();
    s.hooks.set_status(503);
    s.enqueue(review_event({}, 90));
    REQUIRE(s.wait_rows([](const auto& rows) { return rows.size() == 1 && rows[0].attempts >= 3; },
                        10s));
    auto n = s.rows()[0];
    CHECK(n.status != "sent");
    REQUIRE(n.last_error);
    CHECK(n.last_error->find("HTTP 503") != std::string::npos);
    // The admin's list carries the error as a code a client translates, the text as detail.
    auto shown = s.admin().get("/api/v1/notifications/" + std::to_string(n.id));
    CHECK(shown.str("last_error_code") == "notification.webhook_status");
    CHECK(shown.json["last_error_params"]["status"].GetInt() == 503);
    CHECK(shown.str("last_error").find("HTTP 503") != std::string::npos);
    CHECK(shown.json["skip_reason_code"].IsNull());
    s.hooks.set_status(204);
    REQUIRE(s.hooks.wait_for(1, 10s));
    REQUIRE(s.wait_rows([](const auto& rows) { return rows[0].status == "sent"; }, 5s));
    REQUIRE(s.settled());
    auto ds = s.hooks.deliveries();
    CHECK(s.hooks.acknowledged() == 1);
    std::set<std::string> ids;
    for (const auto& d : ds) ids.insert(d.delivery_id);
    CHECK(ids.size() == 1);  // every retry carries the same delivery id
}

TEST_CASE(
    "a user without an email address is skipped with a reason, and retried once they have one",
    "[api][notifications][skip]") {
    NotifyServer s;
    std::string name = unique("noaddr");
    auto uid = s.user(name, "");
    s.enqueue(review_event({uid}, 55));
    auto list = s.admin().get("/api/v1/notifications?ticket_id=55");
    REQUIRE(list.json["items"].Size() == 1);
    const auto& n = list.json["items"][0];
    CHECK(n["status"].GetString() == std::string("skipped"));
    CHECK(n["skip_reason"].GetString() == "user " + name + " has no email address");
    CHECK(n["skip_reason_code"].GetString() == std::string("notification.no_email_address"));
    CHECK(n["skip_reason_params"]["username"].GetString() == name);
    CHECK(n["last_error_code"].IsNull());
    CHECK(n["last_error_params"].ObjectEmpty());
    CHECK(n["user_id"].GetInt64() == uid);
    const std::string id = std::to_string(n["id"].GetInt64());
    auto a = s.admin();
    auto r = a.post("/api/v1/notifications/" + id + "/retry", "");
    CHECK(r.status == 409);
    CHECK(r.json["detail"].GetString() ==
          "user " + name + " still has no email address; set one first");

    REQUIRE(
        a.patch("/api/v1/users/" + std::to_string(uid), R"({"email":"late@example.com"})").status ==
        200);
    r = a.post("/api/v1/notifications/" + id + "/retry", "");
    REQUIRE(r.status == 200);
    CHECK(r.str("recipient") == "late@example.com");
    REQUIRE(s.smtp.wait_for(1, 10s));
    CHECK(s.smtp.messages()[0].rcpt_to[0] == "late@example.com");
    REQUIRE(s.wait_rows([](const auto& rows) { return rows.at(0).status == "sent"; }, 5s));
    CHECK(a.get("/api/v1/notifications/" + id).str("status") == "sent");
    auto audit = a.get("/api/v1/audit-events?action=notification.retry&object_id=" + id);
    CHECK(audit.json["items"].Size() == 1);
    CHECK(a.post("/api/v1/notifications/" + id + "/retry", "").status == 409);  // already sent
    CHECK(a.post("/api/v1/notifications/987654/retry", "").status == 404);
}

TEST_CASE("a permanent refusal fails at once, and an admin's retry sends it",
          "[api][notifications][retry]") {
    NotifyServer s;
    s.smtp.reject_recipient("bounced@example.com");
    auto uid = s.user(unique("bounce"), "bounced@example.com");
    s.enqueue(review_event({uid}, 66));
    REQUIRE(s.wait_rows([](const auto& rows) { return rows.at(0).status == "failed"; }, 10s));
    auto n = s.rows()[0];
    CHECK(n.attempts == 1);
    REQUIRE(n.last_error);
    CHECK(n.last_error->find("550") != std::string::npos);
    auto failed = s.admin().get("/api/v1/notifications?status=failed");
    REQUIRE(failed.json["items"].Size() == 1);
    const auto& row = failed.json["items"][0];
    CHECK(row["last_error_code"].GetString() == std::string("notification.smtp_refused"));
    CHECK(row["last_error_params"]["smtp_code"].GetInt() == 550);

    s.smtp.allow_recipient("bounced@example.com");
    auto r = s.admin().post("/api/v1/notifications/" + std::to_string(n.id) + "/retry", "");
    REQUIRE(r.status == 200);
    CHECK(r.str("status") == "pending");
    REQUIRE(s.smtp.wait_for(1, 10s));
    REQUIRE(s.wait_rows([](const auto& rows) { return rows.at(0).status == "sent"; }, 5s));
}

TEST_CASE("test email: an admin checks that SMTP works", "[api][notifications][test-email]") {
    NotifyServer s;
    auto a = s.admin();
    auto r = a.post("/api/v1/notifications/test", R"({"to":"admin@example.com"})");
    REQUIRE(r.status == 200);
    CHECK(r.str("status") == "sent");
    CHECK(r.str("event") == "test");
    REQUIRE(s.smtp.count() == 1);
    auto mail = parse_mail(s.smtp.messages()[0].data);
    CHECK(mail.subject == "[Orderly] 测试邮件 Test email");
    CHECK(mail.text.find("测试邮件") != std::string::npos);
    CHECK(a.post("/api/v1/notifications/test", R"({"to":"not an address"})").status == 422);
    CHECK(a.post("/api/v1/notifications/test", R"({"to":"x@example.com\r\nBcc: y@example.com"})")
              .status == 422);
    CHECK(a.post("/api/v1/notifications/test", R"({})").status == 400);

    // With the mail server down the answer says why, and the email stays queued.
    s.smtp.stop();
    r = a.post("/api/v1/notifications/test", R"({"to":"admin@example.com"})");
    REQUIRE(r.status == 200);
    CHECK(r.str("status") == "pending");
    CHECK(r.str("last_error").find("onnect") != std::string::npos);
    CHECK(r.str("last_error_code") == "notification.smtp_failed");
    s.smtp.start();
    REQUIRE(s.smtp.wait_for(2, 10s));
}

TEST_CASE("SMTP credentials come from the URL", "[api][notifications][smtp]") {
    SmtpListener probe;  // learn a free port, then serve it with authentication
    probe.start();
    uint16_t port = probe.port();
    probe.stop();
    SmtpListener authed(port);
    authed.require_auth("orderly", "p@ss:word");
    authed.start();
    NotifyServer s("smtp://orderly:p%40ss%3Aword@127.0.0.1:" + std::to_string(port));
    auto r = s.admin().post("/api/v1/notifications/test", R"({"to":"admin@example.com"})");
    REQUIRE(r.status == 200);
    CHECK(r.str("status") == "sent");
    REQUIRE(authed.count() == 1);
    CHECK(authed.messages()[0].auth_user == "orderly");
}

TEST_CASE("webhook subscriptions: CRUD, secret shown once and never again, audited without it",
          "[api][notifications][webhooks]") {
    NotifyServer s;
    auto a = s.admin();
    const int64_t wf = s.app->db().write([](storage::Connection& c) {
        domain::WorkflowDef def;
        def.name = "环境变更";
        return storage::insert_workflow(c, def, std::nullopt, 1);
    });
    const std::string wf_id = std::to_string(wf);
    auto unknown =
        a.post("/api/v1/webhooks", R"({"url":")" + s.hooks.url() + R"(","workflow_id":987654})");
    CHECK(unknown.status == 422);
    CHECK(unknown.body.find("workflow_id") != std::string::npos);
    auto r =
        a.post("/api/v1/webhooks",
               R"({"url":")" + s.hooks.url() +
                   R"(","events":["node.waiting","ticket.approved"],"workflow_id":)" + wf_id + "}");
    REQUIRE(r.status == 201);
    const std::string secret = r.str("secret");
    CHECK(secret.rfind("whsec_", 0) == 0);
    CHECK(secret.size() > 40);
    const std::string id = std::to_string(r.num("id"));
    CHECK(r.json["events"].Size() == 2);
    CHECK(r.json["workflow_id"].GetInt64() == wf);
    CHECK(r.json["active"].GetBool());

    auto got = a.get("/api/v1/webhooks/" + id);
    REQUIRE(got.status == 200);
    CHECK_FALSE(got.json.HasMember("secret"));
    CHECK(got.header("ETag") == "\"1\"");
    auto list = a.get("/api/v1/webhooks");
    CHECK(list.body.find(secret) == std::string::npos);
    CHECK(a.get("/api/v1/webhooks?workflow_id=" + wf_id).json["items"].Size() == 1);
    CHECK(a.get("/api/v1/webhooks?workflow_id=987654").json["items"].Size() == 0);

    // A given secret is not echoed.
    auto given =
        a.post("/api/v1/webhooks",
               R"({"url":"https://hooks.example.com/x","secret":"given-secret-0123456789"})");
    REQUIRE(given.status == 201);
    CHECK_FALSE(given.json.HasMember("secret"));

    // Validation.
    CHECK(a.post("/api/v1/webhooks", R"({"url":"ftp://example.com/x"})").status == 422);
    CHECK(a.post("/api/v1/webhooks", R"({"url":"https://h.example.com","events":["no.such"]})")
              .status == 400);
    CHECK(
        a.post("/api/v1/webhooks", R"({"url":"https://h.example.com","secret":"short"})").status ==
        400);
    CHECK(a.post("/api/v1/webhooks", R"({"events":[]})").status == 400);

    // Update with If-Match; a stale one is refused.
    auto upd =
        a.patch("/api/v1/webhooks/" + id,
                R"({"active":false,"workflow_id":null,"secret":"rotated-secret-0123456789"})",
                {{"If-Match", "\"1\""}});
    REQUIRE(upd.status == 200);
    CHECK_FALSE(upd.json["active"].GetBool());
    CHECK(upd.json["workflow_id"].IsNull());
    CHECK(upd.num("version") == 2);
    CHECK_FALSE(upd.json.HasMember("secret"));
    CHECK(a.patch("/api/v1/webhooks/" + id, R"({"active":true})", {{"If-Match", "\"1\""}}).status ==
          409);

    auto audit = a.get("/api/v1/audit-events?object_type=webhook&limit=50");
    REQUIRE(audit.status == 200);
    CHECK(audit.json["items"].Size() == 3);
    CHECK(audit.body.find(secret) == std::string::npos);
    CHECK(audit.body.find("given-secret") == std::string::npos);
    CHECK(audit.body.find("rotated-secret") == std::string::npos);

    CHECK(a.del("/api/v1/webhooks/" + id).status == 204);
    CHECK(a.get("/api/v1/webhooks/" + id).status == 404);
    CHECK(a.del("/api/v1/webhooks/" + id).status == 404);
}

TEST_CASE("a rotated secret signs the next deliveries, a deleted subscription's queue is skipped",
          "[api][notifications][webhooks]") {
    NotifyServer s;
    auto a = s.admin();
    auto id = std::to_string(s.webhook());
    s.hooks.set_secret("rotated-secret-0123456789");
    REQUIRE(a.patch("/api/v1/webhooks/" + id, R"({"secret":"rotated-secret-0123456789"})").status ==
            200);
    s.enqueue(review_event({}, 31));
    REQUIRE(s.hooks.wait_for(1, 10s));
    CHECK(s.hooks.deliveries()[0].signature_ok);

    s.hooks.stop();
    s.enqueue(review_event({}, 32));
    REQUIRE(s.wait_rows(
        [](const auto& rows) {
            for (const auto& n : rows)
                if (n.ticket_id == 32) return n.attempts >= 1 && n.status == "pending";
            return false;
        },
        10s));
    REQUIRE(a.del("/api/v1/webhooks/" + id).status == 204);
    REQUIRE(s.wait_rows(
        [](const auto& rows) {
            for (const auto& n : rows)
                if (n.ticket_id == 32) return n.status == "skipped";
            return false;
        },
        10s));
    for (const auto& n : s.rows())
        if (n.ticket_id == 32) CHECK(*n.skip_reason == "the webhook subscription was deleted");
}

TEST_CASE("notification lists: filters, cursor, bad parameters, permission",
          "[api][notifications]") {
    NotifyServer s;
    auto lead = s.user(unique("lead"), "lead@example.com");
    auto none = s.user(unique("none"), "");
    for (int i = 0; i < 3; ++i) s.enqueue(review_event({lead, none}, 500 + i));
    auto a = s.admin();
    REQUIRE(s.wait_rows(
        [](const auto& rows) {
            int sent = 0;
            for (const auto& n : rows) sent += n.status == "sent";
            return sent == 3;
        },
        10s));
    CHECK(a.get("/api/v1/notifications?status=skipped").json["items"].Size() == 3);
    CHECK(a.get("/api/v1/notifications?status=sent&channel=email").json["items"].Size() == 3);
    CHECK(a.get("/api/v1/notifications?channel=webhook").json["items"].Size() == 0);
    CHECK(a.get("/api/v1/notifications?event=node.waiting").json["items"].Size() == 6);
    auto p1 = a.get("/api/v1/notifications?limit=4");
    REQUIRE(p1.json["items"].Size() == 4);
    REQUIRE(p1.json["next_cursor"].IsString());
    auto p2 = a.get(std::string("/api/v1/notifications?limit=4&cursor=") +
                    p1.json["next_cursor"].GetString());
    REQUIRE(p2.json["items"].Size() == 2);
    CHECK(p2.json["items"][0]["id"].GetInt64() < p1.json["items"][3]["id"].GetInt64());
    CHECK(p2.json["next_cursor"].IsNull());
    CHECK(a.get("/api/v1/notifications?status=lost").status == 400);
    CHECK(a.get("/api/v1/notifications?channel=pigeon").status == 400);
    CHECK(a.get("/api/v1/notifications?ticket_id=abc").status == 400);
    CHECK(a.get("/api/v1/notifications/987654").status == 404);

    Client anon(s.app->port());
    CHECK(anon.get("/api/v1/notifications").status == 401);
    auto metrics = anon.get("/metrics");
    CHECK(metrics.body.find("orderly_notifications{status=\"sent\"} 3") != std::string::npos);
    CHECK(metrics.body.find("orderly_notifications{status=\"skipped\"} 3") != std::string::npos);
}

TEST_CASE("two notifiers on one database (two processes) never send a row twice",
          "[api][notifications][lease]") {
    SmtpListener smtp;
    smtp.start();
    auto dir = temp_dir();
    const std::string path = database_location(dir, "two.db");
    crypto::init();
    storage::Database db1(path, 2);
    db1.migrate();
    storage::Database db2(path, 2);  // a second writer connection, as another process has
    int64_t uid = db1.write([](storage::Connection& c) {
        domain::User u;
        u.username = "lead";
        u.email = "lead@example.com";
        u.created_at = u.updated_at = 1;
        return *storage::insert_user(c, u, "x");
    });
    SystemClock clock;
    for (int i = 0; i < 100; ++i)
        db1.write([&](storage::Connection& c) {
            storage::enqueue_ticket_event(c, "https://o.example.com", review_event({uid}, 2000 + i),
                                          clock.now_ms());
        });
    NotifierOptions o;
    o.smtp_url = smtp.url();
    o.smtp_from = "orderly@example.com";
    o.poll_interval = 20ms;
    o.batch = 3;
    o.workers = 3;
    Notifier n1(db1, clock, o), n2(db2, clock, o);
    n1.start();
    n2.start();
    REQUIRE(smtp.wait_for(100, 30s));
    REQUIRE(settled(n1));
    REQUIRE(settled(n2));
    n1.stop();
    n2.stop();
    auto mails = smtp.messages();
    CHECK(mails.size() == 100);
    std::set<std::string> ids;
    for (const auto& m : mails) ids.insert(parse_mail(m.data).header("message-id"));
    CHECK(ids.size() == 100);
    auto rows = db1.read([](storage::Connection& c) {
        storage::NotificationFilter f;
        f.limit = 1000;
        return storage::list_notifications(c, f);
    });
    for (const auto& r : rows) {
        CHECK(r.status == "sent");
        CHECK(r.attempts == 1);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE(
    "a claimer that died: its rows are sent once its lease expires, and 24 h of failures end as "
    "failed",
    "[api][notifications][lease]") {
    SmtpListener smtp;
    smtp.start();
    auto dir = temp_dir();
    crypto::init();
    storage::Database db(database_location(dir, "dead.db"), 2);
    db.migrate();
    SystemClock clock;
    int64_t uid = db.write([](storage::Connection& c) {
        domain::User u;
        u.username = "lead";
        u.email = "lead@example.com";
        u.created_at = u.updated_at = 1;
        return *storage::insert_user(c, u, "x");
    });
    db.write([&](storage::Connection& c) {
        storage::enqueue_ticket_event(c, "https://o.example.com", review_event({uid}, 1),
                                      clock.now_ms());
    });
    // A notifier claims the row and dies before sending (lease 300 ms).
    auto claimed = db.write([&](storage::Connection& c) {
        return storage::claim_due(c, "dead-process", clock.now_ms(), 300, 10, {"email", "webhook"});
    });
    REQUIRE(claimed.size() == 1);
    NotifierOptions o;
    o.smtp_url = smtp.url();
    o.smtp_from = "orderly@example.com";
    o.poll_interval = 20ms;
    {
        Notifier n(db, clock, o);
        n.start();
        REQUIRE(smtp.wait_for(1, 10s));
        REQUIRE(wait_until([&] {
            return db.read([&](storage::Connection& c) {
                return storage::find_notification(c, claimed[0].id)->status;
            }) == "sent";
        }));
    }
    auto row = db.read(
        [&](storage::Connection& c) { return *storage::find_notification(c, claimed[0].id); });
    CHECK(row.status == "sent");
    CHECK(row.attempts == 2);  // the dead claim counts as an attempt
    CHECK(smtp.count() == 1);

    // Never silently: a mail server that stays away past the window (here 400 ms) ends `failed`.
    smtp.stop();
    db.write([&](storage::Connection& c) {
        storage::enqueue_ticket_event(c, "https://o.example.com", review_event({uid}, 2),
                                      clock.now_ms());
    });
    o.backoff = domain::BackoffPolicy{20, 50, 400};
    Notifier n(db, clock, o);
    n.start();
    std::vector<domain::Notification> rows;
    CHECK(wait_until(
        [&] {
            rows = db.read([](storage::Connection& c) {
                storage::NotificationFilter f;
                f.ticket_id = 2;
                return storage::list_notifications(c, f);
            });
            return rows.at(0).status == "failed";
        },
        4s));
    REQUIRE(rows.at(0).last_error);
    CHECK(rows[0].last_error->find("gave up after") == 0);
    CHECK(rows[0].attempts > 2);
    n.stop();
    std::filesystem::remove_all(dir);
}

TEST_CASE("without ORDERLY_SMTP_URL emails stay queued with the reason, and the test email says so",
          "[api][notifications][config]") {
    auto dir = temp_dir();
    AppOptions o;
    o.db_path = database_location(dir, "n.db");
    o.server.port = 0;
    o.server.access_log = false;
    o.secret_key_file = dir + "/secret.key";
    o.work_dir = dir + "/work";
    o.notify_poll_ms = 50;
    OrderlyApp app(o);
    app.ensure_admin(kAdminPassword);
    app.start();
    Client a(app.port());
    auto r = a.post("/api/v1/auth/login",
                    std::string(R"({"username":"admin","password":")") + kAdminPassword + "\"}");
    a.set_token(r.str("token"));
    r = a.post("/api/v1/notifications/test", R"({"to":"admin@example.com"})");
    CHECK(r.status == 409);
    CHECK(r.json["detail"].GetString() ==
          std::string("email is not configured on the server (set ORDERLY_SMTP_URL)"));
    CHECK(r.str("code") == "email.not_configured");
    int64_t uid = app.db().write([](storage::Connection& c) {
        domain::User u;
        u.username = "lead";
        u.email = "lead@example.com";
        u.created_at = u.updated_at = 1;
        return *storage::insert_user(c, u, "x");
    });
    app.db().write([&](storage::Connection& c) {
        storage::enqueue_ticket_event(c, "https://o.example.com", review_event({uid}, 3),
                                      SystemClock().now_ms());
    });
    Reply list;
    CHECK(wait_until(
        [&] {
            list = a.get("/api/v1/notifications?ticket_id=3");
            return list.json["items"].Size() == 1 && list.json["items"][0]["last_error"].IsString();
        },
        3s));
    CHECK(list.json["items"][0]["status"].GetString() == std::string("pending"));
    CHECK(list.json["items"][0]["last_error"].GetString() ==
          std::string("email is not configured on the server (set ORDERLY_SMTP_URL)"));
    CHECK(list.json["items"][0]["last_error_code"].GetString() ==
          std::string("email.not_configured"));
    app.stop();
    std::filesystem::remove_all(dir);
}

TEST_CASE("the real binary: ORDERLY_SMTP_URL/FROM, and a queued email survives a restart",
          "[api][notifications][process]") {
    SmtpListener smtp;
    smtp.start();
    auto dir = temp_dir();
    const std::string db = database_location(dir, "p.db");
    std::vector<std::string> env = {
        "ORDERLY_SMTP_URL=" + smtp.url(), "ORDERLY_SMTP_FROM=Orderly <orderly@example.com>",
        "ORDERLY_ADMIN_PASSWORD=admin-password-123", "ORDERLY_SECRET_KEY_FILE=" + dir + "/key"};
    auto login = [](uint16_t port) {
        Client c(port);
        auto r =
            c.post("/api/v1/auth/login", R"({"username":"admin","password":"admin-password-123"})");
        REQUIRE(r.status == 200);
        c.set_token(r.str("token"));
        return c;
    };
    {
        ServerProcess p(db, {}, env);
        auto a = login(p.port());
        auto r = a.post("/api/v1/notifications/test", R"({"to":"admin@example.com"})");
        REQUIRE(r.status == 200);
        CHECK(r.str("status") == "sent");
        CHECK(smtp.count() == 1);
        CHECK(parse_mail(smtp.messages()[0].data).header("from").find("orderly@example.com") !=
              std::string::npos);

        // The mail server goes down; a test email is queued and the server is restarted.
        smtp.stop();
        r = a.post("/api/v1/notifications/test", R"({"to":"later@example.com"})");
        REQUIRE(r.status == 200);
        CHECK(r.str("status") == "pending");
        p.signal(SIGTERM);
        CHECK(p.wait() == 0);
    }
    smtp.start();
    ServerProcess p2(db, {}, env);
    REQUIRE(smtp.wait_for(2, 40s));
    CHECK(smtp.messages()[1].rcpt_to[0] == "later@example.com");
    p2.signal(SIGTERM);
    p2.wait();
    std::filesystem::remove_all(dir);
}
