// Workflows, the service catalog and services over the API.
#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

TEST_CASE("workflows: drafts, If-Match, deploy checks that name the node", "[api][workflows]") {
    auto a = admin();
    std::string lead_role = make_role("lead", {});
    auto created = a.post(
        "/api/v1/workflows",
        R"({"name":"broken","type":"change","nodes":[{"key":"submit","type":"submit"},)"
        R"({"key":"review","name":"审核","type":"approval","operators":{"users":["ghost-user"]}},)"
        R"({"key":"lonely","name":"孤岛","type":"fill","operators":{"roles":[)" +
            q(lead_role) +
            R"(]}},{"key":"end","type":"end"}],"transitions":[{"from":"submit","to":"review"},)"
            R"({"from":"review","to":"end","when":{"field":"colour","op":"==","value":"red"}}]})");
    INFO(created.body);
    REQUIRE(created.status == 201);
    CHECK(created.num("deployed_version") == 0);
    CHECK(created.json["latest_version_id"].IsNull());
    CHECK(created.json["allow_self_approval"].IsFalse());
    CHECK(created.json["nodes"][1]["rule"].GetString() == std::string("any"));
    const std::string wf = "/api/v1/workflows/" + std::to_string(created.num("id"));

    auto dep = a.post(wf + "/deploy", "");
    INFO(dep.body);
    REQUIRE(dep.status == 422);
    std::vector<std::string> problems;
    for (const auto& e : dep.json["errors"].GetArray())
        problems.push_back(std::string(e["field"].GetString()) + " " + e["message"].GetString());
    auto mentions = [&](const std::string& field, const std::string& text) {
        for (const auto& p : problems)
            if (p.rfind(field + " ", 0) == 0 && p.find(text) != std::string::npos) return true;
        return false;
    };
    CHECK(mentions("nodes[1].operators.users", "no user \"ghost-user\""));
    CHECK(mentions("nodes[2]", "\"lonely\" (孤岛) cannot be reached"));
    CHECK(mentions("transitions[1].when.field", "no field \"colour\""));
    CHECK(a.get(wf + "/versions").json["items"].Size() == 0);

    // Duplicate keys cannot even be saved.
    auto dup = a.put(
        wf, R"({"name":"dup","nodes":[{"key":"a","type":"submit"},{"key":"a","type":"end"}]})");
    CHECK(dup.status == 422);
    CHECK(dup.json["errors"][0]["field"].GetString() == std::string("nodes[1].key"));
    // Unknown members and node types are 400s.
    CHECK(a.put(wf, R"({"name":"x","nodes":[{"key":"a","type":"start"}]})").status == 400);
    CHECK(a.put(wf, R"({"name":"x","nodes":[],"colour":1})").status == 400);

    // Fix it: in order, no transitions.
    auto fixed =
        a.put(wf,
              R"({"name":"fixed","type":"change","nodes":[{"key":"submit","type":"submit"},)"
              R"({"key":"review","type":"approval","operators":{"roles":[)" +
                  q(lead_role) + R"(]},"rule":{"at_least":2}},{"key":"end","type":"end"}]})",
              {{"If-Match", "\"1\""}});
    INFO(fixed.body);
    REQUIRE(fixed.status == 200);
    CHECK(fixed.num("version") == 2);
    CHECK(fixed.json["nodes"][1]["rule"]["at_least"].GetInt() == 2);
    auto ok = a.post(wf + "/deploy", "");
    REQUIRE(ok.status == 201);
    CHECK(ok.num("version") == 1);
    auto got = a.get(wf);
    CHECK(got.num("deployed_version") == 1);
    CHECK(got.num("latest_version_id") == ok.num("version_id"));
    CHECK(got.header("ETag") == "\"2\"");
    CHECK(a.get(wf + "/versions/2").status == 404);
    CHECK(a.get(wf + "/versions/x").status == 404);
    auto list = make_user("reader", {}).get("/api/v1/workflows?limit=500");
    CHECK(list.status == 200);

    // Designing needs workflow.manage.
    auto designer = make_user("designer", {make_role("designer", {"workflow.manage"})});
    CHECK(designer.post(wf + "/deploy", "").status == 200);
    auto plain = make_user("plain", {});
    CHECK(plain.post(wf + "/deploy", "").status == 403);
    CHECK(plain.put(wf, R"({"name":"x","nodes":[{"key":"a","type":"end"}]})").status == 403);
}

