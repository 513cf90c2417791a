// Approvals over the API: the two-level approval of scenario A (seed 000), approval rules,
// self-approval, deciding once under concurrency, stale versions, idempotent submission, and
// redeploying a workflow under a running ticket.
#include <atomic>
#include <thread>

#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

struct TwoLevel {
    std::string ops_role = make_role("ops", {"ticket.submit"});
    std::string l1_role = make_role("level1", {});
    std::string ops_name, l1_name, l2_name;
    Client ops = make_user("ops", {ops_role}, &ops_name);
    Client l1 = make_user("lvlone", {l1_role}, &l1_name);
    Client l2 = make_user("lvltwo", {}, &l2_name);
    int64_t workflow_id = 0, version_id = 0, service_id = 0;

    explicit TwoLevel(const std::string& l2_rule = R"("any")", bool self = false) {
        std::tie(workflow_id, version_id) = deploy_workflow(
            R"({"name":"两级审批","type":"request","allow_self_approval":)" +
            std::string(self ? "true" : "false") +
            R"(,"nodes":[{"key":"submit","name":"提单","type":"submit","operators":{"roles":[)" +
            q(ops_role) +
            R"(]}},{"key":"level1","name":"一级审核","type":"approval","operators":{"roles":[)" +
            q(l1_role) +
            R"(]}},{"key":"level2","name":"二级审核","type":"approval","operators":{"users":[)" +
            q(l2_name) + "]},\"rule\":" + l2_rule +
            R"(},{"key":"end","name":"结束","type":"end"}]})");
        service_id = make_service(version_id, unique("deploy-app01"));
    }
    int64_t submit(Client& who, const std::string& title = "Deploy app01") {
        auto r = who.post("/api/v1/tickets", R"({"service_id":)" + std::to_string(service_id) +
                                                 R"(,"title":)" + q(title) + "}");
        INFO(r.body);
        REQUIRE(r.status == 201);
        return r.num("id");
    }
};

}  // namespace

TEST_CASE("scenario A: level 1 approves, level 2 must give a reason to reject",
          "[api][tickets][scenario]") {
    TwoLevel w;
    int64_t id = w.submit(w.ops);
    auto t = w.ops.get(path(id));
    CHECK(t.str("sn").rfind("REQ-", 0) == 0);
    CHECK(status_of(t) == "in_progress");

    // Level 2 is no operator yet: the ticket is not even visible to them.
    CHECK(w.l2.post(path(id, "approve"), "").status == 404);
    // Level 1 approves without a comment.
    auto a1 = w.l1.post(path(id, "approve"), "{}");
    INFO(a1.body);
    REQUIRE(a1.status == 200);
    CHECK(a1.json["current_nodes"][0]["key"].GetString() == std::string("level2"));

    // Level 2 tries to reject with no reason, then a blank one: refused, nothing changes.
    auto no_reason = w.l2.post(path(id, "reject"), "{}");
    CHECK(no_reason.status == 422);
    CHECK(no_reason.json["errors"][0]["field"].GetString() == std::string("reason"));
    CHECK(w.l2.post(path(id, "reject"), R"({"reason":"   "})").status == 422);
    CHECK(status_of(w.ops.get(path(id))) == "in_progress");

    auto rejected = w.l2.post(path(id, "reject"), R"({"reason":"发布窗口冲突"})");
    INFO(rejected.body);
    REQUIRE(rejected.status == 200);
    CHECK(status_of(rejected) == "rejected");
    auto seen = w.ops.get(path(id));
    CHECK(status_of(seen) == "rejected");
    const auto& steps = seen.json["steps"];
    CHECK(steps[steps.Size() - 1]["action"].GetString() == std::string("reject"));
    CHECK(steps[steps.Size() - 1]["comment"].GetString() == std::string("发布窗口冲突"));
    CHECK(strings_at(seen.json["allowed_actions"]) == std::vector<std::string>{"comment"});
    CHECK(w.l2.post(path(id, "approve"), "").status == 409);

    // A second ticket passes both levels.
    int64_t second = w.submit(w.ops);
    REQUIRE(w.l1.post(path(second, "approve"), "").status == 200);
    auto a2 = w.l2.post(path(second, "approve"), R"({"comment":"ok"})");
    REQUIRE(a2.status == 200);
    CHECK(status_of(a2) == "finished");
}

