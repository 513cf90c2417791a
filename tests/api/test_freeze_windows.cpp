// Freeze windows and the change calendar over the API: managing windows (change.freeze, read by
// anyone signed in, audited, holding on to the environments they name), the 422s of bad windows,
// the calendar as JSON and as iCalendar (read back with libical's parser), and a hard freeze
// stopping a manual execution until it is deleted.
#include <libical/ical.h>

#include <set>

#include "api/test_catalog_support.h"
#include "api/test_spec_support.h"
#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

const char* kFreezes = "/api/v1/freeze-windows";

std::string freeze_path(int64_t id) {
    return std::string(kFreezes) + "/" + std::to_string(id);
}

// RFC 3339 of now + offset.
std::string in(orderly::TimeMs offset_ms) {
    return orderly::format_rfc3339(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count() +
                                   offset_ms);
}
constexpr orderly::TimeMs kHour = 3600 * 1000;

struct Setup {
    Client a = admin();
    std::string freezer_role = make_role("freezer", {"change.freeze"});
    std::string ops_role = make_role("ops", {"ticket.submit"});
    Client freezer = make_user("freezer", {freezer_role});
    Client ops = make_user("ops", {ops_role});
    std::string env, purpose;
    Setup() { std::tie(env, purpose) = catalog::make_categories(a); }

    Reply create(const std::string& body) { return freezer.post(kFreezes, body); }
    int64_t created(const std::string& body) {
        auto r = create(body);
        INFO(r.body);
        REQUIRE(r.status == 201);
        return r.num("id");
    }
};

std::set<int64_t> ids_in(const orderly::json::Value& arr, const char* member) {
    std::set<int64_t> out;
    for (const auto& v : arr.GetArray()) out.insert(v[member].GetInt64());
    return out;
}

}  // namespace

TEST_CASE("freeze windows: managed with change.freeze, read by anyone, audited", "[api][freeze]") {
    Setup s;
    const std::string body = R"({"name":"Release weekend","reason":"Quarter end","kind":"hard",)"
                             R"("environments":[)" +
                             q(s.env) +
                             R"(],"start":"2026-06-26T10:00:00Z","end":"2026-06-29T00:00:00Z"})";
    auto denied = s.ops.post(kFreezes, body);
    CHECK(denied.status == 403);
    CHECK(s.ops.get(kFreezes).json["items"].Size() == 0);  // nothing was created

    auto r = s.create(body);
    INFO(r.body);
    REQUIRE(r.status == 201);
    const int64_t id = r.num("id");
    CHECK(r.str("name") == "Release weekend");
    CHECK(r.str("kind") == "hard");
    CHECK(strings_at(r.json["environments"]) == std::vector<std::string>{s.env});
    CHECK(r.str("start") == "2026-06-26T10:00:00.000Z");
    CHECK(r.str("end") == "2026-06-29T00:00:00.000Z");
    CHECK(r.json["rrule"].IsNull());

    // Submitters see it.
    auto list = s.ops.get(kFreezes);
    REQUIRE(list.status == 200);
    CHECK(ids_in(list.json["items"], "id") == std::set<int64_t>{id});
    auto one = s.ops.get(freeze_path(id));
    CHECK(one.status == 200);
    CHECK(one.header("ETag") == "\"1\"");

    // The environment it names cannot be deleted under it.
    auto env_del = s.a.del("/api/v1/environments/" + s.env);
    CHECK(env_del.status == 409);
    CHECK(code_of(env_del) == "environment.has_freezes");
    CHECK(env_del.json["params"]["names"].GetString() ==
          "\"Release weekend\" (id " + std::to_string(id) + ")");

    // Replaced by PUT: a recurrence instead of the one-off window, for every environment.
    const std::string weekly =
        R"({"name":"Weekend freeze","kind":"soft","rrule":"DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY;BYDAY=FR",)"
        R"("duration_s":223200,"timezone":"Asia/Shanghai"})";
    CHECK(s.ops.put(freeze_path(id), weekly).status == 403);
    CHECK(code_of(s.freezer.put(freeze_path(id), weekly, {{"If-Match", "\"7\""}})) ==
          "request.version_conflict");
    auto put = s.freezer.put(freeze_path(id), weekly, {{"If-Match", "\"1\""}});
    INFO(put.body);
    REQUIRE(put.status == 200);
    CHECK(put.num("version") == 2);
    CHECK(put.str("kind") == "soft");
    CHECK(put.json["environments"].Size() == 0);
    CHECK(put.json["start"].IsNull());
    CHECK(put.str("timezone") == "Asia/Shanghai");
    CHECK(put.num("duration_s") == 223200);

    CHECK(s.ops.del(freeze_path(id)).status == 403);
    CHECK(s.freezer.del(freeze_path(id)).status == 204);
    CHECK(code_of(s.ops.get(freeze_path(id))) == "freeze.not_found");
    CHECK(s.a.del("/api/v1/environments/" + s.env).status == 204);

    auto audit = s.a.get("/api/v1/audit-events?object_type=freeze&object_id=" + std::to_string(id));
    INFO(audit.body);
    REQUIRE(audit.status == 200);
    std::set<std::string> actions;
    for (const auto& e : audit.json["items"].GetArray()) actions.insert(e["action"].GetString());
    CHECK(actions == std::set<std::string>{"freeze.create", "freeze.update", "freeze.delete"});
}

