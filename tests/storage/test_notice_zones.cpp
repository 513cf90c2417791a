// What the outbox writes for a ticket event with an environment and a change window: each
// email in its recipient's language and time zone (the server's for a recipient without one),
// each chat message in its channel's language and zone, the webhook body with both.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/time_zones.h"
#include "domain/accounts.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "storage/notification_store.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::Connection;

namespace {

struct Db {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "z.db"), 2};
    Db() {
        db.migrate();
        db.write([](Connection& c) {
            c.prepare(
                 "INSERT INTO environments (key, name, created_at, updated_at) "
                 "VALUES ('prod', '生产环境', 1, 1)")
                .exec();
        });
    }
    ~Db() { std::filesystem::remove_all(dir); }

    int64_t user(const std::string& name, const std::string& locale,
                 std::optional<std::string> zone) {
        return db.write([&](Connection& c) {
            domain::User u;
            u.username = name;
            u.email = name + "@example.com";
            u.locale = locale;
            u.timezone = std::move(zone);
            u.created_at = u.updated_at = 1;
            return *storage::insert_user(c, u, "x");
        });
    }
    int64_t channel(const std::string& language, std::optional<std::string> zone) {
        return db.write([&](Connection& c) {
            domain::ChatChannel ch;
            ch.name = "ops-" + language;
            ch.kind = domain::ChatKind::slack;
            ch.url = "https://hooks.example.com/x";
            ch.language = language;
            ch.timezone = std::move(zone);
            return *storage::insert_chat_channel(c, ch, 1);
        });
    }
    std::vector<domain::Notification> rows(const std::string& channel) {
        return db.read([&](Connection& c) {
            storage::NotificationFilter f;
            f.channel = channel;
            f.limit = 100;
            return storage::list_notifications(c, f);
        });
    }
};

storage::TicketEvent event(std::vector<int64_t> recipients, std::vector<std::string> channels) {
    storage::TicketEvent ev;
    ev.event = "node.waiting";
    ev.ticket_id = 42;
    ev.ticket_sn = "CHG-20261206-0001";
    ev.title = "扩容 app01";
    ev.status = "in_progress";
    ev.node_name = "变更审核";
    ev.actor = "ops1";
    ev.environment = "prod";
    ev.window = domain::ChangeWindow{*parse_rfc3339("2026-12-06T18:00:00Z"),
                                     *parse_rfc3339("2026-12-06T20:00:00Z")};
    ev.recipients = std::move(recipients);
    ev.channels = std::move(channels);
    return ev;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("each email is written in its recipient's zone, the server's by default",
          "[storage][notification][zone]") {
    Db t;
    const auto wang = t.user("wang", "zh-CN", "Asia/Shanghai");
    const auto anna = t.user("anna", "en", "Europe/Berlin");
    const auto nobody = t.user("nozone", "en", std::nullopt);
    t.db.write([&](Connection& c) {
        storage::enqueue_ticket_event(
            c, app::notice_settings("https://o.example.com", "Asia/Tokyo"),
            event({wang, anna, nobody}, {"email"}), *parse_rfc3339("2026-12-06T09:30:00Z"));
    });
    const auto mails = t.rows("email");
    REQUIRE(mails.size() == 3);
    for (const auto& m : mails) {
        INFO(m.recipient << "\n" << m.body_text);
        if (m.recipient == "wang@example.com") {
            CHECK(has(m.body_text, "环境: 生产环境 (prod)"));
            CHECK(has(m.body_text, "变更窗口: 2026-12-07 02:00–04:00 (Asia/Shanghai, UTC+08:00)"));
            CHECK(has(m.body_text, "时间: 2026-12-06 17:30 (Asia/Shanghai, UTC+08:00)"));
            CHECK(has(m.body_html, "2026-12-07 02:00–04:00 (Asia/Shanghai, UTC+08:00)"));
        } else if (m.recipient == "anna@example.com") {
            CHECK(has(m.body_text, "Environment: 生产环境 (prod)"));
            CHECK(has(m.body_text,
                      "Change window: 2026-12-06 19:00–21:00 (Europe/Berlin, UTC+01:00)"));
        } else {
            CHECK(m.recipient == "nozone@example.com");
            CHECK(
                has(m.body_text, "Change window: 2026-12-07 03:00–05:00 (Asia/Tokyo, UTC+09:00)"));
        }
    }
}

TEST_CASE("a chat channel's message is in its own language and zone, whoever it mentions",
          "[storage][notification][zone]") {
    Db t;
    const auto wang = t.user("wang", "zh-CN", "Asia/Shanghai");
    const auto en_berlin = t.channel("en", "Europe/Berlin");
    const auto zh_default = t.channel("zh-CN", std::nullopt);
    t.db.write([&](Connection& c) {
        storage::enqueue_ticket_event(c, app::notice_settings("https://o.example.com", "UTC"),
                                      event({wang}, {"chat:" + std::to_string(en_berlin),
                                                     "chat:" + std::to_string(zh_default)}),
                                      *parse_rfc3339("2026-12-06T09:30:00Z"));
    });
    const auto chats = t.rows("chat");
    REQUIRE(chats.size() == 2);
    for (const auto& m : chats) {
        INFO(m.payload);
        if (m.chat_channel_id == en_berlin) {
            // The recipient reads Chinese; the channel's language wins.
            CHECK(
                has(m.payload, "Change window: 2026-12-06 19:00–21:00 (Europe/Berlin, UTC+01:00)"));
            CHECK(has(m.payload, "is waiting for you"));
            CHECK_FALSE(has(m.payload, "变更窗口"));
        } else {
            CHECK(m.chat_channel_id == zh_default);
            CHECK(has(m.payload, "变更窗口: 2026-12-06 18:00–20:00 (UTC, UTC+00:00)"));
            CHECK(has(m.payload, "环境: 生产环境 (prod)"));
        }
    }
}

TEST_CASE("the webhook body names the environment and the window in UTC",
          "[storage][notification][zone]") {
    Db t;
    t.db.write([&](Connection& c) {
        domain::WebhookSubscription w;
        w.url = "http://h/all";
        w.secret_enc = "ciphertext";
        storage::insert_webhook(c, w, 1);
        storage::enqueue_ticket_event(c,
                                      app::notice_settings("https://o.example.com", "Asia/Tokyo"),
                                      event({}, {"webhook"}), 1000);
    });
    const auto hooks = t.rows("webhook");
    REQUIRE(hooks.size() == 1);
    INFO(hooks[0].payload);
    CHECK(has(hooks[0].payload, R"("environment":{"key":"prod","name":"生产环境"})"));
    CHECK(has(hooks[0].payload,
              R"("window":{"start":"2026-12-06T18:00:00.000Z","end":"2026-12-06T20:00:00.000Z"})"));
}
