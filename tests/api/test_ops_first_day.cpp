// The first day of a real ops team: approvers follow the runs of tickets they approved, readers
// get the names a ticket needs, emails in each user's language, cancelled runs told apart from
// failures, the submitter's notice of a rejection, protected environments that ask for a
// confirmation, time-range fields, and problem codes on every error.
#include <set>

#include "api/test_catalog_support.h"
#include "api/test_spec_support.h"
#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

struct Setup {
    Client a = admin();
    std::string ops_role = make_role("ops", {"ticket.submit"});
    std::string lead_role = make_role("lead", {});
    std::string ops_name, lead_name;
    Client ops = make_user("ops", {ops_role}, &ops_name);
    Client lead = make_user("lead", {lead_role}, &lead_name);
    Client stranger = make_user("stranger", {ops_role});
    std::string env, purpose, hosts;

    Setup() {
        std::tie(env, purpose) = catalog::make_categories(a);
        hosts = catalog::make_static_variable(a, "Hosts", {"host1", "host2", "host3"}, true);
        // Its values are the hosts the runs address (the previews list them).
        REQUIRE(a.patch("/api/v1/variables/" + hosts, R"({"hosts":true})").status == 200);
    }

    // A one-level approval workflow (the lead approves), then the submitter executes.
    int64_t make_template(const std::string& command) {
        auto [wf, v] = deploy_workflow(
            R"({"name":"审批","type":"request","nodes":[{"key":"submit","type":"submit"},)"
            R"({"key":"review","name":"审核","type":"approval","operators":{"roles":[)" +
            q(lead_role) + R"(]}},{"key":"end","type":"end"}]})");
        (void)v;
        auto t = catalog::create_template(
            a, env, purpose, command,
            R"(,"variables":[{"name":)" + q(hosts) + R"(,"required":true}],"workflow_id":)" +
                std::to_string(wf) + R"(,"submit_roles":[)" + q(ops_role) + "]");
        INFO(t.body);
        REQUIRE(t.status == 201);
        return t.num("id");
    }

    // Submitted by ops and approved by the lead: waits for ops to execute it.
    int64_t approved_ticket(int64_t template_id) {
        auto created =
            ops.post("/api/v1/tickets", R"({"template_id":)" + std::to_string(template_id) +
                                            R"(,"title":"Deploy","variables":{)" + q(hosts) +
                                            R"(:["host1","host2"]}})");
        INFO(created.body);
        REQUIRE(created.status == 201);
        const int64_t id = created.num("id");
        REQUIRE(lead.post(path(id, "approve"), "").status == 200);
        return id;
    }
};

}  // namespace

TEST_CASE("an approver may read the executions and logs of a ticket they approved",
          "[api][first_day]") {
    Setup s;
    const int64_t id = s.approved_ticket(s.make_template("/bin/echo deploy {" + s.hosts + "}"));
    auto run = s.ops.post(path(id, "execute"), "{}");
    INFO(run.body);
    REQUIRE(run.status == 202);
    const std::string ex = "/api/v1/executions/" + std::to_string(run.num("execution_id"));
    auto done = wait_for_status(s.ops, id, "finished");
    REQUIRE(status_of(done) == "finished");

    auto e = s.lead.get(ex);
    INFO(e.body);
    CHECK(e.status == 200);
    CHECK(e.str("result_code") == "exited");
    CHECK(e.json["result_params"]["code"].GetInt64() == 0);
    auto log = s.lead.get(ex + "/log?offset=0&wait=1");
    CHECK(log.status == 200);
    CHECK(log.str("data").find("deploy host1,host2") != std::string::npos);
    auto list = s.lead.get("/api/v1/executions?ticket_id=" + std::to_string(id));
    REQUIRE(list.status == 200);
    CHECK(list.json["items"].Size() == 1);
    // Cancel and retry stay with the executor and admins.
    CHECK(code_of(s.lead.post(ex + "/cancel", "")) == "execution.cancel_denied");
    // Someone who cannot read the ticket still sees nothing.
    auto hidden = s.stranger.get(ex);
    CHECK(hidden.status == 404);
    CHECK(code_of(hidden) == "execution.not_found");
    CHECK(s.stranger.get(ex + "/log").status == 404);
    CHECK(
        s.stranger.get("/api/v1/executions?ticket_id=" + std::to_string(id)).json["items"].Size() ==
        0);
}