TEST_CASE("bad freeze windows are refused with stable codes", "[api][freeze]") {
    Setup s;
    auto code = [&](const std::string& members) {
        auto r = s.create(R"({"name":"x","kind":"hard",)" + members + "}");
        CHECK(r.status == 422);
        return code_of(r);
    };
    const std::string rule = R"("rrule":"DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY",)";
    CHECK(code(rule + R"("duration_s":3600,"timezone":"Mars/Olympus_Mons")") ==
          "freeze.timezone_unknown");
    CHECK(code(rule + R"("duration_s":3600)") == "freeze.timezone_unknown");
    CHECK(code(R"("rrule":"RRULE:FREQ=FORTNIGHTLY","duration_s":3600,"timezone":"UTC")") ==
          "freeze.rrule_invalid");
    CHECK(code(R"("rrule":"every friday","duration_s":3600,"timezone":"UTC")") ==
          "freeze.rrule_invalid");
    CHECK(code(rule + R"("timezone":"UTC")") == "freeze.window_invalid");  // no duration
    CHECK(code(rule + R"("duration_s":3600,"timezone":"UTC","start":"2026-01-01T00:00:00Z")") ==
          "freeze.window_invalid");
    CHECK(code(R"("start":"2026-01-02T00:00:00Z","end":"2026-01-01T00:00:00Z")") ==
          "freeze.window_invalid");
    CHECK(code(R"("end":"2026-01-01T00:00:00Z")") == "freeze.window_invalid");
    CHECK(code(R"("start":"2026-01-01T00:00:00Z","environments":["NO_SUCH_ENV_X"])") ==
          "environment.unknown");
    // The schema's checks: an unknown kind, a malformed time.
    CHECK(s.create(R"({"name":"x","kind":"frozen","start":"2026-01-01T00:00:00Z"})").status == 400);
    CHECK(s.create(R"({"name":"x","kind":"hard","start":"tomorrow"})").status == 400);
    CHECK(s.ops.get(kFreezes).json["items"].Size() == 0);
}

