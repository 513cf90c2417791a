// Change windows over the API: a ticket whose window has yet to open is scheduled and started
// by the server at the window's start, once; executing before it is refused unless it is an
// audited emergency, and so is executing or retrying once it has closed; a window that passes
// without a start makes the ticket missed; tickets whose windows overlap on one environment list
// each other as conflicts.
#include "api/test_catalog_support.h"
#include "api/test_spec_support.h"
#include "api/test_tickets_support.h"
#include "app/window_scheduler.h"
#include "core/time.h"

using namespace orderly;
using namespace orderly::test;
using namespace orderly::test::tickets;
using namespace std::chrono_literals;

namespace {

std::string at(TimeMs t) {
    return q(format_rfc3339(t));
}

TimeMs now_ms() {
    return SystemClock().now_ms();
}

std::string window(TimeMs start, TimeMs end) {
    return R"(,"planned_start":)" + at(start) + R"(,"planned_end":)" + at(end);
}

// A task template without a workflow (it runs on submit) in an environment of its own, open to
// a role holding ticket.submit and, for `emergency`, change.emergency.
struct WindowSetup {
    Client a = admin();
    std::string role;
    std::string name;
    Client submitter;
    std::string env, purpose;
    int64_t template_id = 0;

    explicit WindowSetup(bool emergency = false,
                         const std::string& command = "/bin/echo in the window")
        : role(make_role("winops",
                         emergency ? std::vector<std::string>{"ticket.submit", "change.emergency"}
                                   : std::vector<std::string>{"ticket.submit"})),
          submitter(make_user("winops", {role}, &name)) {
        std::tie(env, purpose) = catalog::make_categories(a);
        auto t = catalog::create_template(
            a, env, purpose, command, R"(,"workflow_id":null,"submit_roles":[)" + q(role) + "]");
        INFO(t.body);
        REQUIRE(t.status == 201);
        template_id = t.num("id");
    }

    Reply submit(const std::string& extra) {
        return submitter.post("/api/v1/tickets", R"({"template_id":)" +
                                                     std::to_string(template_id) +
                                                     R"(,"title":"in a window")" + extra + "}");
    }
};

std::vector<std::string> step_actions(const Reply& r) {
    std::vector<std::string> out;
    for (const auto& st : r.json["steps"].GetArray()) out.emplace_back(st["action"].GetString());
    return out;
}

const json::Value* step(const Reply& r, const std::string& action) {
    for (const auto& st : r.json["steps"].GetArray())
        if (st["action"].GetString() == action) return &st;
    return nullptr;
}

// The audit event `action` about ticket `id`, or an empty reply when there is none.
std::optional<std::string> audit_summary(Client& a, const std::string& action, int64_t id) {
    static const auto actions = spec_enum("AuditAction");
    CHECK(actions.count(action) == 1);  // the spec lists it (and the web UI translates it)
    auto audit = a.get("/api/v1/audit-events?action=" + action + "&limit=200");
    REQUIRE(audit.status == 200);
    for (const auto& e : audit.json["items"].GetArray())
        if (e["object_id"].GetString() == std::to_string(id)) return e["summary"].GetString();
    return std::nullopt;
}

}  // namespace