TEST_CASE("a ticket carries the names its readers need", "[api][first_day]") {
    ChangeScenario s;
    const int64_t id = s.submit();
    auto t = s.lead.get(path(id));
    INFO(t.body);
    REQUIRE(t.status == 200);
    CHECK(t.str("service_name") == "环境变更");
    REQUIRE(t.json["catalog_path"].IsArray());
    CHECK(strings_at(t.json["catalog_path"]) == std::vector<std::string>{"环境变更"});
    CHECK(t.json["template_name"].IsNull());
    CHECK(t.json["execution_result"].IsNull());
    // The lead may not read the service itself, yet the ticket names it.
    CHECK(s.lead.get("/api/v1/services/" + std::to_string(s.service_id)).status == 404);

    Setup e;
    const int64_t tid = e.approved_ticket(e.make_template("/bin/true"));
    auto tt = e.lead.get(path(tid));
    INFO(tt.body);
    CHECK(tt.str("environment_key") == e.env);
    CHECK(tt.str("environment_name") == "生产环境");
    CHECK_FALSE(tt.json["environment_protected"].GetBool());
    CHECK(tt.json["template_name"].IsString());
}

TEST_CASE("emails go out in each recipient's language", "[api][first_day]") {
    ChangeScenario s;
    auto me = s.lead.get("/api/v1/me");
    CHECK(me.str("locale") == "zh-CN");
    auto bad = s.lead.patch("/api/v1/me", R"({"locale":"fr"})");
    CHECK(bad.status == 400);
    CHECK(code_of(bad) == "request.invalid");
    CHECK(std::string(bad.json["errors"][0]["code"].GetString()) == "field.enum");
    auto set = s.lead.patch("/api/v1/me", R"({"locale":"en"})");
    INFO(set.body);
    REQUIRE(set.status == 200);
    CHECK(set.str("locale") == "en");
    // An admin sets it on a user too.
    auto ops_user = admin().get("/api/v1/users?q=" + s.ops_name);
    REQUIRE(ops_user.json["items"].Size() >= 1);
    const int64_t ops_id = ops_user.json["items"][0]["id"].GetInt64();
    auto by_admin =
        admin().patch("/api/v1/users/" + std::to_string(ops_id), R"({"locale":"zh-CN"})");
    REQUIRE(by_admin.status == 200);
    CHECK(by_admin.str("locale") == "zh-CN");

    const int64_t id = s.submit();
    auto n =
        admin().get("/api/v1/notifications?event=node.waiting&ticket_id=" + std::to_string(id));
    INFO(n.body);
    REQUIRE(n.json["items"].Size() == 1);  // to the lead, who reads English
    CHECK(std::string(n.json["items"][0]["subject"].GetString()).rfind("[Orderly] Pending: ", 0) ==
          0);
    REQUIRE(s.lead.post(path(id, "reject"), R"({"reason":"时间窗口冲突"})").status == 200);
    auto r =
        admin().get("/api/v1/notifications?event=ticket.rejected&ticket_id=" + std::to_string(id));
    REQUIRE(r.json["items"].Size() == 1);  // to ops, who reads Chinese
    CHECK(std::string(r.json["items"][0]["subject"].GetString()).rfind("[Orderly] 已驳回: ", 0) ==
          0);
}

TEST_CASE("the submitter finds the rejection of their ticket among their notices",
          "[api][first_day]") {
    ChangeScenario s;
    const int64_t id = s.submit();
    CHECK(s.ops.get("/api/v1/me/notices").json["items"].Size() == 0);
    REQUIRE(s.lead.post(path(id, "reject"), R"({"reason":"时间窗口冲突"})").status == 200);
    auto n = s.ops.get("/api/v1/me/notices");
    INFO(n.body);
    REQUIRE(n.status == 200);
    REQUIRE(n.json["items"].Size() == 1);
    const auto& item = n.json["items"][0];
    CHECK(std::string(item["event"].GetString()) == "ticket.rejected");
    CHECK(item["ticket_id"].GetInt64() == id);
    CHECK(std::string(item["reason"].GetString()) == "时间窗口冲突");
    CHECK(std::string(item["actor"].GetString()) == s.lead_name);
    // The lead's own notice is the node that waited for them; nobody else sees the ops notice.
    auto lead_notices = s.lead.get("/api/v1/me/notices");
    REQUIRE(lead_notices.json["items"].Size() == 1);
    CHECK(std::string(lead_notices.json["items"][0]["event"].GetString()) == "node.waiting");
}