TEST_CASE("catalog: a tree of directories, moved without cycles, deleted only when empty",
          "[api][catalog]") {
    auto a = admin();
    auto root = a.post("/api/v1/catalog", R"({"name":"变更管理"})");
    REQUIRE(root.status == 201);
    const int64_t top = root.num("id");
    auto child =
        a.post("/api/v1/catalog", R"({"name":"环境变更","parent_id":)" + std::to_string(top) + "}");
    REQUIRE(child.status == 201);
    const int64_t sub = child.num("id");
    CHECK(a.post("/api/v1/catalog", R"({"name":"x","parent_id":987654})").status == 422);

    // No cycles.
    auto cycle = a.patch("/api/v1/catalog/" + std::to_string(top),
                         R"({"parent_id":)" + std::to_string(sub) + "}");
    CHECK(cycle.status == 422);
    CHECK(a.patch("/api/v1/catalog/" + std::to_string(top),
                  R"({"parent_id":)" + std::to_string(top) + "}")
              .status == 422);
    auto renamed = a.patch("/api/v1/catalog/" + std::to_string(sub), R"({"name":"环境变更 Env"})",
                           {{"If-Match", "\"1\""}});
    REQUIRE(renamed.status == 200);
    CHECK(renamed.num("version") == 2);

    auto [wf, v] = deploy_workflow(
        R"({"name":"svc","type":"request","nodes":[{"key":"submit","type":"submit"},{"key":"end","type":"end"}]})");
    int64_t svc = make_service(v, unique("svc"), sub);
    auto tree = a.get("/api/v1/catalog");
    REQUIRE(tree.status == 200);
    bool found = false;
    for (const auto& d : tree.json["items"].GetArray())
        if (d["id"].GetInt64() == top) {
            REQUIRE(d["children"].Size() == 1);
            CHECK(d["children"][0]["name"].GetString() == std::string("环境变更 Env"));
            CHECK(d["children"][0]["services"][0]["id"].GetInt64() == svc);
            found = true;
        }
    CHECK(found);

    CHECK(a.del("/api/v1/catalog/" + std::to_string(top)).status == 409);
    CHECK(a.del("/api/v1/catalog/" + std::to_string(sub)).status == 409);
    // Move the directory to the root, delete the service, then the directories go.
    REQUIRE(a.patch("/api/v1/catalog/" + std::to_string(sub), R"({"parent_id":null})").status ==
            200);
    CHECK(a.del("/api/v1/catalog/" + std::to_string(top)).status == 204);
    CHECK(a.del("/api/v1/services/" + std::to_string(svc)).status == 204);
    CHECK(a.get("/api/v1/services/" + std::to_string(svc)).status == 404);
    CHECK(a.del("/api/v1/catalog/" + std::to_string(sub)).status == 204);
    CHECK(a.del("/api/v1/catalog/" + std::to_string(sub)).status == 404);

    auto plain = make_user("plain", {});
    CHECK(plain.post("/api/v1/catalog", R"({"name":"x"})").status == 403);
    CHECK(plain.get("/api/v1/catalog").status == 200);
}

TEST_CASE("services: references are checked, visibility follows the submit node",
          "[api][services]") {
    auto a = admin();
    std::string ops_role = make_role("ops", {"ticket.submit"});
    auto [wf, v] = deploy_workflow(
        R"({"name":"restricted","type":"request","nodes":[{"key":"submit","type":"submit","operators":{"roles":[)" +
        q(ops_role) +
        R"(]},"fields":[{"key":"why","type":"text","required":true}]},{"key":"end","type":"end"}]})");
    CHECK(a.post("/api/v1/services", R"({"name":"s","workflow_version_id":987654})").status == 422);
    CHECK(a.post("/api/v1/services", R"({"name":"s","workflow_version_id":)" + std::to_string(v) +
                                         R"(,"catalog_id":987654})")
              .status == 422);
    CHECK(a.post("/api/v1/services", R"({"name":"s","workflow_version_id":)" + std::to_string(v) +
                                         R"(,"template_id":987654})")
              .status == 422);
    // An execute node needs a template to run.
    auto [wf2, v2] = deploy_workflow(
        R"({"name":"exec","type":"request","nodes":[{"key":"submit","type":"submit"},{"key":"run","type":"execute"},{"key":"end","type":"end"}]})");
    auto no_template = a.post("/api/v1/services",
                              R"({"name":"s","workflow_version_id":)" + std::to_string(v2) + "}");
    CHECK(no_template.status == 422);
    CHECK(no_template.json["errors"][0]["field"].GetString() == std::string("template_id"));

    int64_t svc = make_service(v, unique("restricted"));
    auto got = a.get("/api/v1/services/" + std::to_string(svc));
    REQUIRE(got.status == 200);
    CHECK(got.json["fields"][0]["key"].GetString() == std::string("why"));
    CHECK(got.num("workflow_id") == wf);
    CHECK(got.json["template_id"].IsNull());

    auto ops = make_user("ops", {ops_role});
    auto other = make_user("other", {make_role("other", {"ticket.submit"})});
    CHECK(ops.get("/api/v1/services/" + std::to_string(svc)).status == 200);
    CHECK(other.get("/api/v1/services/" + std::to_string(svc)).status == 404);
    auto listed = [&](Client& c) {
        auto list = c.get("/api/v1/services");
        for (const auto& s : list.json["items"].GetArray())
            if (s["id"].GetInt64() == svc) return true;
        return false;
    };
    CHECK(listed(ops));
    CHECK_FALSE(listed(other));

    auto upd = a.patch("/api/v1/services/" + std::to_string(svc), R"({"description":"说明"})",
                       {{"If-Match", got.header("ETag")}});
    REQUIRE(upd.status == 200);
    CHECK(upd.str("description") == "说明");
    CHECK(a.patch("/api/v1/services/" + std::to_string(svc), R"({"name":"x"})",
                  {{"If-Match", got.header("ETag")}})
              .status == 409);
    CHECK(ops.patch("/api/v1/services/" + std::to_string(svc), R"({"name":"x"})").status == 403);
}