TEST_CASE("the change calendar as JSON and as iCalendar", "[api][freeze]") {
    Setup s;
    // Every Friday 18:00 in Shanghai for 62 hours, on this environment; a one-off soft freeze
    // on every environment; a freeze on another environment.
    const int64_t weekly = s.created(
        R"({"name":"Weekend freeze","kind":"hard","environments":[)" + q(s.env) +
        R"(],"rrule":"DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY;BYDAY=FR","duration_s":223200,)"
        R"("timezone":"Asia/Shanghai"})");
    const int64_t once =
        s.created(R"({"name":"Audit week","kind":"soft","reason":"Auditors on site",)"
                  R"("start":"2026-01-12T00:00:00Z","end":"2026-01-17T00:00:00Z"})");
    auto [other_env, other_purpose] = catalog::make_categories(s.a);
    (void)other_purpose;
    const int64_t elsewhere = s.created(R"({"name":"Other","kind":"hard","environments":[)" +
                                        q(other_env) + R"(],"start":"2026-01-10T00:00:00Z"})");

    const std::string range =
        "from=2026-01-01T00:00:00Z&to=2026-01-20T00:00:00Z&environment=" + s.env;
    auto cal = s.ops.get("/api/v1/calendar?" + range);
    INFO(cal.body);
    REQUIRE(cal.status == 200);
    CHECK(cal.json["tickets"].Size() == 0);
    std::vector<std::string> starts;
    std::set<int64_t> windows;
    for (const auto& f : cal.json["freezes"].GetArray()) {
        const int64_t id = f["freeze_id"].GetInt64();
        windows.insert(id);
        if (id != weekly && id != once) continue;
        starts.push_back(std::to_string(id) + " " + f["start"].GetString() + " " +
                         f["end"].GetString());
    }
    CHECK(starts ==
          std::vector<std::string>{
              std::to_string(weekly) + " 2026-01-02T10:00:00.000Z 2026-01-05T00:00:00.000Z",
              std::to_string(weekly) + " 2026-01-09T10:00:00.000Z 2026-01-12T00:00:00.000Z",
              std::to_string(once) + " 2026-01-12T00:00:00.000Z 2026-01-17T00:00:00.000Z",
              std::to_string(weekly) + " 2026-01-16T10:00:00.000Z 2026-01-19T00:00:00.000Z"});
    CHECK(windows.count(elsewhere) == 0);
    // Without the environment, the other one's open-ended freeze shows, without an end.
    auto all = s.ops.get("/api/v1/calendar?from=2026-01-01T00:00:00Z&to=2026-01-20T00:00:00Z");
    bool open_ended = false;
    for (const auto& f : all.json["freezes"].GetArray())
        if (f["freeze_id"].GetInt64() == elsewhere) open_ended = f["end"].IsNull();
    CHECK(open_ended);

    auto ics = s.ops.get("/api/v1/calendar.ics?" + range);
    REQUIRE(ics.status == 200);
    CHECK(ics.header("Content-Type").rfind("text/calendar", 0) == 0);
    icalcomponent* parsed = icalparser_parse_string(ics.body.c_str());
    REQUIRE(parsed);
    std::vector<std::string> ics_starts;
    std::set<std::string> uids;
    for (icalcomponent* ev = icalcomponent_get_first_component(parsed, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(parsed, ICAL_VEVENT_COMPONENT)) {
        const std::string summary = icalcomponent_get_summary(ev);
        uids.insert(icalcomponent_get_uid(ev));
        if (summary != "Hard freeze: Weekend freeze" && summary != "Soft freeze: Audit week")
            continue;
        const int64_t id = summary == "Soft freeze: Audit week" ? once : weekly;
        ics_starts.push_back(
            std::to_string(id) + " " +
            orderly::format_rfc3339(icaltime_as_timet(icalcomponent_get_dtstart(ev)) * 1000) + " " +
            orderly::format_rfc3339(icaltime_as_timet(icalcomponent_get_dtend(ev)) * 1000));
    }
    icalcomponent_free(parsed);
    CHECK(ics_starts == starts);
    CHECK(uids.size() == cal.json["freezes"].Size());  // one UID per occurrence

    // The range is bounded.
    auto code = [&](const std::string& q) { return code_of(s.ops.get("/api/v1/calendar?" + q)); };
    CHECK(code("from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z") == "calendar.range_invalid");
    CHECK(code("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z") == "calendar.range_invalid");
    CHECK(s.ops.get("/api/v1/calendar.ics?from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z")
              .status == 422);
    CHECK(s.ops.get("/api/v1/calendar?from=2026-01-01T00:00:00Z").status == 400);
}

TEST_CASE("a hard freeze stops a manual execution until it is deleted", "[api][freeze]") {
    Setup s;
    auto t =
        catalog::create_template(s.a, s.env, s.purpose, "/bin/echo deploy",
                                 R"(,"workflow_id":null,"submit_roles":[)" + q(s.ops_role) + "]");
    INFO(t.body);
    REQUIRE(t.status == 201);
    const std::string submit =
        R"({"template_id":)" + std::to_string(t.num("id")) + R"(,"title":"Deploy","execute":true})";

    // A soft freeze lets changes through; a hard one on another environment does not matter.
    s.created(R"({"name":"Careful","kind":"soft","start":)" + q(in(-kHour)) + "}");
    auto [other_env, other_purpose] = catalog::make_categories(s.a);
    (void)other_purpose;
    s.created(R"({"name":"Elsewhere","kind":"hard","environments":[)" + q(other_env) +
              R"(],"start":)" + q(in(-kHour)) + "}");
    auto ran = s.ops.post("/api/v1/tickets", submit);
    INFO(ran.body);
    REQUIRE(ran.status == 201);
    CHECK(status_of(wait_for_status(s.ops, ran.num("id"), "finished")) == "finished");

    // A hard freeze on this environment, in force now until an hour from now.
    const int64_t freeze =
        s.created(R"({"name":"Incident lockdown","kind":"hard","environments":[)" + q(s.env) +
                  R"(],"start":)" + q(in(-kHour)) + R"(,"end":)" + q(in(kHour)) + "}");
    auto refused = s.ops.post("/api/v1/tickets", submit);
    CHECK(refused.status == 409);
    CHECK(code_of(refused) == "freeze.active");
    CHECK(refused.json["params"]["freeze"].GetString() == std::string("Incident lockdown"));
    CHECK(refused.json["params"]["freeze_id"].GetInt64() == freeze);

    // A ticket submitted without executing waits; executing it is refused while frozen.
    auto waiting =
        s.ops.post("/api/v1/tickets",
                   R"({"template_id":)" + std::to_string(t.num("id")) + R"(,"title":"Later"})");
    INFO(waiting.body);
    REQUIRE(waiting.status == 201);
    const int64_t id = waiting.num("id");
    auto blocked = s.ops.post(path(id, "execute"), "{}");
    CHECK(blocked.status == 409);
    CHECK(code_of(blocked) == "freeze.active");
    auto still = s.ops.get(path(id));
    CHECK(still.json["executions"].Size() == 0);

    // Deleting the freeze releases the environment at once.
    REQUIRE(s.freezer.del(freeze_path(freeze)).status == 204);
    auto run = s.ops.post(path(id, "execute"), "{}");
    INFO(run.body);
    CHECK(run.status == 202);
    CHECK(status_of(wait_for_status(s.ops, id, "finished")) == "finished");
}