TEST_CASE("a cancelled run is told apart from a failed one", "[api][first_day]") {
    Setup s;
    const int64_t id = s.approved_ticket(s.make_template("/bin/sleep 30"));
    auto run = s.ops.post(path(id, "execute"), "{}");
    REQUIRE(run.status == 202);
    const std::string ex = "/api/v1/executions/" + std::to_string(run.num("execution_id"));
    auto cancel = s.ops.post(ex + "/cancel", "");
    INFO(cancel.body);
    REQUIRE(cancel.status == 202);
    auto t = wait_for_status(s.ops, id, "failed");
    INFO(t.body);
    REQUIRE(status_of(t) == "failed");
    CHECK(t.str("execution_result") == "cancelled");
    auto e = s.ops.get(ex);
    CHECK(e.str("status") == "cancelled");
    const std::string code = e.str("result_code");
    CHECK((code == "cancelled" || code == "cancelled_before_start"));
    CHECK(std::string(e.json["result_params"]["by"].GetString()) == s.ops_name);
    // It can be retried like a failure.
    CHECK(has(strings_at(t.json["allowed_actions"]), "retry"));
}

TEST_CASE("executing in a protected environment needs a confirmation", "[api][first_day]") {
    Setup s;
    auto p = s.a.patch("/api/v1/environments/" + s.env, R"({"protected":true})");
    INFO(p.body);
    REQUIRE(p.status == 200);
    CHECK(p.json["protected"].GetBool());
    CHECK(s.a.get("/api/v1/environments/" + s.env).json["protected"].GetBool());
    const int64_t id = s.approved_ticket(s.make_template("/bin/echo deploy {" + s.hosts + "}"));

    // The preview for the confirmation dialog: for the executor only.
    auto preview = s.ops.get(path(id, "execution-preview"));
    INFO(preview.body);
    REQUIRE(preview.status == 200);
    CHECK(preview.str("action") == "execute");
    CHECK(preview.json["confirmation_required"].GetBool());
    CHECK(std::string(preview.json["environment"]["key"].GetString()) == s.env);
    CHECK(preview.json["environment"]["protected"].GetBool());
    CHECK(strings_at(preview.json["argv"]) ==
          std::vector<std::string>{"/bin/echo", "deploy", "host1,host2"});
    CHECK(strings_at(preview.json["hosts"]) == std::vector<std::string>{"host1", "host2"});
    CHECK(code_of(s.lead.get(path(id, "execution-preview"))) == "execution.preview_denied");
    CHECK(s.stranger.get(path(id, "execution-preview")).status == 404);

    auto refused = s.ops.post(path(id, "execute"), "{}");
    CHECK(refused.status == 409);
    CHECK(code_of(refused) == "execution.confirmation_required");
    CHECK(refused.json["params"]["environment"].GetString() == s.env);
    auto still = s.ops.get(path(id));
    CHECK(status_of(still) == "approved");
    CHECK(still.json["executions"].Size() == 0);
    CHECK(still.json["environment_protected"].GetBool());
    // Someone who may not execute learns nothing about the confirmation.
    CHECK(code_of(s.lead.post(path(id, "execute"), "{}")) != "execution.confirmation_required");

    auto run = s.ops.post(path(id, "execute"), R"({"confirm":true})");
    INFO(run.body);
    CHECK(run.status == 202);
    CHECK(status_of(wait_for_status(s.ops, id, "finished")) == "finished");
}