TEST_CASE("approval rules over the API: all, at least N", "[api][tickets]") {
    // level 2 named by user only has one operator: use a role with three members instead.
    std::string approvers = make_role("approver", {});
    std::string ops_role = make_role("ops", {"ticket.submit"});
    auto ops = make_user("ops", {ops_role});
    std::vector<Client> ap;
    for (int i = 0; i < 3; ++i) ap.push_back(make_user("approver", {approvers}));
    auto flow = [&](const std::string& rule) {
        return R"({"name":"rule","type":"request","nodes":[{"key":"submit","type":"submit"},)"
               R"({"key":"vote","name":"会签","type":"approval","operators":{"roles":[)" +
               q(approvers) + "]},\"rule\":" + rule + R"(},{"key":"end","type":"end"}]})";
    };
    auto run = [&](const std::string& rule) {
        auto [wf, v] = deploy_workflow(flow(rule));
        int64_t svc = make_service(v, unique("rule"));
        auto r = ops.post("/api/v1/tickets",
                          R"({"service_id":)" + std::to_string(svc) + R"(,"title":"vote"})");
        REQUIRE(r.status == 201);
        return r.num("id");
    };

    int64_t all = run(R"("all")");
    REQUIRE(ap[0].post(path(all, "approve"), "").status == 200);
    REQUIRE(ap[1].post(path(all, "approve"), "").status == 200);
    CHECK(status_of(ops.get(path(all))) == "in_progress");
    CHECK(ap[1].post(path(all, "approve"), "").status == 409);  // no second vote
    auto last = ap[2].post(path(all, "approve"), "");
    REQUIRE(last.status == 200);
    CHECK(status_of(last) == "finished");

    int64_t two = run(R"({"at_least":2})");
    REQUIRE(ap[2].post(path(two, "approve"), "").status == 200);
    auto second = ap[0].post(path(two, "approve"), "");
    REQUIRE(second.status == 200);
    CHECK(status_of(second) == "finished");
    CHECK(ap[1].post(path(two, "approve"), "").status == 409);

    // A malformed rule is refused when the draft is saved, naming it.
    auto bad = admin().post("/api/v1/workflows", flow(R"({"at_least":0})"));
    CHECK(bad.status == 400);
    CHECK(bad.json["errors"][0]["field"].GetString() == std::string("nodes[1].rule"));
    CHECK(admin().post("/api/v1/workflows", flow(R"("most")")).status == 400);
}

TEST_CASE("no self-approval unless the workflow allows it", "[api][tickets]") {
    TwoLevel w;
    auto both = make_user("both", {w.ops_role, w.l1_role});
    int64_t id = w.submit(both);
    auto r = both.post(path(id, "approve"), "");
    CHECK(r.status == 403);
    CHECK(r.body.find("self-approval") != std::string::npos);
    CHECK_FALSE(has(strings_at(both.get(path(id)).json["allowed_actions"]), "approve"));
    // The other level-1 approver may.
    REQUIRE(w.l1.post(path(id, "approve"), "").status == 200);

    TwoLevel self(R"("any")", /*self=*/true);
    auto both2 = make_user("both", {self.ops_role, self.l1_role});
    int64_t mine = self.submit(both2);
    CHECK(has(strings_at(both2.get(path(mine)).json["allowed_actions"]), "approve"));
    CHECK(both2.post(path(mine, "approve"), "").status == 200);
}

