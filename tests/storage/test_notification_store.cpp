// The notification outbox on a real (temp-file) database with the real migrations: what an
// event enqueues, the claim/lease protocol, retries, the reminder scan, and the webhook rules
// of app/notifications.h.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "app/notifications.h"
#include "app/version_check.h"
#include "core/codes.h"
#include "domain/accounts.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "storage/notification_store.h"
#include "support/fake_ticket_ports.h"
#include "support/problem_code.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::Connection;

namespace {

struct Db {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "n.db"), 2};
    Db() { db.migrate(); }
    ~Db() { std::filesystem::remove_all(dir); }

    int64_t user(const std::string& name, std::optional<std::string> email, bool disabled = false) {
        return db.write([&](Connection& c) {
            domain::User u;
            u.username = name;
            u.email = email;
            u.disabled = disabled;
            u.created_at = u.updated_at = 1;
            return *storage::insert_user(c, u, "x");
        });
    }
    int64_t hook(const std::string& url, std::vector<std::string> events,
                 std::optional<int64_t> workflow_id, bool active = true) {
        return db.write([&](Connection& c) {
            domain::WebhookSubscription w;
            w.url = url;
            w.events = std::move(events);
            w.workflow_id = workflow_id;
            w.active = active;
            w.secret_enc = "ciphertext";
            return storage::insert_webhook(c, w, 1);
        });
    }
    std::vector<domain::Notification> all() {
        return db.read([](Connection& c) {
            storage::NotificationFilter f;
            f.limit = 1000;
            return storage::list_notifications(c, f);
        });
    }
};

storage::TicketEvent event(std::vector<int64_t> recipients) {
    storage::TicketEvent ev;
    ev.event = "node.waiting";
    ev.ticket_id = 42;
    ev.ticket_sn = "CHG-20261121-0001";
    ev.title = "环境变更申请";
    ev.status = "in_progress";
    ev.node_name = "变更审核";
    ev.actor = "ops1";
    ev.workflow_id = 7;
    ev.recipients = std::move(recipients);
    return ev;
}

const std::vector<std::string> kBoth = {"email", "webhook"};

}  // namespace

TEST_CASE("an event enqueues one email per addressed recipient and skips the others visibly",
          "[storage][notification]") {
    Db t;
    auto lead = t.user("lead", "lead@example.com");
    auto noaddr = t.user("noaddr", std::nullopt);
    auto gone = t.user("gone", "gone@example.com", /*disabled=*/true);
    t.db.write([&](Connection& c) {
        storage::enqueue_ticket_event(c, "https://o.example.com",
                                      event({lead, noaddr, lead, gone, 9999}), 1000);
    });
    auto rows = t.all();
    REQUIRE(rows.size() == 4);  // lead once, noaddr, gone, #9999
    std::set<std::string> ids;
    int pending = 0, skipped = 0;
    for (const auto& n : rows) {
        ids.insert(n.delivery_id);
        CHECK(n.channel == "email");
        CHECK(n.ticket_id == 42);
        CHECK(n.subject == "[Orderly] 待处理: 变更审核 · CHG-20261121-0001 环境变更申请");
        CHECK(n.body_text.find("https://o.example.com/tickets/42") != std::string::npos);
        if (n.status == "pending") {
            ++pending;
            CHECK(n.recipient == "lead@example.com");
            CHECK(n.next_attempt_at == 1000);
        } else {
            ++skipped;
            CHECK(n.status == "skipped");
            REQUIRE(n.skip_reason);
            CHECK(n.recipient.empty());
        }
    }
    CHECK(pending == 1);
    CHECK(skipped == 3);
    CHECK(ids.size() == 4);
    CHECK(ids.begin()->size() == 32);
    // Each reason in English and as a code with what its text names.
    std::set<std::string> reasons;
    for (const auto& n : rows)
        if (n.skip_reason)
            reasons.insert(*n.skip_reason + " | " + n.skip_reason_code + " " +
                           n.skip_reason_params);
    CHECK(
        reasons.count("user noaddr has no email address | notification.no_email_address "
                      R"({"username":"noaddr"})"));
    CHECK(reasons.count(R"(user gone is disabled | user.disabled {"username":"gone"})"));
    CHECK(
        reasons.count(R"(user #9999 does not exist | notification.user_missing {"user_id":9999})"));
}