TEST_CASE("a protected environment needs the confirmation at submit-and-execute too",
          "[api][first_day]") {
    Setup s;
    REQUIRE(s.a.patch("/api/v1/environments/" + s.env, R"({"protected":true})").status == 200);
    auto t = catalog::create_template(s.a, s.env, s.purpose, "/bin/echo {" + s.hosts + "}",
                                      R"(,"variables":[{"name":)" + q(s.hosts) +
                                          R"(,"required":true}],"workflow_id":null,)"
                                          R"("submit_roles":[)" +
                                          q(s.ops_role) + "]");
    REQUIRE(t.status == 201);
    const std::string variables = R"("variables":{)" + q(s.hosts) + R"(:["host3"]})";

    // Before sending, the submit page shows what would run: the submitter may preview it.
    const std::string preview_url = "/api/v1/templates/" + std::to_string(t.num("id")) + "/preview";
    auto preview = s.ops.post(preview_url, "{" + variables + "}");
    INFO(preview.body);
    REQUIRE(preview.status == 200);
    CHECK(preview.json["confirmation_required"].GetBool());
    CHECK(std::string(preview.json["environment"]["key"].GetString()) == s.env);
    CHECK(strings_at(preview.json["argv"]) == std::vector<std::string>{"/bin/echo", "host3"});
    CHECK(strings_at(preview.json["hosts"]) == std::vector<std::string>{"host3"});
    auto bad = s.ops.post(preview_url, R"({"variables":{)" + q(s.hosts) + R"(:["host9"]}})");
    CHECK(bad.status == 400);
    CHECK(code_of(bad) == "variable.not_an_option");
    // Someone who may not submit the template previews nothing.
    CHECK(code_of(s.lead.post(preview_url, "{" + variables + "}")) == "template.submit_denied");

    const std::string body = R"({"template_id":)" + std::to_string(t.num("id")) +
                             R"(,"title":"now","execute":true,)" + variables;
    auto before = s.ops.get("/api/v1/tickets?view=mine").json["items"].Size();
    auto refused = s.ops.post("/api/v1/tickets", body + "}");
    CHECK(refused.status == 409);
    CHECK(code_of(refused) == "execution.confirmation_required");
    CHECK(s.ops.get("/api/v1/tickets?view=mine").json["items"].Size() == before);
    auto ok = s.ops.post("/api/v1/tickets", body + R"(,"confirm":true})");
    INFO(ok.body);
    CHECK(ok.status == 201);
}

TEST_CASE("the previews list as hosts the values of the variables marked as hosts",
          "[api][first_day]") {
    Setup s;
    // A variable marked as hosts whose name says nothing of hosts, and one whose name says hosts
    // but which is not marked.
    auto targets = catalog::make_static_variable(s.a, "Targets", {"web1", "web2"}, true);
    REQUIRE(s.a.patch("/api/v1/variables/" + targets, R"({"hosts":true})").json["hosts"].GetBool());
    auto groups = catalog::make_static_variable(s.a, "HostGroup", {"blue", "green"});
    CHECK_FALSE(s.a.get("/api/v1/variables/" + groups).json["hosts"].GetBool());
    auto t = catalog::create_template(
        s.a, s.env, s.purpose, "/bin/echo {" + targets + "} {" + groups + "}",
        R"(,"variables":[{"name":)" + q(targets) + R"(,"required":true},{"name":)" + q(groups) +
            R"(,"required":true}],"workflow_id":null,"submit_roles":[)" + q(s.ops_role) + "]");
    REQUIRE(t.status == 201);
    const std::string values =
        R"("variables":{)" + q(targets) + R"(:["web2"],)" + q(groups) + R"(:"green"})";
    const std::string preview_url = "/api/v1/templates/" + std::to_string(t.num("id")) + "/preview";
    auto preview = s.ops.post(preview_url, "{" + values + "}");
    INFO(preview.body);
    CHECK(strings_at(preview.json["hosts"]) == std::vector<std::string>{"web2"});

    auto created =
        s.ops.post("/api/v1/tickets", R"({"template_id":)" + std::to_string(t.num("id")) +
                                          R"(,"title":"hosts",)" + values + "}");
    REQUIRE(created.status == 201);
    auto ticket_preview = s.ops.get(path(created.num("id"), "execution-preview"));
    INFO(ticket_preview.body);
    CHECK(strings_at(ticket_preview.json["hosts"]) == std::vector<std::string>{"web2"});
    // Marking the other one lists its values too.
    REQUIRE(s.a.patch("/api/v1/variables/" + groups, R"({"hosts":true})").status == 200);
    CHECK(
        strings_at(s.ops.get(path(created.num("id"), "execution-preview")).json["hosts"]).size() ==
        2);
}

