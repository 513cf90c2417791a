// Change windows meet freeze windows: a window on a hard freeze is refused on submit and a soft
// one is shown on the ticket; a hard freeze made after scheduling holds the start (missed when
// the window passes, started when the freeze is lifted); an emergency passes a freeze, on execute
// and on retry alike; the calendar and its .ics list the planned tickets.
#include "api/test_catalog_support.h"
#include "api/test_tickets_support.h"
#include "core/time.h"

using namespace orderly;
using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

std::string at(TimeMs t) {
    return q(format_rfc3339(t));
}

TimeMs now_ms() {
    return SystemClock().now_ms();
}

// A task template without a workflow in an environment of its own; its submitter may also run
// emergencies.
struct Setup {
    Client a = admin();
    std::string role = make_role("frzops", {"ticket.submit", "change.emergency"});
    Client ops = make_user("frzops", {role});
    std::string env, purpose;
    int64_t template_id = 0;

    explicit Setup(const std::string& command = "/bin/echo frozen") {
        std::tie(env, purpose) = catalog::make_categories(a);
        auto t = catalog::create_template(
            a, env, purpose, command, R"(,"workflow_id":null,"submit_roles":[)" + q(role) + "]");
        REQUIRE(t.status == 201);
        template_id = t.num("id");
    }

    Reply submit(TimeMs start, TimeMs end, bool execute = true) {
        return ops.post("/api/v1/tickets", R"({"template_id":)" + std::to_string(template_id) +
                                               R"(,"title":"冻结期变更","planned_start":)" +
                                               at(start) + R"(,"planned_end":)" + at(end) +
                                               (execute ? R"(,"execute":true})" : "}"));
    }

    // A one-off freeze on this environment; end 0 = open-ended.
    int64_t freeze(const std::string& kind, TimeMs start, TimeMs end = 0) {
        auto r = a.post("/api/v1/freeze-windows",
                        R"({"name":")" + kind + R"( freeze","kind":")" + kind +
                            R"(","environments":[)" + q(env) + R"(],"start":)" + at(start) +
                            (end ? R"(,"end":)" + at(end) : std::string()) + "}");
        INFO(r.body);
        REQUIRE(r.status == 201);
        return r.num("id");
    }

    // The calendar's query for the two days around `start`, on this environment.
    std::string calendar_range(TimeMs start) const {
        const TimeMs day = 86'400'000;
        return "from=" + format_rfc3339(start - day) + "&to=" + format_rfc3339(start + day) +
               "&environment=" + env;
    }

    void lift(int64_t freeze_id) {
        REQUIRE(a.del("/api/v1/freeze-windows/" + std::to_string(freeze_id)).status == 204);
    }
};

bool has_step(const Reply& t, const std::string& action) {
    for (const auto& st : t.json["steps"].GetArray())
        if (st["action"].GetString() == action) return true;
    return false;
}

}  // namespace

