#pragma once
// Shared by the workflow and ticket API tests: builds the people, workflow, service and catalog
// of scenario B (seed 004) and of the two-level approval of scenario A (seed 000) through the
// API, with unique names so that each test case has its own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support/process.h"
#include "support/test_server.h"

namespace orderly::test::tickets {

inline std::string q(const std::string& s) {
    json::Writer w;
    w.str(s);
    return w.take();
}

inline std::vector<std::string> strings_at(const json::Value& arr) {
    std::vector<std::string> out;
    if (!arr.IsArray()) return out;
    for (const auto& v : arr.GetArray())
        if (v.IsString()) out.emplace_back(v.GetString());
    return out;
}

inline bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

inline std::string status_of(const Reply& r) {
    return r.str("status");
}

// Creates and deploys a workflow as the administrator `a`; returns {workflow id, version id}.
inline std::pair<int64_t, int64_t> deploy_workflow(Client& a, const std::string& body) {
    auto created = a.post("/api/v1/workflows", body);
    INFO(created.body);
    REQUIRE(created.status == 201);
    int64_t wf = created.num("id");
    auto dep = a.post("/api/v1/workflows/" + std::to_string(wf) + "/deploy", "");
    INFO(dep.body);
    REQUIRE(dep.status == 201);
    return {wf, dep.num("version_id")};
}

inline std::pair<int64_t, int64_t> deploy_workflow(const std::string& body) {
    auto a = admin();
    return deploy_workflow(a, body);
}

inline int64_t make_service(Client& a, int64_t version_id, const std::string& name,
                            std::optional<int64_t> catalog_id = std::nullopt) {
    auto r =
        a.post("/api/v1/services",
               R"({"name":)" + q(name) + R"(,"workflow_version_id":)" + std::to_string(version_id) +
                   (catalog_id ? ",\"catalog_id\":" + std::to_string(*catalog_id) : "") + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    return r.num("id");
}

inline int64_t make_service(int64_t version_id, const std::string& name,
                            std::optional<int64_t> catalog_id = std::nullopt) {
    auto a = admin();
    return make_service(a, version_id, name, catalog_id);
}

// Scenario B: roles ops (submit), ops lead, QC, product; a business whose ops and product are
// members; the workflow "环境变更" deployed; a catalog directory and a service.
struct ChangeScenario {
    std::string ops_role = make_role("ops", {"ticket.submit"});
    std::string lead_role = make_role("opslead", {"ticket.submit"});
    std::string qc_role = make_role("qc", {});
    std::string product_role = make_role("product", {});
    std::string ops_name, ops2_name, lead_name, qc_name, product_name;
    Client ops = make_user("ops", {ops_role}, &ops_name);
    Client ops2 = make_user("opstwo", {ops_role}, &ops2_name);
    Client lead = make_user("lead", {lead_role}, &lead_name);
    Client qc = make_user("qc", {qc_role}, &qc_name);
    Client product = make_user("product", {product_role}, &product_name);
    std::string business = unique("biz");
    int64_t workflow_id = 0, version_id = 0, catalog_id = 0, service_id = 0;

    ChangeScenario() {
        auto a = admin();
        auto b = a.post("/api/v1/businesses", R"({"key":)" + q(business) +
                                                  R"(,"name":"业务 A","members":{)" + q(ops_role) +
                                                  ":[" + q(ops_name) + "," + q(ops2_name) + "]," +
                                                  q(product_role) + ":[" + q(product_name) + "]}}");
        INFO(b.body);
        REQUIRE(b.status == 201);
        std::tie(workflow_id, version_id) = deploy_workflow(workflow_body());
        auto dir = a.post("/api/v1/catalog", R"({"name":"环境变更","parent_id":null})");
        REQUIRE(dir.status == 201);
        catalog_id = dir.num("id");
        service_id = make_service(version_id, "环境变更", catalog_id);
    }

    std::string workflow_body(const std::string& extra_node = "") const {
        return R"({"name":"环境变更","type":"change","business_required":true,)"
               R"("notify":{"channels":["email"],"policy":"once","repeat_minutes":0},"nodes":[)"
               R"({"key":"submit","name":"变更申请","type":"submit","operators":{"business_roles":[)" +
               q(ops_role) +
               R"(]},"fields":[{"key":"reason","label":"变更原因","type":"text","required":true},)"
               R"({"key":"scope","label":"变更范围","type":"string","required":true},)"
               R"({"key":"window","label":"变更时间","type":"datetime","required":true}]},)"
               R"({"key":"review","name":"变更审核","type":"approval","operators":{"roles":[)" +
               q(lead_role) + R"(]},"rule":"any"},)" + extra_node +
               R"({"key":"operate","name":"变更操作及总结","type":"fill","operators":{"business_roles":[)" +
               q(ops_role) +
               R"(]},"fields":[{"key":"summary","label":"变更总结","type":"text","required":true}]},)"
               R"({"key":"evaluate","name":"变更评估","type":"evaluate","operators":{"roles":[)" +
               q(qc_role) +
               R"(]},"fields":[{"key":"rating","label":"评估","type":"select","required":true,"options":["good","acceptable","poor"]},)"
               R"({"key":"complaints","label":"投诉","type":"number"}]},)"
               R"({"key":"end","name":"结束","type":"end"}]})";
    }

    std::string submit_body(const std::string& title = "更换 app01 过保服务器") const {
        return R"({"service_id":)" + std::to_string(service_id) + R"(,"title":)" + q(title) +
               R"(,"business":)" + q(business) +
               R"(,"fields":{"reason":"服务器已服役 5 年，故障率上升","scope":"app01 web 集群 3 台","window":"2026-11-22T16:00:00Z"}})";
    }

    int64_t submit(const std::string& title = "更换 app01 过保服务器") {
        auto r = ops.post("/api/v1/tickets", submit_body(title));
        INFO(r.body);
        REQUIRE(r.status == 201);
        return r.num("id");
    }
};

inline std::string path(int64_t ticket, const std::string& action = "") {
    return "/api/v1/tickets/" + std::to_string(ticket) + (action.empty() ? "" : "/" + action);
}

// Polls the ticket until it has the status (or ~15 s pass); returns the last reply.
inline Reply wait_for_status(Client& c, int64_t ticket, const std::string& status) {
    Reply r;
    wait_until([&] {
        r = c.get(path(ticket));
        return r.str("status") == status;
    });
    return r;
}

}  // namespace orderly::test::tickets