TEST_CASE("webhooks: global and the workflow's, filtered by event, active only",
          "[storage][notification]") {
    Db t;
    auto global_all = t.hook("http://h/global", {}, std::nullopt);
    auto wf7 = t.hook("http://h/wf7", {"node.waiting"}, 7);
    t.hook("http://h/wf8", {}, 8);                                  // another workflow
    t.hook("http://h/rejects", {"ticket.rejected"}, std::nullopt);  // another event
    t.hook("http://h/inactive", {}, std::nullopt, false);
    t.db.write([&](Connection& c) {
        auto ev = event({});
        ev.channels = {"email"};  // webhook subscriptions are opt-ins of their own
        storage::enqueue_ticket_event(c, "https://o.example.com", ev, 1000);
    });
    auto rows = t.all();
    REQUIRE(rows.size() == 2);
    std::set<int64_t> hooks;
    for (const auto& n : rows) {
        CHECK(n.channel == "webhook");
        CHECK(n.status == "pending");
        hooks.insert(*n.webhook_id);
        CHECK(n.payload.find("\"delivery_id\":\"" + n.delivery_id + "\"") != std::string::npos);
        CHECK(n.payload.find("\"url\":\"https://o.example.com/tickets/42\"") != std::string::npos);
    }
    CHECK(hooks == std::set<int64_t>{global_all, wf7});
}

TEST_CASE("channels without email send no email", "[storage][notification]") {
    Db t;
    auto lead = t.user("lead", "lead@example.com");
    t.db.write([&](Connection& c) {
        auto ev = event({lead});
        ev.channels = {"webhook"};
        storage::enqueue_ticket_event(c, "https://o.example.com", ev, 1000);
    });
    CHECK(t.all().empty());
}