TEST_CASE("a window on a hard freeze is refused, on a soft one it is shown to the approvers",
          "[api][windows][freezes]") {
    Setup s;
    const TimeMs day = 86'400'000;
    const TimeMs base = now_ms() + 10 * day;
    const int64_t hard = s.freeze("hard", base, base + day);
    auto refused = s.submit(base + 3600'000, base + 7200'000);
    INFO(refused.body);
    CHECK(refused.status == 422);
    CHECK(refused.str("code") == "freeze.conflict");
    CHECK(refused.json["params"]["freeze_id"].GetInt64() == hard);

    const int64_t soft = s.freeze("soft", base + 2 * day, base + 3 * day);
    auto flagged = s.submit(base + 2 * day + 3600'000, base + 2 * day + 7200'000, false);
    INFO(flagged.body);
    REQUIRE(flagged.status == 201);
    auto t = s.ops.get(path(flagged.num("id")));
    REQUIRE(t.json["freezes"].Size() == 1);
    CHECK(t.json["freezes"][0]["freeze_id"].GetInt64() == soft);
    CHECK(std::string(t.json["freezes"][0]["kind"].GetString()) == "soft");

    // Moving a window onto the hard freeze is refused as well.
    auto moved = s.ops.put(path(flagged.num("id"), "window"),
                           R"({"planned_start":)" + at(base + 3600'000) + R"(,"planned_end":)" +
                               at(base + 7200'000) + "}");
    CHECK(moved.status == 422);
    CHECK(moved.str("code") == "freeze.conflict");
    s.lift(hard);
    s.lift(soft);
}

TEST_CASE("a hard freeze holds a scheduled start until the window passes, or until lifted",
          "[api][windows][freezes]") {
    Setup s;
    const TimeMs start = now_ms() + 1500;
    auto short_window = s.submit(start, start + 2500);
    auto long_window = s.submit(start, start + 600'000);
    REQUIRE(short_window.status == 201);
    REQUIRE(long_window.status == 201);
    CHECK(status_of(short_window) == "scheduled");
    // The lockdown comes after both were scheduled.
    const int64_t lockdown = s.freeze("hard", now_ms());

    // Held through its whole window: missed, never run.
    auto missed = wait_for_status(s.ops, short_window.num("id"), "missed");
    INFO(missed.body);
    REQUIRE(status_of(missed) == "missed");
    CHECK(missed.json["executions"].Size() == 0);
    auto held = s.ops.get(path(long_window.num("id")));
    CHECK(status_of(held) == "scheduled");
    CHECK(held.json["executions"].Size() == 0);
    CHECK(held.json["freezes"].Size() == 1);

    // Lifting the lockdown releases the other at once: it starts, once.
    s.lift(lockdown);
    auto ran = wait_for_status(s.ops, long_window.num("id"), "finished");
    INFO(ran.body);
    REQUIRE(status_of(ran) == "finished");
    CHECK(ran.json["executions"].Size() == 1);
    CHECK(has_step(ran, "scheduled_start"));
}

TEST_CASE("an emergency run passes a hard freeze, a plain one is refused",
          "[api][windows][freezes]") {
    Setup s;
    const TimeMs start = now_ms() + 3600'000;
    auto created = s.submit(start, start + 3600'000);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    const int64_t lockdown = s.freeze("hard", now_ms());
    auto plain = s.ops.post(path(id, "execute"), "{}");
    CHECK(plain.status == 409);
    auto emergency =
        s.ops.post(path(id, "execute"), R"({"emergency":true,"reason":"线上故障，必须立即回滚"})");
    INFO(emergency.body);
    CHECK(emergency.status == 202);
    s.lift(lockdown);
}

TEST_CASE("a retry during a hard freeze is refused like an execution, an emergency passes",
          "[api][windows][freezes]") {
    Setup s("/bin/false");
    // Inside its window, so that only the freeze stands in the way.
    const TimeMs start = now_ms() - 1000;
    auto created = s.submit(start, start + 3600'000);
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    REQUIRE(status_of(wait_for_status(s.ops, id, "failed")) == "failed");
    const int64_t lockdown = s.freeze("hard", now_ms());
    auto plain = s.ops.post(path(id, "retry"), "{}");
    INFO(plain.body);
    CHECK(plain.status == 409);
    CHECK(plain.str("code") == "freeze.active");
    CHECK(s.ops.get(path(id)).json["executions"].Size() == 1);
    auto emergency =
        s.ops.post(path(id, "retry"), R"({"emergency":true,"reason":"回滚必须在冻结期内完成"})");
    INFO(emergency.body);
    CHECK(emergency.status == 202);
    auto after = s.ops.get(path(id));
    CHECK(after.json["executions"].Size() == 2);
    s.lift(lockdown);
}

TEST_CASE("the calendar and its .ics list the planned tickets", "[api][windows][calendar]") {
    Setup s;
    const TimeMs day = 86'400'000;
    const TimeMs start = now_ms() + 20 * day;
    auto created = s.submit(start, start + 3600'000, false);
    REQUIRE(created.status == 201);
    const std::string range = s.calendar_range(start);
    auto cal = s.ops.get("/api/v1/calendar?" + range);
    INFO(cal.body);
    REQUIRE(cal.status == 200);
    REQUIRE(cal.json["tickets"].Size() == 1);
    const auto& t = cal.json["tickets"][0];
    CHECK(t["id"].GetInt64() == created.num("id"));
    CHECK(std::string(t["status"].GetString()) == status_of(created));
    CHECK(std::string(t["start"].GetString()) == format_rfc3339(start));
    auto ics = s.ops.get("/api/v1/calendar.ics?" + range);
    REQUIRE(ics.status == 200);
    CHECK(ics.body.find(created.str("sn")) != std::string::npos);
    // Another environment's calendar does not show it.
    auto other = s.ops.get("/api/v1/calendar?from=" + format_rfc3339(start - day) +
                           "&to=" + format_rfc3339(start + day) + "&environment=no-such-env");
    CHECK(other.json["tickets"].Size() == 0);
}

TEST_CASE("the calendar shows everyone a window, but what the ticket is only to its readers",
          "[api][windows][calendar]") {
    Setup s;
    const TimeMs start = now_ms() + 30 * 86'400'000LL;
    auto created = s.submit(start, start + 3600'000, false);
    REQUIRE(created.status == 201);
    const std::string range = s.calendar_range(start);
    Client stranger = make_user("calview", {});

    auto seen = stranger.get("/api/v1/calendar?" + range);
    INFO(seen.body);
    REQUIRE(seen.status == 200);
    REQUIRE(seen.json["tickets"].Size() == 1);
    const auto& block = seen.json["tickets"][0];
    CHECK(block["restricted"].GetBool());
    CHECK(block["id"].IsNull());
    CHECK(block["sn"].IsNull());
    CHECK(block["title"].IsNull());
    CHECK(std::string(block["environment"].GetString()) == s.env);
    CHECK(std::string(block["status"].GetString()) == status_of(created));
    CHECK(std::string(block["start"].GetString()) == format_rfc3339(start));
    CHECK(seen.body.find("冻结期变更") == std::string::npos);
    auto ics = stranger.get("/api/v1/calendar.ics?" + range);
    REQUIRE(ics.status == 200);
    CHECK(ics.body.find("Planned change (restricted)") != std::string::npos);
    CHECK(ics.body.find(created.str("sn")) == std::string::npos);
    CHECK(ics.body.find("ticket-" + std::to_string(created.num("id"))) == std::string::npos);
    // Nor is the ticket itself readable to them: the calendar gives away no more than that.
    CHECK(stranger.get(path(created.num("id"))).status == 404);

    // The submitter and an administrator see which ticket it is.
    for (Client* reader : {&s.ops, &s.a}) {
        auto cal = reader->get("/api/v1/calendar?" + range);
        REQUIRE(cal.json["tickets"].Size() == 1);
        const auto& t = cal.json["tickets"][0];
        CHECK_FALSE(t["restricted"].GetBool());
        CHECK(t["id"].GetInt64() == created.num("id"));
        CHECK(std::string(t["title"].GetString()) == "冻结期变更");
        auto file = reader->get("/api/v1/calendar.ics?" + range);
        CHECK(file.body.find(created.str("sn")) != std::string::npos);
    }
}
