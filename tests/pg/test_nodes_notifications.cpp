// Several server processes (nodes) on one PostgreSQL database and real receivers (an SMTP
// listener, a webhook receiver): a node killed with SIGKILL in the middle of a send leaves its
// notifications to another node, which delivers every one of them. The one whose
// acknowledgement the dead node never read arrives a second time (the one duplicate of the
// crash), as the same message: the same Message-ID, the same X-Orderly-Delivery.
#include <catch2/catch.hpp>

#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/test_executions_support.h"
#include "pg_test_db.h"
#include "storage/database.h"
#include "storage/notification_store.h"
#include "support/smtp_listener.h"
#include "support/webhook_receiver.h"

using namespace orderly;
using namespace orderly::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPassword = "notify-nodes-admin-pw";
constexpr const char* kHookSecret = "whsec_nodes_shared_secret";

// Nodes on one database. Each sends one notification at a time (a crash can then duplicate one,
// the one in flight) and holds its claims on a short lease, so that a dead node's rows move on
// quickly; `extra` adds to every node's environment (the SMTP settings).
struct Nodes {
    PgTestDb pg;
    executions::Dir dir;
    std::vector<std::string> extra;
    std::unique_ptr<ServerProcess> first, second;
    std::unique_ptr<storage::Database> db;

    std::vector<std::string> env(const std::string& name) const {
        std::vector<std::string> e = {"ORDERLY_SECRET_KEY_FILE=" + dir.path + "/secret.key",
                                      "ORDERLY_WORK_DIR=" + dir.path + "/" + name + ".work",
                                      std::string("ORDERLY_ADMIN_PASSWORD=") + kPassword,
                                      "ORDERLY_NOTIFY_WORKERS=1", "ORDERLY_NOTIFY_LEASE_S=2"};
        e.insert(e.end(), extra.begin(), extra.end());
        return e;
    }
    // Starts node 1 (which makes the schema) and opens the test's own connection.
    void start_first() {
        first = std::make_unique<ServerProcess>(pg.uri(), std::vector<std::string>{}, env("node1"));
        db = std::make_unique<storage::Database>(pg.uri(), 1);
    }
    // Node 1 dies (SIGKILL) while `hold` keeps the receiver's answer to its send from it; then
    // node 2 starts. True once there are n rows, all sent.
    bool crash_first_and_take_over(ReplyHold& hold, size_t n) {
        REQUIRE(hold.wait_held(20s));
        first->signal(SIGKILL);
        first->wait();
        first.reset();
        hold.release();
        second =
            std::make_unique<ServerProcess>(pg.uri(), std::vector<std::string>{}, env("node2"));
        return all_sent(n);
    }
    std::vector<domain::Notification> rows() {
        return db->read([](storage::Connection& c) {
            storage::NotificationFilter f;
            f.limit = 1000;
            return storage::list_notifications(c, f);
        });
    }
    // Waits until there are n rows, all sent.
    bool all_sent(size_t n) {
        return wait_until(
            [&] {
                auto all = rows();
                for (const auto& r : all)
                    if (r.status != "sent") return false;
                return all.size() == n;
            },
            30s);
    }
};

// Copies beyond the first, over all rows; fails when a row never arrived. `arrived` maps a
// delivery id to what identifies each copy of it as the receiver saw it.
int copies_of(const std::vector<domain::Notification>& rows,
              const std::map<std::string, std::vector<std::string>>& arrived,
              const std::function<std::string(const domain::Notification&)>& expected) {
    int copies = 0;
    for (const auto& n : rows) {
        INFO("notification " << n.id << " " << n.delivery_id);
        auto it = arrived.find(n.delivery_id);
        REQUIRE(it != arrived.end());
        copies += static_cast<int>(it->second.size()) - 1;
        for (const auto& seen : it->second) CHECK(seen == expected(n));
    }
    CHECK(arrived.size() == rows.size());
    return copies;
}

}  // namespace

TEST_CASE(
    "a node killed while sending email: another node sends every one, one duplicate with "
    "the same Message-ID",
    "[pg][nodes][notifications]") {
    SmtpListener smtp;
    smtp.start();
    smtp.hold.arm();
    Nodes nodes;
    nodes.extra = {"ORDERLY_SMTP_URL=" + smtp.url(),
                   "ORDERLY_SMTP_FROM=Orderly <orderly@example.com>"};
    nodes.start_first();
    constexpr size_t kMails = 20;
    for (size_t i = 0; i < kMails; ++i)
        nodes.db->write([&](storage::Connection& c) {
            storage::enqueue_test_email(c, "https://orderly.example.com",
                                        "ops" + std::to_string(i) + "@example.com",
                                        SystemClock().now_ms());
        });

    // Node 1 sends the first mail; the listener takes it, and node 1 dies before the reply.
    REQUIRE(nodes.crash_first_and_take_over(smtp.hold, kMails));

    std::map<std::string, std::vector<std::string>> arrived;  // delivery id -> Message-IDs
    for (const auto& m : smtp.messages()) {
        auto mail = parse_mail(m.data);
        arrived[mail.header("x-orderly-delivery")].push_back(mail.header("message-id"));
    }
    const int copies = copies_of(nodes.rows(), arrived, [](const domain::Notification& n) {
        return "<" + n.delivery_id + "@example.com>";
    });
    CHECK(copies == 1);  // the mail node 1 died sending
    CHECK(smtp.count() == kMails + 1);
}

TEST_CASE(
    "a node killed while posting a webhook: another node posts every one, one duplicate "
    "with the same delivery id and body",
    "[pg][nodes][notifications]") {
    WebhookReceiver hooks(kHookSecret);
    hooks.start();
    hooks.hold.arm();
    Nodes nodes;
    nodes.start_first();
    auto admin = login_at(nodes.first->port(), "admin", kPassword);
    REQUIRE(admin
                .post("/api/v1/webhooks",
                      R"({"url":")" + hooks.url() + R"(","secret":")" + kHookSecret + "\"}")
                .status == 201);
    constexpr size_t kEvents = 10;
    for (size_t i = 0; i < kEvents; ++i)
        nodes.db->write([&](storage::Connection& c) {
            storage::TicketEvent ev;
            ev.event = "node.waiting";
            ev.ticket_id = static_cast<int64_t>(100 + i);
            ev.ticket_sn = "CHG-20261206-" + std::to_string(100 + i);
            ev.title = "变更申请 " + std::to_string(i);
            ev.status = "in_progress";
            storage::enqueue_ticket_event(c, "https://orderly.example.com", ev,
                                          SystemClock().now_ms());
        });

    REQUIRE(nodes.crash_first_and_take_over(hooks.hold, kEvents));

    std::map<std::string, std::vector<std::string>> arrived;  // delivery id -> bodies
    for (const auto& d : hooks.deliveries()) {
        CHECK(d.signature_ok);
        arrived[d.delivery_id].push_back(d.body);
    }
    std::map<std::string, std::string> first_body;
    for (const auto& [id, bodies] : arrived) first_body[id] = bodies.front();
    const int copies = copies_of(nodes.rows(), arrived, [&](const domain::Notification& n) {
        return first_body[n.delivery_id];
    });
    CHECK(copies == 1);  // the delivery node 1 died posting
    CHECK(hooks.count() == kEvents + 1);
}
