// Tickets from task templates (seed 000): a template with a two-level approval workflow runs
// through it and waits for its submitter to execute it; a template without a workflow is
// approved at once and can be submitted and executed in one step.
#include "api/test_catalog_support.h"
#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

struct TemplateSetup {
    Client a = admin();
    std::string ops_role = make_role("ops", {"ticket.submit"});
    std::string lead_role = make_role("lead", {});
    std::string ops_name;
    Client ops = make_user("ops", {ops_role}, &ops_name);
    Client lead = make_user("lead", {lead_role});
    Client lead2 = make_user("leadtwo", {lead_role});
    std::string env, purpose, hosts;

    TemplateSetup() {
        std::tie(env, purpose) = catalog::make_categories(a);
        hosts = catalog::make_static_variable(a, "AnsibleHosts", {"host1", "host2", "host3"}, true);
    }

    // A template running /bin/echo (harmless) with an internal variable; returns its id.
    int64_t make_template(const std::string& workflow_id) {
        auto t = catalog::create_template(
            a, env, purpose, "/bin/echo deploy {GitProjName} to {" + hosts + "}",
            R"(,"internal_vars":{"GitProjName":"app01"},"variables":[{"name":)" + q(hosts) +
                R"(,"required":true}],"workflow_id":)" + workflow_id + R"(,"submit_roles":[)" +
                q(ops_role) + "]");
        INFO(t.body);
        REQUIRE(t.status == 201);
        return t.num("id");
    }

    std::string body(int64_t template_id, const std::string& extra = "") const {
        return R"({"template_id":)" + std::to_string(template_id) +
               R"(,"title":"Deploy app01","variables":{)" + q(hosts) + R"(:["host1","host2"]})" +
               extra + "}";
    }
};

}  // namespace

TEST_CASE("scenario A with a template: two levels of approval, then the submitter executes",
          "[api][tickets][scenario]") {
    TemplateSetup s;
    auto [wf, v] = deploy_workflow(
        R"({"name":"两级审批","type":"request","nodes":[{"key":"submit","type":"submit"},)"
        R"({"key":"level1","name":"一级审核","type":"approval","operators":{"roles":[)" +
        q(s.lead_role) +
        R"(]}},{"key":"level2","name":"二级审核","type":"approval","operators":{"roles":[)" +
        q(s.lead_role) + R"(]},"rule":"all"},{"key":"end","type":"end"}]})");
    (void)v;
    int64_t tid = s.make_template(std::to_string(wf));

    auto created = s.ops.post("/api/v1/tickets", s.body(tid));
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    CHECK(created.str("sn").rfind("OPS-", 0) == 0);
    CHECK(created.str("environment") == s.env);
    CHECK(created.str("purpose") == s.purpose);
    CHECK(created.num("template_id") == tid);
    CHECK(created.json["variables"][s.hosts.c_str()].Size() == 2);
    // Internal variables are not shown to the submitter; a catalog manager sees the snapshot.
    CHECK(created.body.find("GitProjName") == std::string::npos);
    CHECK_FALSE(created.json.HasMember("template_snapshot"));
    auto as_admin = admin().get(path(id));
    CHECK(as_admin.json["template_snapshot"]["internal_vars"]["GitProjName"].GetString() ==
          std::string("app01"));

    REQUIRE(s.lead.post(path(id, "approve"), "").status == 200);
    REQUIRE(s.lead.post(path(id, "approve"), "").status == 200);  // level 2 ("all")
    auto waiting = s.lead2.post(path(id, "approve"), "");
    REQUIRE(waiting.status == 200);
    CHECK(status_of(waiting) == "approved");
    CHECK(waiting.json["current_nodes"][0]["type"].GetString() == std::string("execute"));
    CHECK(waiting.json["current_nodes"][0]["assignees"][0]["username"].GetString() == s.ops_name);
    CHECK_FALSE(has(strings_at(waiting.json["allowed_actions"]), "execute"));  // not the lead's
    auto mine = s.ops.get(path(id));
    CHECK(has(strings_at(mine.json["allowed_actions"]), "execute"));

    // The lead was an operator before, but nothing waits for them now.
    CHECK(s.lead.post(path(id, "execute"), "").status == 409);
    auto run = s.ops.post(path(id, "execute"), "{}");
    INFO(run.body);
    REQUIRE(run.status == 202);
    CHECK(run.num("execution_id") > 0);
    CHECK(run.str("status") == "executing");
    CHECK(s.ops.post(path(id, "execute"), "").status == 409);
    // The execution engine runs it and reports back: the ticket finishes.
    auto after = wait_for_status(s.ops, id, "finished");
    INFO(after.body);
    CHECK(status_of(after) == "finished");
    CHECK(after.json["executions"].Size() == 1);
    CHECK(after.json["steps"][after.json["steps"].Size() - 1]["action"].GetString() ==
          std::string("execution_succeeded"));

    // Filters by environment and purpose.
    auto by_env = s.ops.get("/api/v1/tickets?view=mine&environment=" + s.env +
                            "&purpose=" + s.purpose + "&template_id=" + std::to_string(tid));
    REQUIRE(by_env.json["items"].Size() == 1);
    CHECK(by_env.json["items"][0]["id"].GetInt64() == id);
}