TEST_CASE("a window a few seconds ahead: scheduled, refused early, then started once by itself",
          "[api][tickets][windows]") {
    WindowSetup s;
    const TimeMs start = now_ms() + 2500;
    auto created = s.submit(window(start, start + 3600'000) + R"(,"execute":true)");
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    CHECK(status_of(created) == "scheduled");
    CHECK(created.str("planned_start") == format_rfc3339(start));
    CHECK(created.json["executions"].Size() == 0);
    // Before the window an ordinary execute would be refused, so it is not offered.
    CHECK_FALSE(has(strings_at(created.json["allowed_actions"]), "execute"));

    // Before the window: refused, nothing runs.
    auto early = s.submitter.post(path(id, "execute"), "{}");
    CHECK(early.status == 409);
    CHECK(early.str("code") == "window.not_open");
    // Not an emergency without the permission.
    auto denied =
        s.submitter.post(path(id, "execute"), R"({"emergency":true,"reason":"it is urgent"})");
    CHECK(denied.status == 403);
    CHECK(denied.str("code") == "window.emergency_denied");

    // The listing shows the window and the status filter takes the new status.
    auto listed = s.submitter.get("/api/v1/tickets?view=mine&status=scheduled&template_id=" +
                                  std::to_string(s.template_id));
    REQUIRE(listed.status == 200);
    REQUIRE(listed.json["items"].Size() == 1);
    CHECK(listed.json["items"][0]["planned_start"].GetString() == format_rfc3339(start));

    auto done = wait_for_status(s.submitter, id, "finished");
    INFO(done.body);
    REQUIRE(status_of(done) == "finished");
    CHECK(done.json["executions"].Size() == 1);
    CHECK(done.json["executions"][0]["executed_by"].GetString() == s.name);
    const auto actions = step_actions(done);
    CHECK(std::count(actions.begin(), actions.end(), "scheduled_start") == 1);
    const json::Value* started = step(done, "scheduled_start");
    REQUIRE(started);
    CHECK((*started)["actor"].IsNull());
    CHECK((*started)["detail"]["on_behalf_of"].GetString() == s.name);
    CHECK(parse_rfc3339((*started)["at"].GetString()).value_or(0) >= start);
}

TEST_CASE("an emergency execution before the window needs the permission and a reason",
          "[api][tickets][windows]") {
    WindowSetup s(true);
    const TimeMs start = now_ms() + 3600'000;
    auto created = s.submit(window(start, start + 3600'000));
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    CHECK(status_of(created) == "scheduled");

    CHECK(s.submitter.post(path(id, "execute"), "{}").str("code") == "window.not_open");
    auto no_reason = s.submitter.post(path(id, "execute"), R"({"emergency":true,"reason":" "})");
    CHECK(no_reason.status == 422);
    auto run = s.submitter.post(path(id, "execute"),
                                R"({"emergency":true,"reason":"the disk fills up now"})");
    INFO(run.body);
    REQUIRE(run.status == 202);
    auto done = wait_for_status(s.submitter, id, "finished");
    REQUIRE(status_of(done) == "finished");
    CHECK(done.json["executions"].Size() == 1);
    const json::Value* ex = step(done, "execute");
    REQUIRE(ex);
    CHECK((*ex)["detail"]["emergency"].GetBool());
    CHECK((*ex)["detail"]["reason"].GetString() == std::string("the disk fills up now"));
    CHECK((*ex)["comment"].GetString() == std::string("emergency: the disk fills up now"));

    auto audited = audit_summary(s.a, "ticket.emergency_execute", id);
    REQUIRE(audited);
    CHECK(audited->find("the disk fills up now") != std::string::npos);
}

TEST_CASE("a ticket whose window has closed is not executed by hand, unless as an emergency",
          "[api][tickets][windows]") {
    // The window scheduler is stopped, as when it has yet to come round to marking the ticket
    // missed: the refusal must not depend on it. Started again after, for the other cases.
    server().windows().stop();
    struct Restart {
        ~Restart() { server().windows().start(); }
    } restart;
    WindowSetup s(true);
    const TimeMs start = now_ms() - 7200'000;
    const TimeMs end = start + 3600'000;
    // Submitting and executing at once is refused as well, and creates nothing.
    auto at_once = s.submit(window(start, end) + R"(,"execute":true)");
    CHECK(at_once.status == 409);
    CHECK(at_once.str("code") == "window.closed");

    auto created = s.submit(window(start, end));
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    CHECK(status_of(created) == "approved");
    CHECK_FALSE(has(strings_at(created.json["allowed_actions"]), "execute"));
    auto late = s.submitter.post(path(id, "execute"), "{}");
    INFO(late.body);
    CHECK(late.status == 409);
    CHECK(late.str("code") == "window.closed");
    CHECK(late.json["params"]["planned_end"].GetString() == format_rfc3339(end));
    auto unchanged = s.submitter.get(path(id));
    CHECK(status_of(unchanged) == "approved");
    CHECK(unchanged.json["executions"].Size() == 0);

    auto run = s.submitter.post(path(id, "execute"),
                                R"({"emergency":true,"reason":"the fix cannot wait a week"})");
    INFO(run.body);
    REQUIRE(run.status == 202);
    auto done = wait_for_status(s.submitter, id, "finished");
    REQUIRE(status_of(done) == "finished");
    const json::Value* ex = step(done, "execute");
    REQUIRE(ex);
    CHECK((*ex)["detail"]["emergency"].GetBool());
    auto audited = audit_summary(s.a, "ticket.emergency_execute", id);
    REQUIRE(audited);
    CHECK(audited->find("the fix cannot wait a week") != std::string::npos);
}

TEST_CASE("a failed ticket is retried inside its window only, unless as an emergency",
          "[api][tickets][windows]") {
    WindowSetup s(true, "/bin/false");
    const TimeMs start = now_ms() - 1000;
    const TimeMs end = now_ms() + 1500;
    auto created = s.submit(window(start, end) + R"(,"execute":true)");
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    auto failed = wait_for_status(s.submitter, id, "failed");
    REQUIRE(status_of(failed) == "failed");
    if (now_ms() < end) CHECK(has(strings_at(failed.json["allowed_actions"]), "retry"));
    REQUIRE(wait_until([&] { return now_ms() >= end; }));
    // After the window an ordinary retry would be refused, so it is not offered.
    CHECK_FALSE(has(strings_at(s.submitter.get(path(id)).json["allowed_actions"]), "retry"));

    auto late = s.submitter.post(path(id, "retry"), "{}");
    INFO(late.body);
    CHECK(late.status == 409);
    CHECK(late.str("code") == "window.closed");
    CHECK(late.json["params"]["planned_end"].GetString() == format_rfc3339(end));
    CHECK(s.submitter.get(path(id)).json["executions"].Size() == 1);
    auto no_reason = s.submitter.post(path(id, "retry"), R"({"emergency":true,"reason":""})");
    CHECK(no_reason.status == 422);

    auto again = s.submitter.post(path(id, "retry"),
                                  R"({"emergency":true,"reason":"the rollback must finish"})");
    INFO(again.body);
    REQUIRE(again.status == 202);
    auto done = wait_until([&] {
        auto t = s.submitter.get(path(id));
        return status_of(t) == "failed" && t.json["executions"].Size() == 2;
    });
    CHECK(done);
    auto audited = audit_summary(s.a, "ticket.emergency_retry", id);
    REQUIRE(audited);
    CHECK(audited->find("the rollback must finish") != std::string::npos);
}

TEST_CASE("a window that passed without a start makes the ticket missed, and tells the submitter",
          "[api][tickets][windows]") {
    WindowSetup s;
    const TimeMs start = now_ms() - 7200'000;
    auto created = s.submit(window(start, start + 3600'000));
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    auto missed = wait_for_status(s.submitter, id, "missed");
    INFO(missed.body);
    REQUIRE(status_of(missed) == "missed");
    CHECK(missed.json["executions"].Size() == 0);
    CHECK(missed.json["current_nodes"].Size() == 0);
    CHECK(step(missed, "missed"));
    CHECK_FALSE(missed.json["finished_at"].IsNull());
    CHECK(s.submitter.post(path(id, "execute"), "{}").status == 409);
    auto notes =
        s.a.get("/api/v1/notifications?event=ticket.missed&ticket_id=" + std::to_string(id));
    INFO(notes.body);
    REQUIRE(notes.status == 200);
    CHECK(notes.json["items"].Size() >= 1);

    // The submitter's inbox says so, with the ticket's environment and window.
    auto inbox = s.submitter.get("/api/v1/me/inbox");
    INFO(inbox.body);
    REQUIRE(inbox.status == 200);
    const json::Value* item = nullptr;
    for (const auto& it : inbox.json["items"].GetArray())
        if (it["ticket_id"].GetInt64() == id &&
            it["event"].GetString() == std::string("ticket.missed"))
            item = &it;
    REQUIRE(item);
    CHECK((*item)["environment"].GetString() == s.env);
    CHECK((*item)["planned_start"].GetString() == format_rfc3339(start));
    CHECK((*item)["planned_end"].GetString() == format_rfc3339(start + 3600'000));
}

TEST_CASE("a window must end after it starts, and comes in pairs", "[api][tickets][windows]") {
    WindowSetup s;
    const TimeMs t = now_ms() + 3600'000;
    auto backwards = s.submit(window(t, t));
    CHECK(backwards.status == 422);
    CHECK(backwards.json["errors"][0]["code"].GetString() ==
          std::string("window.end_before_start"));
    auto half = s.submit(R"(,"planned_start":)" + at(t));
    CHECK(half.status == 422);
    CHECK(half.json["errors"][0]["code"].GetString() == std::string("window.incomplete"));
    CHECK(s.submit(R"(,"planned_start":"tomorrow","planned_end":null)").status == 400);
}

TEST_CASE("overlapping windows on one environment conflict", "[api][tickets][windows]") {
    WindowSetup s;
    const TimeMs t = now_ms() + 7200'000;
    auto first = s.submit(window(t, t + 3600'000));
    auto second = s.submit(window(t + 1800'000, t + 5400'000));
    auto apart = s.submit(window(t + 3600'000, t + 4000'000 + 3600'000));  // touches the first
    REQUIRE(first.status == 201);
    REQUIRE(second.status == 201);
    REQUIRE(apart.status == 201);
    const int64_t a = first.num("id"), b = second.num("id"), c = apart.num("id");
    auto one = s.submitter.get(path(a));
    REQUIRE(one.json["conflicts"].Size() == 1);
    CHECK(one.json["conflicts"][0]["id"].GetInt64() == b);
    CHECK(one.json["conflicts"][0]["status"].GetString() == std::string("scheduled"));
    auto two = s.submitter.get(path(b));
    REQUIRE(two.json["conflicts"].Size() == 2);  // the first, and the one after it
    CHECK(two.json["conflicts"][0]["id"].GetInt64() == a);
    CHECK(two.json["conflicts"][1]["id"].GetInt64() == c);

    // The todo list counts them.
    auto todo = s.submitter.get("/api/v1/todo?limit=100");
    int64_t counted = -1;
    for (const auto& it : todo.json["items"].GetArray())
        if (it["id"].GetInt64() == a) counted = it["conflicts"].GetInt64();
    CHECK(counted == 1);

    // A ticket its reader may not read shows as a window only, as on the change calendar.
    std::string other_name;
    Client other = make_user("winops", {s.role}, &other_name);
    auto theirs =
        other.post("/api/v1/tickets", R"({"template_id":)" + std::to_string(s.template_id) +
                                          R"(,"title":"their own secret change")" +
                                          window(t + 600'000, t + 1200'000) + "}");
    REQUIRE(theirs.status == 201);
    auto seen = s.submitter.get(path(a));
    INFO(seen.body);
    REQUIRE(seen.json["conflicts"].Size() == 2);
    const auto& hidden = seen.json["conflicts"][0];  // the earlier window
    CHECK(hidden["restricted"].GetBool());
    CHECK(hidden["id"].IsNull());
    CHECK(hidden["sn"].IsNull());
    CHECK(hidden["title"].IsNull());
    CHECK(seen.body.find("their own secret change") == std::string::npos);
    CHECK(hidden["planned_start"].GetString() == format_rfc3339(t + 600'000));
    CHECK_FALSE(seen.json["conflicts"][1]["restricted"].GetBool());
    // Whoever reads every ticket sees which it is.
    auto by_admin = s.a.get(path(a));
    REQUIRE(by_admin.json["conflicts"].Size() == 2);
    CHECK(by_admin.json["conflicts"][0]["id"].GetInt64() == theirs.num("id"));
    CHECK(by_admin.json["conflicts"][0]["title"].GetString() ==
          std::string("their own secret change"));
    REQUIRE(other.post(path(theirs.num("id"), "withdraw"), R"({"reason":"moved"})").status == 200);

    // A withdrawn ticket conflicts with nothing any more.
    REQUIRE(s.submitter.post(path(b, "withdraw"), R"({"reason":"moved"})").status == 200);
    CHECK(s.submitter.get(path(a)).json["conflicts"].Size() == 0);
}

TEST_CASE("moving the window of an approved ticket sends it back for approval",
          "[api][tickets][windows]") {
    ChangeScenario s;
    // A template with the scenario's approval workflow.
    auto a = admin();
    auto [env, purpose] = catalog::make_categories(a);
    auto [wf, v] = deploy_workflow(
        R"({"name":"窗口审批","type":"request","nodes":[{"key":"submit","type":"submit"},)"
        R"({"key":"review","name":"审核","type":"approval","operators":{"roles":[)" +
        q(s.lead_role) + R"(]}},{"key":"end","type":"end"}]})");
    (void)v;
    auto t = catalog::create_template(
        a, env, purpose, "/bin/echo windowed",
        R"(,"workflow_id":)" + std::to_string(wf) + R"(,"submit_roles":[)" + q(s.ops_role) + "]");
    REQUIRE(t.status == 201);
    const TimeMs start = now_ms() + 3600'000;
    auto created = s.ops.post("/api/v1/tickets",
                              R"({"template_id":)" + std::to_string(t.num("id")) +
                                  R"(,"title":"moved")" + window(start, start + 3600'000) + "}");
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    CHECK(status_of(created) == "in_progress");
    auto approved = s.lead.post(path(id, "approve"), "");
    REQUIRE(approved.status == 200);
    CHECK(status_of(approved) == "scheduled");

    // Only the submitter moves it; the window is checked.
    CHECK(s.lead.put(path(id, "window"), R"({"planned_start":null,"planned_end":null})").status ==
          403);
    CHECK(s.ops
              .put(path(id, "window"),
                   R"({"planned_start":)" + at(start) + R"(,"planned_end":)" + at(start - 1) + "}")
              .status == 422);
    auto moved =
        s.ops.put(path(id, "window"), R"({"planned_start":)" + at(start + 60'000) +
                                          R"(,"planned_end":)" + at(start + 120'000) + "}");
    INFO(moved.body);
    REQUIRE(moved.status == 200);
    CHECK(status_of(moved) == "in_progress");
    CHECK(moved.str("planned_start") == format_rfc3339(start + 60'000));
    CHECK(moved.json["current_nodes"][0]["key"].GetString() == std::string("review"));
    CHECK(step(moved, "window_changed"));
    auto again = s.lead.post(path(id, "approve"), "");
    REQUIRE(again.status == 200);
    CHECK(status_of(again) == "scheduled");
    REQUIRE(s.ops.post(path(id, "withdraw"), R"({"reason":"done testing"})").status == 200);
    CHECK(
        s.ops.put(path(id, "window"), R"({"planned_start":null,"planned_end":null})").str("code") ==
        "window.not_changeable");
}

TEST_CASE("a template that requires a window refuses a ticket without one",
          "[api][tickets][windows]") {
    WindowSetup s;
    auto set = s.a.patch("/api/v1/templates/" + std::to_string(s.template_id),
                         R"({"window_required":true})");
    INFO(set.body);
    REQUIRE(set.status == 200);
    CHECK(set.json["window_required"].GetBool());
    auto without = s.submit("");
    CHECK(without.status == 422);
    CHECK(without.str("code") == "window.required");
    const TimeMs t = now_ms() + 3600'000;
    auto with = s.submit(window(t, t + 3600'000));
    REQUIRE(with.status == 201);
    // Nor may the submitter remove it afterwards.
    auto removed = s.submitter.put(path(with.num("id"), "window"),
                                   R"({"planned_start":null,"planned_end":null})");
    CHECK(removed.status == 422);
    CHECK(removed.str("code") == "window.required");
}

TEST_CASE("windows that open together start every ticket, each once", "[api][tickets][windows]") {
    WindowSetup s;
    // More than the scheduler handles in one transaction (32), all due at the same moment.
    const TimeMs start = now_ms() + 5000;
    std::vector<int64_t> ids;
    for (int i = 0; i < 70; ++i) {
        auto created = s.submit(window(start, start + 3600'000) + R"(,"execute":true)");
        REQUIRE(created.status == 201);
        REQUIRE(status_of(created) == "scheduled");
        ids.push_back(created.num("id"));
    }
    for (int64_t id : ids) {
        auto done = wait_for_status(s.submitter, id, "finished");
        INFO(done.body);
        REQUIRE(status_of(done) == "finished");
        CHECK(done.json["executions"].Size() == 1);
        const auto actions = step_actions(done);
        CHECK(std::count(actions.begin(), actions.end(), "scheduled_start") == 1);
    }
}

TEST_CASE("scheduling a task in a protected environment needs the confirmation at submit",
          "[api][tickets][windows]") {
    WindowSetup w;
    REQUIRE(w.a.patch("/api/v1/environments/" + w.env, R"({"protected":true})").status == 200);
    const TimeMs start = now_ms() + 3600'000;
    const std::string body = R"(,"execute":true)" + window(start, start + 3600'000);
    const auto before = w.submitter.get("/api/v1/tickets?view=mine").json["items"].Size();

    // It would start by itself with nobody approving it: the submitter confirms now.
    auto refused = w.submit(body);
    INFO(refused.body);
    CHECK(refused.status == 409);
    CHECK(refused.str("code") == "execution.confirmation_required");
    CHECK(w.submitter.get("/api/v1/tickets?view=mine").json["items"].Size() == before);

    auto ok = w.submit(body + R"(,"confirm":true)");
    INFO(ok.body);
    REQUIRE(ok.status == 201);
    CHECK(ok.str("status") == "scheduled");
}
