// Scenario B (seed 004, 环境变更) end to end over the API: design and deploy the workflow, put a
// service in the catalog, then ops submits, the lead approves from the todo list, ops fills the
// summary, QC evaluates, and the ticket shows every step with actor, time and fields.
#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

TEST_CASE("scenario B: environment change from submission to QC evaluation",
          "[api][tickets][scenario]") {
    ChangeScenario s;

    // The service is in its catalog directory, visible to ops (who may submit it) with its form.
    auto catalog = s.ops.get("/api/v1/catalog");
    REQUIRE(catalog.status == 200);
    bool found = false;
    for (const auto& dir : catalog.json["items"].GetArray())
        if (dir["id"].GetInt64() == s.catalog_id) {
            REQUIRE(dir["services"].Size() == 1);
            CHECK(dir["services"][0]["id"].GetInt64() == s.service_id);
            CHECK(dir["services"][0]["fields"].Size() == 3);
            CHECK(dir["services"][0]["business_required"].GetBool());
            found = true;
        }
    CHECK(found);
    // QC may not submit it, so does not see it.
    auto qc_services = s.qc.get("/api/v1/services");
    for (const auto& sv : qc_services.json["items"].GetArray())
        CHECK(sv["id"].GetInt64() != s.service_id);
    CHECK(s.qc.get("/api/v1/services/" + std::to_string(s.service_id)).status == 404);

    // 1. Ops submits with reason, scope and time window.
    auto created = s.ops.post("/api/v1/tickets", s.submit_body());
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    CHECK(created.str("sn").rfind("CHG-", 0) == 0);
    CHECK(created.str("sn").size() == std::string("CHG-20261121-0001").size());
    CHECK(status_of(created) == "in_progress");
    CHECK(created.json["business"].GetString() == s.business);
    REQUIRE(created.json["current_nodes"].Size() == 1);
    CHECK(created.json["current_nodes"][0]["key"].GetString() == std::string("review"));
    CHECK(created.json["current_nodes"][0]["assignees"][0]["username"].GetString() == s.lead_name);
    CHECK(has(strings_at(created.json["allowed_actions"]), "withdraw"));
    CHECK_FALSE(has(strings_at(created.json["allowed_actions"]), "approve"));

    // 2. The lead finds it in the todo list and approves without a comment.
    auto todo = s.lead.get("/api/v1/todo");
    REQUIRE(todo.status == 200);
    REQUIRE(todo.json["items"].Size() >= 1);
    CHECK(todo.json["items"][0]["id"].GetInt64() == id);
    CHECK(todo.json["items"][0]["current_node"]["name"].GetString() == std::string("变更审核"));
    auto seen = s.lead.get(path(id));
    REQUIRE(seen.status == 200);
    CHECK(strings_at(seen.json["allowed_actions"]) ==
          std::vector<std::string>{"approve", "reject", "transfer", "return", "comment"});
    auto approved = s.lead.post(path(id, "approve"), "");
    INFO(approved.body);
    REQUIRE(approved.status == 200);
    CHECK(approved.json["current_nodes"][0]["key"].GetString() == std::string("operate"));
    CHECK(s.lead.get("/api/v1/todo").json["items"].Size() == 0);

    // 3. Ops fills in the change summary (any ops of the business may).
    CHECK(s.ops.post(path(id, "fill"), R"({"fields":{}})").status == 422);
    auto filled =
        s.ops2.post(path(id, "fill"), R"({"fields":{"summary":"3 台服务器已替换，业务无损"}})");
    INFO(filled.body);
    REQUIRE(filled.status == 200);
    CHECK(filled.json["current_nodes"][0]["key"].GetString() == std::string("evaluate"));

    // 4. QC finds it in the todo list and evaluates.
    auto qc_todo = s.qc.get("/api/v1/tickets?view=todo");
    REQUIRE(qc_todo.json["items"].Size() >= 1);
    CHECK(qc_todo.json["items"][0]["id"].GetInt64() == id);
    auto bad = s.qc.post(path(id, "evaluate"), R"({"fields":{"rating":"superb"}})");
    CHECK(bad.status == 422);
    CHECK(bad.json["errors"][0]["field"].GetString() == std::string("fields.rating"));
    auto done = s.qc.post(path(id, "evaluate"),
                          R"({"fields":{"rating":"good","complaints":0},"comment":"指标正常"})");
    INFO(done.body);
    REQUIRE(done.status == 200);
    CHECK(status_of(done) == "finished");
    CHECK(done.json["current_nodes"].Size() == 0);
    CHECK(done.json["finished_at"].IsString());

    // 5. The ticket shows the whole path: every node, who acted, when, what they entered.
    auto t = s.ops.get(path(id));
    REQUIRE(t.status == 200);
    const auto& steps = t.json["steps"];
    REQUIRE(steps.Size() == 4);
    const std::vector<std::tuple<std::string, std::string, std::string>> want = {
        {"submit", "submit", s.ops_name},
        {"review", "approve", s.lead_name},
        {"operate", "fill", s.ops2_name},
        {"evaluate", "evaluate", s.qc_name}};
    for (rapidjson::SizeType i = 0; i < steps.Size(); ++i) {
        CHECK(steps[i]["node"].GetString() == std::get<0>(want[i]));
        CHECK(steps[i]["action"].GetString() == std::get<1>(want[i]));
        CHECK(steps[i]["actor"].GetString() == std::get<2>(want[i]));
        CHECK(steps[i]["at"].IsString());
    }
    CHECK(steps[0]["fields"]["scope"].GetString() == std::string("app01 web 集群 3 台"));
    CHECK(steps[1]["fields"].IsNull());
    CHECK(steps[2]["fields"]["summary"].GetString() == std::string("3 台服务器已替换，业务无损"));
    CHECK(steps[3]["fields"]["rating"].GetString() == std::string("good"));
    CHECK(steps[3]["comment"].GetString() == std::string("指标正常"));
    CHECK(t.json["fields"]["window"].GetString() == std::string("2026-11-22T16:00:00Z"));
    CHECK(t.json["fields"]["complaints"].GetInt64() == 0);
    CHECK(t.json["nodes"].Size() == 5);
    CHECK(t.json["workflow_id"].GetInt64() == s.workflow_id);

    // Everyone who took part may read it; product (not involved) may not.
    CHECK(s.qc.get(path(id)).status == 200);
    CHECK(s.lead.get(path(id)).status == 200);
    CHECK(s.product.get(path(id)).status == 404);

    // The audit log has every action.
    auto audit =
        admin().get("/api/v1/audit-events?object_type=ticket&object_id=" + std::to_string(id));
    std::vector<std::string> actions;
    for (const auto& e : audit.json["items"].GetArray()) actions.push_back(e["action"].GetString());
    CHECK(has(actions, "ticket.create"));
    CHECK(has(actions, "ticket.approve"));
    CHECK(has(actions, "ticket.fill"));
    CHECK(has(actions, "ticket.evaluate"));

    // The lead was notified about the pending review, with a link to the ticket.
    auto notes = admin().get("/api/v1/notifications?ticket_id=" + std::to_string(id));
    if (notes.status == 200) {
        bool waiting = false;
        for (const auto& n : notes.json["items"].GetArray())
            if (std::string(n["event"].GetString()) == "node.waiting") waiting = true;
        CHECK(waiting);
    }
}