TEST_CASE("datetime_range fields take [start, end] with the end after the start",
          "[api][first_day]") {
    ChangeScenario s;
    std::string wf = s.workflow_body();
    const std::string from = R"("key":"window","label":"变更时间","type":"datetime")";
    REQUIRE(wf.find(from) != std::string::npos);
    wf.replace(wf.find(from), from.size(),
               R"("key":"window","label":"变更时间","type":"datetime_range")");
    auto [wf_id, version] = deploy_workflow(wf);
    (void)wf_id;
    const int64_t service = make_service(version, unique("区间"), s.catalog_id);
    auto submit = [&](const std::string& window) {
        return s.ops.post("/api/v1/tickets",
                          R"({"service_id":)" + std::to_string(service) +
                              R"(,"title":"t","business":)" + q(s.business) +
                              R"(,"fields":{"reason":"r","scope":"s","window":)" + window + "}}");
    };
    auto ok = submit(R"(["2026-11-22T16:00:00Z","2026-11-23T02:00:00+08:00"])");
    INFO(ok.body);
    REQUIRE(ok.status == 201);
    CHECK(strings_at(ok.json["fields"]["window"]) ==
          std::vector<std::string>{"2026-11-22T16:00:00Z", "2026-11-23T02:00:00+08:00"});
    for (const char* bad :
         {R"(["2026-11-22T18:00:00Z","2026-11-22T16:00:00Z"])",
          R"(["2026-11-22T16:00:00Z","2026-11-22T16:00:00Z"])", R"(["2026-11-22T16:00:00Z"])",
          R"(["tomorrow","later"])", R"("2026-11-22T16:00:00Z")"}) {
        auto r = submit(bad);
        INFO(bad);
        INFO(r.body);
        CHECK(r.status == 422);
        CHECK(code_of(r) == "ticket.fields_invalid");
        REQUIRE(r.json["errors"].Size() == 1);
        CHECK(std::string(r.json["errors"][0]["code"].GetString()) == "field.datetime_range");
        CHECK(std::string(r.json["errors"][0]["field"].GetString()) == "fields.window");
    }
}

TEST_CASE("problem responses carry a code and params from the spec", "[api][first_day]") {
    Setup s;
    auto missing = s.ops.get("/api/v1/tickets/999999999");
    CHECK(missing.status == 404);
    CHECK(code_of(missing) == "ticket.not_found");
    CHECK(missing.json["params"]["id"].GetInt64() == 999999999);

    auto dup = s.a.post("/api/v1/environments", R"({"key":)" + q(s.env) + R"(,"name":"x"})");
    CHECK(dup.status == 409);
    CHECK(code_of(dup) == "environment.key_exists");
    CHECK(dup.json["params"]["key"].GetString() == s.env);

    auto invalid = s.a.post("/api/v1/environments", R"({"key":"9bad","name":""})");
    CHECK(invalid.status == 400);
    CHECK(code_of(invalid) == "request.invalid");
    std::set<std::string> field_codes;
    for (const auto& e : invalid.json["errors"].GetArray())
        field_codes.insert(e["code"].GetString());
    CHECK(field_codes == std::set<std::string>{"field.pattern", "field.empty"});

    auto long_name = s.a.post("/api/v1/environments",
                              R"({"key":"Long","name":")" + std::string(129, 'x') + R"("})");
    REQUIRE(long_name.json["errors"].Size() == 1);
    CHECK(std::string(long_name.json["errors"][0]["code"].GetString()) == "field.max_length");
    CHECK(long_name.json["errors"][0]["params"]["max"].GetInt64() == 128);

    auto denied = s.ops.post("/api/v1/environments", R"({"key":"X","name":"x"})");
    CHECK(denied.status == 403);
    CHECK(code_of(denied) == "permission.denied");
    CHECK(denied.json["params"]["permission"].GetString() == std::string("catalog.manage"));

    Client anon(port());
    CHECK(code_of(anon.get("/api/v1/me")) == "auth.required");
    auto wrong = anon.post("/api/v1/auth/login", R"({"username":"admin","password":"nope-nope"})");
    CHECK(wrong.status == 401);
    CHECK(code_of(wrong) == "auth.invalid_credentials");
    CHECK(code_of(anon.post("/api/v1/auth/login", "{")) == "request.body_not_json");

    // Audit events: the action is one of the spec's AuditAction codes, with summary params.
    const auto actions = spec_enum("AuditAction");
    auto events = s.a.get("/api/v1/audit-events?limit=200");
    REQUIRE(events.status == 200);
    REQUIRE(events.json["items"].Size() > 0);
    for (const auto& e : events.json["items"].GetArray()) {
        INFO(e["action"].GetString());
        CHECK(actions.count(e["action"].GetString()) == 1);
        CHECK(std::string(e["summary_code"].GetString()) == e["action"].GetString());
        CHECK(std::string(e["summary_params"]["object_id"].GetString()) ==
              e["object_id"].GetString());
    }
}
