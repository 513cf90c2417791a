// The freeze checks other use cases call (app/freeze_calendar.h) on a real database, with a
// clock the test sets: planned changes against hard and soft freezes (half-open), the hard
// freeze in force at an instant across a daylight-saving change, and the calendar's range.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/freeze_calendar.h"
#include "domain/accounts.h"
#include "storage/accounts_store.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "support/fake_ticket_ports.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;

namespace {

TimeMs at(const char* rfc3339) {
    auto t = parse_rfc3339(rfc3339);
    REQUIRE(t);
    return *t;
}

std::string code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ErrorException& e) {
        return e.error.code;
    }
    return "no error";
}

struct Fixture {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "f.db"), 2};
    test::ManualClock clock{at("2026-03-01T00:00:00Z")};
    int wakes = 0;
    std::function<void()> wake = [this] { ++wakes; };
    app::FreezeCalendar freezes{db, clock, wake};
    app::Principal admin;
    app::Caller who{&admin, "127.0.0.1", "r1"};

    Fixture() {
        db.migrate();
        db.write([&](storage::Connection& c) {
            for (const char* key : {"PROD", "UAT"}) {
                domain::Category env{key, key, "", 0, 1, 0, 0, false};
                unwrap(storage::insert_category(c, storage::CategoryKind::environment, env,
                                                clock.now_ms()));
            }
            domain::User u;
            u.username = "freezer";
            u.created_at = u.updated_at = clock.now_ms();
            admin.user_id = *storage::insert_user(c, u, "x");
            admin.username = "freezer";
            admin.permissions = {"change.freeze"};
        });
    }
    ~Fixture() { std::filesystem::remove_all(dir); }

    domain::FreezeWindow one_off(const char* name, domain::FreezeKind kind, const char* start,
                                 const char* end, std::vector<std::string> envs) {
        domain::FreezeWindow w;
        w.name = name;
        w.kind = kind;
        w.start = at(start);
        if (end) w.end = at(end);
        w.environments = std::move(envs);
        return freezes.create(who, w);
    }
    // Every Friday 18:00 Berlin time, for 62 hours.
    domain::FreezeWindow weekend(std::vector<std::string> envs) {
        domain::FreezeWindow w;
        w.name = "Weekend";
        w.recurrence = domain::FreezeRecurrence{
            "DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY;BYDAY=FR", 62 * 3600, "Europe/Berlin"};
        w.environments = std::move(envs);
        return freezes.create(who, w);
    }
    std::optional<std::string> active_at(const char* instant, const char* env) {
        auto hit = freezes.active_hard_freeze(std::string(env), at(instant));
        if (!hit) return std::nullopt;
        return hit->window.name;
    }
};

}  // namespace