TEST_CASE("claims are exclusive, leases expire, and a stale claimer cannot mark",
          "[storage][notification]") {
    Db t;
    auto lead = t.user("lead", "lead@example.com");
    t.db.write([&](Connection& c) {
        for (int i = 0; i < 5; ++i)
            storage::enqueue_ticket_event(c, "https://o.example.com", event({lead}), 1000);
    });
    auto a = t.db.write(
        [&](Connection& c) { return storage::claim_due(c, "A", 1000, 60'000, 3, kBoth); });
    auto b = t.db.write(
        [&](Connection& c) { return storage::claim_due(c, "B", 1000, 60'000, 10, kBoth); });
    REQUIRE(a.size() == 3);
    REQUIRE(b.size() == 2);
    for (const auto& n : a) CHECK(n.attempts == 1);
    std::set<int64_t> ids;
    for (const auto& n : a) ids.insert(n.id);
    for (const auto& n : b) ids.insert(n.id);
    CHECK(ids.size() == 5);
    // Nothing is due now; the next due time is A's lease expiry.
    CHECK(t.db.write([&](Connection& c) {
                  return storage::claim_due(c, "C", 2000, 60'000, 10, kBoth);
              })
              .empty());
    CHECK(t.db.read([&](Connection& c) { return storage::next_due_at(c, kBoth); }) == 61'000);
    // Only email rows exist: a webhook-only claimer finds none.
    CHECK(t.db.read([&](Connection& c) { return storage::next_due_at(c, {"webhook"}); }) ==
          std::nullopt);

    // A dies; after its lease C takes its rows over (attempt 2) and A can no longer mark them.
    auto c_rows = t.db.write(
        [&](Connection& c) { return storage::claim_due(c, "C", 61'000, 60'000, 10, kBoth); });
    REQUIRE(c_rows.size() == 5);  // A's and B's leases both ran out
    CHECK(c_rows[0].attempts == 2);
    CHECK_FALSE(
        t.db.write([&](Connection& c) { return storage::mark_sent(c, a[0].id, "A", 61'500); }));
    CHECK(t.db.write([&](Connection& c) { return storage::mark_sent(c, a[0].id, "C", 61'500); }));
    CHECK(t.db.write([&](Connection& c) {
        return storage::mark_retry(c, a[1].id, "C", 61'500, 70'000,
                                   {"boom", codes::notification_webhook_status, {{"status", 503}}});
    }));
    CHECK(t.db.write([&](Connection& c) {
        return storage::mark_failed(
            c, a[2].id, "C", 61'500,
            {"refused", codes::notification_smtp_refused, {{"smtp_code", 550}}});
    }));
    t.db.write([&](Connection& c) { storage::release(c, b[0].id, "C", 61'500); });

    auto sent = t.db.read([&](Connection& c) { return *storage::find_notification(c, a[0].id); });
    CHECK(sent.status == "sent");
    CHECK(sent.sent_at == 61'500);
    auto retry = t.db.read([&](Connection& c) { return *storage::find_notification(c, a[1].id); });
    CHECK(retry.status == "pending");
    CHECK(retry.next_attempt_at == 70'000);
    CHECK(retry.last_error == "boom");
    CHECK(retry.last_error_code == "notification.webhook_status");
    CHECK(retry.last_error_params == R"({"status":503})");
    auto failed = t.db.read([&](Connection& c) { return *storage::find_notification(c, a[2].id); });
    CHECK(failed.status == "failed");
    CHECK(failed.last_error_code == "notification.smtp_refused");
    CHECK(failed.last_error_params == R"({"smtp_code":550})");
    CHECK(sent.last_error_code.empty());
    auto released =
        t.db.read([&](Connection& c) { return *storage::find_notification(c, b[0].id); });
    CHECK(released.status == "pending");
    CHECK(released.attempts == 1);  // the untried claim does not count
    // A sent row is never claimed again.
    auto later = t.db.write(
        [&](Connection& c) { return storage::claim_due(c, "D", 1'000'000, 60'000, 10, kBoth); });
    for (const auto& n : later) CHECK(n.id != a[0].id);
}

TEST_CASE("retry: failed rows, and skipped rows once the user has an address",
          "[storage][notification]") {
    Db t;
    auto noaddr = t.user("noaddr", std::nullopt);
    auto lead = t.user("lead", "lead@example.com");
    t.db.write([&](Connection& c) {
        storage::enqueue_ticket_event(c, "https://o.example.com", event({noaddr, lead}), 1000);
    });
    auto rows = t.all();
    const auto& skipped = rows[0].user_id == noaddr ? rows[0] : rows[1];
    const auto& pending = rows[0].user_id == noaddr ? rows[1] : rows[0];
    auto r =
        t.db.write([&](Connection& c) { return storage::retry_notification(c, skipped.id, 2000); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::conflict);
    CHECK(r.error().message.find("no email address") != std::string::npos);
    r = t.db.write([&](Connection& c) { return storage::retry_notification(c, pending.id, 2000); });
    CHECK_FALSE(r.ok());  // still queued
    r = t.db.write([&](Connection& c) { return storage::retry_notification(c, 99999, 2000); });
    CHECK(r.error().kind == ErrorKind::not_found);

    t.db.write([&](Connection& c) {
        auto u = *storage::find_user(c, noaddr);
        u.email = "noaddr@example.com";
        storage::update_user(c, u, 1500);
    });
    r = t.db.write([&](Connection& c) { return storage::retry_notification(c, skipped.id, 2000); });
    REQUIRE(r.ok());
    CHECK(r->status == "pending");
    CHECK(r->recipient == "noaddr@example.com");
    CHECK_FALSE(r->skip_reason);
    CHECK(r->skip_reason_code.empty());
    CHECK(r->queued_at == 2000);

    // A failed row goes back with a fresh window and attempt count.
    auto claimed = t.db.write(
        [&](Connection& c) { return storage::claim_due(c, "A", 3000, 60'000, 10, kBoth); });
    REQUIRE(claimed.size() == 2);
    t.db.write([&](Connection& c) {
        storage::mark_failed(c, claimed[0].id, "A", 3000,
                             {"550", codes::notification_smtp_refused, {{"smtp_code", 550}}});
    });
    r = t.db.write(
        [&](Connection& c) { return storage::retry_notification(c, claimed[0].id, 4000); });
    REQUIRE(r.ok());
    CHECK(r->attempts == 0);
    CHECK(r->next_attempt_at == 4000);
    CHECK(r->last_error == "550");  // what happened last time stays visible
    CHECK(r->last_error_code == "notification.smtp_refused");
}

TEST_CASE("a channel this process cannot send is explained, then failed after the window",
          "[storage][notification]") {
    Db t;
    auto lead = t.user("lead", "lead@example.com");
    t.db.write([&](Connection& c) {
        storage::enqueue_ticket_event(c, "https://o.example.com", event({lead}), 1000);
    });
    const TimeMs day = 24LL * 3600 * 1000;
    const Problem why{"email is not configured", codes::email_not_configured, {}};
    int failed = t.db.write(
        [&](Connection& c) { return storage::note_undeliverable(c, "email", why, 2000, day); });
    CHECK(failed == 0);
    auto n = t.all()[0];
    CHECK(n.status == "pending");
    CHECK(n.last_error == "email is not configured");
    CHECK(n.last_error_code == "email.not_configured");
    failed = t.db.write([&](Connection& c) {
        return storage::note_undeliverable(c, "email", why, 1000 + day, day);
    });
    CHECK(failed == 1);
    CHECK(t.all()[0].status == "failed");
    CHECK(t.all()[0].last_error_code == "email.not_configured");
}

TEST_CASE("app::Notifications: webhook URLs, events, versions and the generated secret",
          "[storage][app][notifications]") {
    Db d;
    crypto::init();
    const std::string key = crypto::load_or_create_key(d.dir + "/key");
    test::ManualClock clock(1'000'000);
    app::Notifications uses(d.db, clock);
    uses.connect({}, "http://orderly.test", key);
    app::Principal admin;
    admin.user_id = d.user("admin", std::nullopt);
    admin.username = "admin";
    admin.permissions = {"admin"};
    const app::Caller who{&admin};

    app::NewWebhook in;
    in.url = "http://hooks.test/orderly";
    in.events = {"ticket.rejected", "ticket.approved", "ticket.rejected"};
    auto created = uses.create_webhook(who, in);
    REQUIRE(created.generated_secret);
    CHECK(created.generated_secret->rfind("whsec_", 0) == 0);
    CHECK(crypto::decrypt(key, created.subscription.secret_enc) == *created.generated_secret);
    CHECK(created.subscription.events ==
          std::vector<std::string>{"ticket.approved", "ticket.rejected"});

    in.secret = "given";
    CHECK_FALSE(uses.create_webhook(who, in).generated_secret);
    in.events = {"ticket.exploded"};
    CHECK(test::code_of([&] { uses.create_webhook(who, in); }) == codes::event_unknown);
    in.url = "ftp://hooks.test/";
    CHECK(test::code_of([&] { uses.create_webhook(who, in); }) == codes::webhook_url_invalid);
    in = {};
    in.url = "http://hooks.test/";
    in.workflow_id = 999;
    CHECK(test::code_of([&] { uses.create_webhook(who, in); }) == codes::workflow_unknown);

    const int64_t id = created.subscription.id;
    app::WebhookChanges ch;
    ch.active = false;
    const int64_t v = created.subscription.version;
    CHECK(test::code_of([&] { uses.update_webhook(who, id, ch, v + 1); }) ==
          codes::request_version_conflict);
    auto after = uses.update_webhook(who, id, ch, v);
    CHECK_FALSE(after.active);
    CHECK(after.version == v + 1);
    CHECK(test::code_of([&] { uses.delete_webhook(who, id, v); }) ==
          codes::request_version_conflict);
    uses.delete_webhook(who, id, std::nullopt);
    CHECK(test::code_of([&] { uses.get_webhook(id); }) == codes::webhook_not_found);
    CHECK(test::code_of([&] { uses.retry(who, 12345); }) == codes::notification_not_found);
}

TEST_CASE("app::check_version: only a different version sent is a conflict", "[app]") {
    CHECK(test::code_of([] { app::check_version(std::optional<int64_t>(), 3, "x"); }).empty());
    CHECK(test::code_of([] { app::check_version(3, 3, "x"); }).empty());
    CHECK(test::code_of([] { app::check_version(2, 3, "x"); }) == codes::request_version_conflict);
}