TEST_CASE(
    "a template without a workflow: approved at once, or submitted and executed in one "
    "step",
    "[api][tickets][scenario]") {
    TemplateSetup s;
    int64_t tid = s.make_template("null");
    auto approved = s.ops.post("/api/v1/tickets", s.body(tid));
    INFO(approved.body);
    REQUIRE(approved.status == 201);
    CHECK(status_of(approved) == "approved");
    CHECK(approved.json["workflow_version_id"].IsNull());
    CHECK(has(strings_at(approved.json["allowed_actions"]), "execute"));

    auto at_once = s.ops.post("/api/v1/tickets", s.body(tid, R"(,"execute":true)"));
    INFO(at_once.body);
    REQUIRE(at_once.status == 201);
    CHECK(status_of(at_once) != "approved");  // executing, or already finished
    CHECK(at_once.json["executions"].Size() == 1);
    const auto& steps = at_once.json["steps"];
    REQUIRE(steps.Size() >= 2);
    CHECK(steps[1]["action"].GetString() == std::string("execute"));
    CHECK(steps[1]["detail"]["execution_id"].IsInt64());
    auto done = wait_for_status(s.ops, at_once.num("id"), "finished");
    INFO(done.body);
    CHECK(status_of(done) == "finished");  // "finished successfully"
}

TEST_CASE("template submissions: bad variables, undeployed workflows, execute needs no workflow",
          "[api][tickets]") {
    TemplateSetup s;
    auto bad_vars = s.ops.post(
        "/api/v1/tickets", R"({"template_id":)" + std::to_string(s.make_template("null")) +
                               R"(,"title":"t","variables":{)" + q(s.hosts) + R"(:["host9"]}})");
    CHECK(bad_vars.status == 400);

    auto draft = admin().post(
        "/api/v1/workflows",
        R"({"name":"never deployed","nodes":[{"key":"submit","type":"submit"},{"key":"end","type":"end"}]})");
    REQUIRE(draft.status == 201);
    int64_t tid = s.make_template(std::to_string(draft.num("id")));
    auto undeployed = s.ops.post("/api/v1/tickets", s.body(tid));
    CHECK(undeployed.status == 422);
    CHECK(undeployed.json["errors"][0]["field"].GetString() == std::string("template_id"));

    REQUIRE(admin()
                .post("/api/v1/workflows/" + std::to_string(draft.num("id")) + "/deploy", "")
                .status == 201);
    CHECK(s.ops.post("/api/v1/tickets", s.body(tid, R"(,"execute":true)")).status == 422);
    auto ok = s.ops.post("/api/v1/tickets", s.body(tid));
    REQUIRE(ok.status == 201);
    CHECK(status_of(ok) == "approved");  // no approvals in that workflow: straight to execute
    CHECK(s.lead.post("/api/v1/tickets", s.body(tid)).status == 403);  // no ticket.submit
    auto other = make_user("other", {make_role("other", {"ticket.submit"})});
    CHECK(other.post("/api/v1/tickets", s.body(tid)).status == 403);  // not in submit_roles
}

TEST_CASE("a failed execution can be retried with the same approved values", "[api][tickets]") {
    TemplateSetup s;
    auto t =
        catalog::create_template(s.a, s.env, s.purpose, "/bin/false",
                                 R"(,"workflow_id":null,"submit_roles":[)" + q(s.ops_role) + "]");
    INFO(t.body);
    REQUIRE(t.status == 201);
    auto created =
        s.ops.post("/api/v1/tickets", R"({"template_id":)" + std::to_string(t.num("id")) +
                                          R"(,"title":"fails","execute":true})");
    INFO(created.body);
    REQUIRE(created.status == 201);
    const int64_t id = created.num("id");
    auto failed = wait_for_status(s.ops, id, "failed");
    INFO(failed.body);
    REQUIRE(status_of(failed) == "failed");
    CHECK(strings_at(failed.json["allowed_actions"]) ==
          std::vector<std::string>{"retry", "transfer", "return", "withdraw", "comment"});
    auto retry = s.ops.post(path(id, "retry"), "");
    REQUIRE(retry.status == 202);
    CHECK(retry.num("execution_id") != failed.json["executions"][0]["id"].GetInt64());
    auto again = wait_for_status(s.ops, id, "failed");
    std::vector<std::string> actions;
    for (const auto& st : again.json["steps"].GetArray())
        actions.push_back(st["action"].GetString());
    CHECK(actions == std::vector<std::string>{"submit", "execute", "execution_failed", "retry",
                                              "execution_failed"});
    CHECK(again.json["executions"].Size() == 2);
    REQUIRE(s.ops.post(path(id, "withdraw"), R"({"reason":"giving up"})").status == 200);
}

TEST_CASE("secret variable values never show on the ticket", "[api][tickets]") {
    TemplateSetup s;
    const std::string token = catalog::make_static_variable(
        s.a, "DeployToken", {"tok-4f9a2c-secret", "tok-other-secret"}, false, true);
    auto t = catalog::create_template(
        s.a, s.env, s.purpose, "/bin/echo {" + token + "}",
        R"(,"variables":[{"name":)" + q(token) +
            R"(,"required":true}],"workflow_id":null,"submit_roles":[)" + q(s.ops_role) + "]");
    INFO(t.body);
    REQUIRE(t.status == 201);
    auto created =
        s.ops.post("/api/v1/tickets", R"({"template_id":)" + std::to_string(t.num("id")) +
                                          R"(,"title":"secret","variables":{)" + q(token) +
                                          R"(:"tok-4f9a2c-secret"}})");
    INFO(created.body);
    REQUIRE(created.status == 201);
    CHECK(strings_at(created.json["variables"][token.c_str()]) ==
          std::vector<std::string>{"******"});
    CHECK(created.body.find("tok-4f9a2c") == std::string::npos);
    auto as_admin = admin().get(path(created.num("id")));
    REQUIRE(as_admin.json["template_snapshot"].IsObject());
    CHECK(as_admin.body.find("tok-4f9a2c") == std::string::npos);
    auto found = admin().get("/api/v1/tickets?view=all&q=tok-4f9a2c");
    CHECK(found.json["items"].Size() == 0);
}
