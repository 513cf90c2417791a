// Three nodes on one PostgreSQL database decide each approval exactly once: eight approvers
// approve the same tickets at the same moment through different nodes; one of them wins each
// ticket, the others hear a clean 409, and the ticket's steps and audit trail show one decision.
#include <barrier>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "api/test_tickets_support.h"
#include "nodes_support.h"
#include "pg_test_db.h"

using namespace orderly::test;
using namespace orderly::test::tickets;
using orderly::test::nodes::Nodes;

namespace {

constexpr int kTickets = 30;
constexpr int kApprovers = 8;

struct Attempt {
    int status = 0;
    std::string code;
    std::string body;
};

std::string approval_workflow(const std::vector<std::string>& approvers) {
    std::string users;
    for (const auto& a : approvers) users += (users.empty() ? "" : ",") + q(a);
    return R"({"name":"多节点审批","type":"request","nodes":[{"key":"submit","type":"submit"},)"
           R"({"key":"review","name":"审批","type":"approval","operators":{"users":[)" +
           users + R"(]},"rule":"any"},{"key":"end","name":"结束","type":"end"}]})";
}

int count_action(const orderly::json::Value& steps, const std::string& action) {
    int n = 0;
    for (const auto& s : steps.GetArray())
        if (s.HasMember("action") && s["action"].GetString() == action) ++n;
    return n;
}

}  // namespace

TEST_CASE("three nodes decide each approval exactly once under concurrent approvals",
          "[pg][nodes]") {
    PgTestDb pg;
    Nodes nodes(pg.uri(), 3);
    Client admin = nodes.admin(0);

    std::vector<std::string> names(kApprovers);
    std::vector<Client> approvers;
    for (int i = 0; i < kApprovers; ++i)
        approvers.push_back(make_user(admin, nodes.port(i % 3), "approver", {}, &names[i]));
    auto [workflow_id, version_id] = deploy_workflow(admin, approval_workflow(names));
    const int64_t service = make_service(admin, version_id, unique("nodes-approval"));
    std::vector<int64_t> tickets;
    for (int t = 0; t < kTickets; ++t) {
        Client submitter = nodes.admin(t % 3);
        auto r = submitter.post("/api/v1/tickets", R"({"service_id":)" + std::to_string(service) +
                                                       R"(,"title":"并发审批 )" +
                                                       std::to_string(t) + "\"}");
        INFO(r.body);
        REQUIRE(r.status == 201);
        tickets.push_back(r.num("id"));
    }

    // Every approver walks the tickets in the same order, and all eight approve each ticket at
    // the same moment (they wait for each other before each one), each through a node of its
    // own.
    std::vector<std::vector<Attempt>> attempts(kApprovers, std::vector<Attempt>(kTickets));
    std::barrier together(kApprovers);
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int a = 0; a < kApprovers; ++a)
        threads.emplace_back([&, a] {
            for (int t = 0; t < kTickets; ++t) {
                Client c = nodes.on((a + t) % 3, approvers[a]);
                together.arrive_and_wait();
                auto r = c.post(path(tickets[t], "approve"), R"({"comment":"ok"})");
                attempts[a][t] = {r.status, r.str("code"), r.body};
            }
        });
    for (auto& th : threads) th.join();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::fprintf(stderr, "%d approvals on %d tickets through 3 nodes took %lld ms\n",
                 kApprovers * kTickets, kTickets, static_cast<long long>(elapsed.count()));

    std::map<std::string, int> refusals;
    for (int t = 0; t < kTickets; ++t) {
        INFO("ticket " << tickets[t]);
        int won = -1, wins = 0;
        for (int a = 0; a < kApprovers; ++a) {
            const Attempt& at = attempts[a][t];
            INFO(at.body);
            if (at.status == 200) {
                won = a;
                ++wins;
                continue;
            }
            // The losers hear a problem with a code of its own, never a server error.
            CHECK(at.status == 409);
            CHECK(at.code.rfind("ticket.", 0) == 0);
            ++refusals[std::to_string(at.status) + " " + at.code];
        }
        CHECK(wins == 1);
        if (wins != 1) continue;

        // Whichever node is asked, the ticket went through its approval once, by the winner.
        auto seen = nodes.admin((t + 1) % 3).get(path(tickets[t]));
        REQUIRE(seen.status == 200);
        CHECK(status_of(seen) == "finished");
        CHECK(count_action(seen.json["steps"], "approve") == 1);
        for (const auto& s : seen.json["steps"].GetArray())
            if (s["action"].GetString() == std::string("approve"))
                CHECK(s["actor"].GetString() == names[won]);
        auto audit = nodes.admin((t + 2) % 3)
                         .get(
                             "/api/v1/audit-events?action=ticket.approve&object_type=ticket&"
                             "object_id=" +
                             std::to_string(tickets[t]));
        REQUIRE(audit.status == 200);
        CHECK(audit.json["items"].Size() == 1);
    }
    for (const auto& [what, n] : refusals)
        std::fprintf(stderr, "  refused: %s x%d\n", what.c_str(), n);
}