TEST_CASE("a planned change against hard and soft freezes", "[storage][freeze]") {
    Fixture f;
    f.one_off("Year end", domain::FreezeKind::hard, "2026-12-20T00:00:00Z", "2027-01-04T00:00:00Z",
              {"PROD"});
    f.one_off("Audit", domain::FreezeKind::soft, "2026-12-01T00:00:00Z", "2026-12-05T00:00:00Z",
              {});
    const std::optional<std::string> prod = "PROD", uat = "UAT";

    auto hit = f.freezes.check(prod, at("2026-12-19T22:00:00Z"), at("2026-12-20T02:00:00Z"));
    REQUIRE(hit.hard.size() == 1);
    CHECK(hit.hard[0].window.name == "Year end");
    CHECK(format_rfc3339(hit.hard[0].overlap.start) == "2026-12-20T00:00:00.000Z");
    CHECK(format_rfc3339(hit.hard[0].overlap.end) == "2026-12-20T02:00:00.000Z");
    CHECK(hit.soft.empty());
    // Ending exactly when the freeze starts, or starting when it ends, is clear.
    CHECK(
        f.freezes.check(prod, at("2026-12-19T22:00:00Z"), at("2026-12-20T00:00:00Z")).hard.empty());
    CHECK(
        f.freezes.check(prod, at("2027-01-04T00:00:00Z"), at("2027-01-04T01:00:00Z")).hard.empty());
    // Another environment; a soft freeze on every environment (and a change with none).
    CHECK(
        f.freezes.check(uat, at("2026-12-21T00:00:00Z"), at("2026-12-22T00:00:00Z")).hard.empty());
    auto soft = f.freezes.check(uat, at("2026-12-04T23:00:00Z"), at("2026-12-05T01:00:00Z"));
    REQUIRE(soft.soft.size() == 1);
    CHECK(soft.soft[0].window.name == "Audit");
    CHECK(f.freezes.check(std::nullopt, at("2026-12-02T00:00:00Z"), at("2026-12-03T00:00:00Z"))
              .soft.size() == 1);

    // What the submission path calls inside its transaction: 422 on the hard one.
    CHECK(code_of([&] {
              f.db.read([&](storage::Connection& c) {
                  (void)app::check_planned_change(c, prod, at("2026-12-31T00:00:00Z"),
                                                  at("2026-12-31T01:00:00Z"));
              });
          }) == "freeze.conflict");
    auto flags = f.db.read([&](storage::Connection& c) {
        return app::check_planned_change(c, prod, at("2026-12-02T00:00:00Z"),
                                         at("2026-12-02T01:00:00Z"));
    });
    CHECK(flags.size() == 1);
}

TEST_CASE("the hard freeze in force keeps local time across daylight saving", "[storage][freeze]") {
    Fixture f;
    f.weekend({"PROD"});
    // Berlin is UTC+1 until 2026-03-29, then UTC+2: Friday 18:00 is 17:00Z, then 16:00Z.
    CHECK_FALSE(f.active_at("2026-03-27T16:59:59Z", "PROD"));
    CHECK(f.active_at("2026-03-27T17:00:00Z", "PROD") == "Weekend");
    CHECK(f.active_at("2026-03-30T06:59:59Z", "PROD") == "Weekend");  // 62 h later
    CHECK_FALSE(f.active_at("2026-03-30T07:00:00Z", "PROD"));
    CHECK_FALSE(f.active_at("2026-04-03T15:59:59Z", "PROD"));
    CHECK(f.active_at("2026-04-03T16:00:00Z", "PROD") == "Weekend");
    CHECK_FALSE(f.active_at("2026-04-03T16:00:00Z", "UAT"));
    // What the execute path calls: 409 freeze.active.
    CHECK(code_of([&] {
              f.db.read([&](storage::Connection& c) {
                  app::require_no_active_hard_freeze(c, std::string("PROD"),
                                                     at("2026-04-04T12:00:00Z"));
              });
          }) == "freeze.active");
}

TEST_CASE("an open-ended lockdown holds until it is deleted", "[storage][freeze]") {
    Fixture f;
    auto w = f.one_off("Incident", domain::FreezeKind::hard, "2026-03-01T00:00:00Z", nullptr, {});
    CHECK(f.active_at("2030-01-01T00:00:00Z", "UAT") == "Incident");
    auto cal = f.freezes.calendar(f.who, at("2026-02-01T00:00:00Z"), at("2026-04-01T00:00:00Z"),
                                  std::nullopt);
    REQUIRE(cal.freezes.size() == 1);
    CHECK_FALSE(cal.freezes[0].end);
    const int before = f.wakes;
    f.freezes.remove(f.who, w.id, w.version);
    CHECK_FALSE(f.active_at("2030-01-01T00:00:00Z", "UAT"));
    // What it held is looked at again at once.
    CHECK(f.wakes == before + 1);
    CHECK(code_of([&] {
              (void)f.freezes.calendar(f.who, at("2026-01-01T00:00:00Z"),
                                       at("2027-01-03T00:00:00Z"), std::nullopt);
          }) == "calendar.range_invalid");
}