TEST_CASE("two approvers at the same moment: exactly one 200, one 409", "[api][tickets]") {
    std::string approvers = make_role("approver", {});
    std::string ops_role = make_role("ops", {"ticket.submit"});
    auto ops = make_user("ops", {ops_role});
    auto [wf, v] = deploy_workflow(
        R"({"name":"race","type":"request","nodes":[{"key":"submit","type":"submit"},)"
        R"({"key":"review","type":"approval","operators":{"roles":[)" +
        q(approvers) + R"(]}},{"key":"end","type":"end"}]})");
    int64_t svc = make_service(v, unique("race"));
    constexpr int kApprovers = 8;
    constexpr int kTickets = 100;
    std::vector<Client> ap;
    for (int i = 0; i < kApprovers; ++i) ap.push_back(make_user("racer", {approvers}));
    std::vector<int64_t> ids;
    for (int i = 0; i < kTickets; ++i) {
        auto r = ops.post("/api/v1/tickets", R"({"service_id":)" + std::to_string(svc) +
                                                 R"(,"title":"race )" + std::to_string(i) + "\"}");
        REQUIRE(r.status == 201);
        ids.push_back(r.num("id"));
    }
    std::vector<std::atomic<int>> ok(kTickets), conflict(kTickets);
    std::atomic<int> other{0};
    std::vector<std::thread> threads;
    for (int a = 0; a < kApprovers; ++a)
        threads.emplace_back([&, a] {
            for (int i = 0; i < kTickets; ++i) {
                int status = ap[a].post(path(ids[i], "approve"), "").status;
                if (status == 200)
                    ++ok[i];
                else if (status == 409)
                    ++conflict[i];
                else
                    ++other;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(other == 0);
    int decided_once = 0;
    for (int i = 0; i < kTickets; ++i) {
        if (ok[i] == 1 && conflict[i] == kApprovers - 1) ++decided_once;
        auto t = ops.get(path(ids[i]));
        int approvals = 0;
        for (const auto& s : t.json["steps"].GetArray())
            if (std::string(s["action"].GetString()) == "approve") ++approvals;
        CHECK(approvals == 1);
        CHECK(status_of(t) == "finished");
    }
    CHECK(decided_once == kTickets);
}

TEST_CASE("a stale version in the body or If-Match is refused", "[api][tickets]") {
    ChangeScenario s;
    int64_t id = s.submit();
    auto t = s.lead.get(path(id));
    const int64_t v = t.num("version");
    CHECK(t.header("ETag") == "\"" + std::to_string(v) + "\"");
    CHECK(s.lead.post(path(id, "approve"), R"({"version":)" + std::to_string(v + 1) + "}").status ==
          409);
    CHECK(s.lead.post(path(id, "approve"), "", {{"If-Match", "\"" + std::to_string(v + 7) + "\""}})
              .status == 409);
    CHECK(status_of(s.ops.get(path(id))) == "in_progress");
    auto ok = s.lead.post(path(id, "approve"), R"({"version":)" + std::to_string(v) + "}");
    REQUIRE(ok.status == 200);
    CHECK(ok.num("version") == v + 1);
}

TEST_CASE("Idempotency-Key: the same key of the same user gives the same ticket",
          "[api][tickets]") {
    ChangeScenario s;
    const std::string key = unique("idem-key");
    auto first = s.ops.post("/api/v1/tickets", s.submit_body(), {{"Idempotency-Key", key}});
    REQUIRE(first.status == 201);
    auto again = s.ops.post("/api/v1/tickets", s.submit_body(), {{"Idempotency-Key", key}});
    REQUIRE(again.status == 200);
    CHECK(again.num("id") == first.num("id"));
    CHECK(again.str("sn") == first.str("sn"));
    auto different =
        s.ops.post("/api/v1/tickets", s.submit_body("other"), {{"Idempotency-Key", key}});
    CHECK(different.status == 422);
    // Another user's key space is their own.
    auto other = s.ops2.post("/api/v1/tickets", s.submit_body(), {{"Idempotency-Key", key}});
    REQUIRE(other.status == 201);
    CHECK(other.num("id") != first.num("id"));
    CHECK(
        s.ops.post("/api/v1/tickets", s.submit_body(), {{"Idempotency-Key", "has space"}}).status ==
        400);
    auto mine = s.ops.get("/api/v1/tickets?view=mine");
    CHECK(mine.json["items"].Size() == 1);
}

TEST_CASE("editing and redeploying a workflow does not touch a running ticket", "[api][tickets]") {
    ChangeScenario s;
    int64_t old_ticket = s.submit();
    auto a = admin();
    const std::string wf = "/api/v1/workflows/" + std::to_string(s.workflow_id);
    auto draft = a.get(wf);
    const std::string extra =
        R"({"key":"cab","name":"变更委员会","type":"approval","operators":{"users":[)" +
        q(s.product_name) + R"(]}},)";
    CHECK(a.put(wf, s.workflow_body(extra), {{"If-Match", "\"999\""}}).status == 409);
    auto put = a.put(wf, s.workflow_body(extra), {{"If-Match", draft.header("ETag")}});
    INFO(put.body);
    REQUIRE(put.status == 200);
    CHECK(put.num("deployed_version") == 1);
    auto dep = a.post(wf + "/deploy", "");
    REQUIRE(dep.status == 201);
    CHECK(dep.num("version") == 2);
    CHECK(a.post(wf + "/deploy", "").status == 200);  // unchanged: the same version
    auto versions = a.get(wf + "/versions");
    REQUIRE(versions.json["items"].Size() == 2);
    auto v1 = s.ops.get(wf + "/versions/1");
    REQUIRE(v1.status == 200);
    CHECK(v1.json["definition"]["nodes"].Size() == 5);

    // Rebind the service: new tickets take the new version, the running one keeps its own.
    auto svc = a.patch("/api/v1/services/" + std::to_string(s.service_id),
                       R"({"workflow_version_id":)" + std::to_string(dep.num("version_id")) + "}");
    REQUIRE(svc.status == 200);
    int64_t new_ticket = s.submit("new");
    REQUIRE(s.lead.post(path(old_ticket, "approve"), "").status == 200);
    REQUIRE(s.lead.post(path(new_ticket, "approve"), "").status == 200);
    auto old_t = s.ops.get(path(old_ticket));
    auto new_t = s.ops.get(path(new_ticket));
    CHECK(old_t.num("workflow_version") == 1);
    CHECK(old_t.json["current_nodes"][0]["key"].GetString() == std::string("operate"));
    CHECK(new_t.num("workflow_version") == 2);
    CHECK(new_t.json["current_nodes"][0]["key"].GetString() == std::string("cab"));
}