TEST_CASE("submitting checks the form, the business and who may submit", "[api][tickets]") {
    ChangeScenario s;
    auto no_business = s.ops.post(
        "/api/v1/tickets",
        R"({"service_id":)" + std::to_string(s.service_id) +
            R"(,"title":"t","fields":{"reason":"r","scope":"s","window":"2026-11-22T16:00:00Z"}})");
    CHECK(no_business.status == 422);
    CHECK(no_business.json["errors"][0]["field"].GetString() == std::string("business"));

    auto bad_fields = s.ops.post(
        "/api/v1/tickets", R"({"service_id":)" + std::to_string(s.service_id) +
                               R"(,"title":"t","business":)" + q(s.business) +
                               R"(,"fields":{"reason":" ","window":"tomorrow","colour":"red"}})");
    INFO(bad_fields.body);
    CHECK(bad_fields.status == 422);
    std::vector<std::string> fields;
    for (const auto& e : bad_fields.json["errors"].GetArray())
        fields.push_back(e["field"].GetString());
    CHECK(has(fields, "fields.reason"));
    CHECK(has(fields, "fields.scope"));
    CHECK(has(fields, "fields.window"));
    CHECK(has(fields, "fields.colour"));

    // Neither or both of service_id / template_id.
    CHECK(s.ops.post("/api/v1/tickets", R"({"title":"t"})").status == 400);
    CHECK(s.ops.post("/api/v1/tickets", R"({"title":"t","service_id":1,"template_id":1})").status ==
          400);
    CHECK(s.ops.post("/api/v1/tickets", R"({"title":"t","service_id":987654})").status == 422);

    // The lead holds ticket.submit but is not ops of the business: the submit node refuses.
    CHECK(s.lead.post("/api/v1/tickets", s.submit_body()).status == 403);
    // QC lacks ticket.submit altogether.
    CHECK(s.qc.post("/api/v1/tickets", s.submit_body()).status == 403);
}
