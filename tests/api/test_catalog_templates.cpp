// Task templates over the API: scenario A's template, checks on save, who sees what, preview.
#include <catch2/catch.hpp>

#include "test_catalog_support.h"

using namespace orderly::test;
using namespace orderly::test::catalog;

namespace {
std::string first_error_field(const Reply& r) {
    if (!r.json.IsObject() || !r.json.HasMember("errors") || r.json["errors"].Empty()) return {};
    return r.json["errors"][0]["field"].GetString();
}
}  // namespace

TEST_CASE("templates: scenario A's template is created with its command split",
          "[api][templates]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    std::string hosts = make_static_variable(a, "AnsibleHosts", {"host1", "host2", "host3"}, true);
    std::string ops = make_role("ops", {"ticket.submit"});
    auto r = create_template(
        a, env, purpose,
        R"(python main_deploy_git.py -e prod -g "{GitProjName}" -i "{)" + hosts + R"(}" -m {Mode})",
        R"(,"internal_vars":{"GitProjName":"app01"},"variables":[{"name":)" + q(hosts) +
            R"(,"required":true},{"name":"Mode","default":"incremental"}],)"
            R"("choices":{"Mode":["incremental",{"value":"full","label":"全量"}]},)"
            R"("workflow_id":12,"submit_roles":[)" +
            q(ops) + R"(],"timeout_s":600)");
    INFO(r.body);
    REQUIRE(r.status == 201);
    const auto& argv = r.json["argv"];
    REQUIRE(argv.Size() == 10);
    CHECK(argv[5].GetString() == std::string("{GitProjName}"));
    CHECK(argv[7].GetString() == "{" + hosts + "}");
    CHECK(r.json["internal_vars"]["GitProjName"].GetString() == std::string("app01"));
    CHECK(r.num("workflow_id") == 12);
    CHECK(r.json["active"].GetBool());
    REQUIRE(r.json["form"].Size() == 2);
    CHECK(r.json["form"][0]["options"].Size() == 3);
    CHECK(r.json["form"][1]["source"].GetString() == std::string("choices"));
    CHECK(r.json["form"][1]["default"][0].GetString() == std::string("incremental"));
    CHECK(r.json["choices"]["Mode"][1]["label"].GetString() == std::string("全量"));
    const std::string id = std::to_string(r.num("id"));

    // An ops user sees it on the submit page, without internal variables.
    auto ops_user = make_user("opsuser", {ops});
    auto seen = ops_user.get("/api/v1/templates/" + id);
    REQUIRE(seen.status == 200);
    CHECK_FALSE(seen.json.HasMember("internal_vars"));
    CHECK(seen.json["can_submit"].GetBool());
    CHECK(seen.body.find(R"("GitProjName":"app01")") == std::string::npos);
    auto list = ops_user.get("/api/v1/templates?environment=" + env + "&submittable=true");
    REQUIRE(list.status == 200);
    REQUIRE(list.json["items"].Size() == 1);
    CHECK_FALSE(list.json["items"][0].HasMember("internal_vars"));
    // Someone without the role does not.
    auto other = make_user("qcuser", {make_role("qc", {"ticket.submit"})});
    CHECK_FALSE(other.get("/api/v1/templates/" + id).json["can_submit"].GetBool());
    CHECK(other.get("/api/v1/templates?environment=" + env + "&submittable=true")
              .json["items"]
              .Size() == 0);
    CHECK(other.post("/api/v1/templates/" + id + "/preview", "{}").status == 403);

    auto events = audit_dump();
    CHECK(events.find("\"template.create\"") != std::string::npos);
}

TEST_CASE(
    "templates: a placeholder the template does not provide, or a malformed command, is "
    "400 naming command",
    "[api][templates]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    for (const std::string& cmd :
         {std::string("deploy -g {GitProjName}"), std::string("deploy 'unterminated"),
          std::string("deploy; rm -rf /"), std::string("deploy | tee log"),
          std::string("{Prog} --x"), std::string("deploy $(id)")}) {
        INFO(cmd);
        auto r = create_template(a, env, purpose, cmd);
        CHECK(r.status == 400);
        CHECK(first_error_field(r) == "command");
    }
    auto ok = create_template(a, env, purpose, "deploy --url {config.git.base_url} '{{literal}}'");
    CHECK(ok.status == 201);
}

TEST_CASE("templates: unknown environment, purpose, role or variable is 422 naming it",
          "[api][templates]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    CHECK(first_error_field(create_template(a, "NoSuchEnv", purpose, "deploy")) == "environment");
    CHECK(first_error_field(create_template(a, env, "NoSuchPurpose", "deploy")) == "purpose");
    CHECK(first_error_field(create_template(
              a, env, purpose, "deploy", R"(,"submit_roles":["no-such-role"])")) == "submit_roles");
    auto var =
        create_template(a, env, purpose, "deploy {Nope}", R"(,"variables":[{"name":"Nope"}])");
    CHECK(var.status == 422);
    CHECK(first_error_field(var) == "variables[0].name");
    auto bad_default = create_template(a, env, purpose, "deploy {Mode}",
                                       R"(,"choices":{"Mode":["a","b"]},)"
                                       R"("variables":[{"name":"Mode","default":"c"}])");
    CHECK(bad_default.status == 400);
    CHECK(first_error_field(bad_default) == "variables[0].default");
    auto dup = create_template(a, env, purpose, "deploy");
    REQUIRE(dup.status == 201);
    CHECK(a.post("/api/v1/templates", R"({"name":)" + q(dup.str("name")) + R"(,"environment":)" +
                                          q(env) + R"(,"purpose":)" + q(purpose) +
                                          R"(,"command":"x"})")
              .status == 409);
}

TEST_CASE("templates: PATCH with If-Match, deactivate, delete", "[api][templates]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    auto r = create_template(a, env, purpose, "deploy.sh");
    REQUIRE(r.status == 201);
    const std::string url = "/api/v1/templates/" + std::to_string(r.num("id"));
    CHECK(a.get(url).header("ETag") == "\"1\"");
    auto upd = a.patch(url, R"({"active":false,"command":"deploy.sh --dry-run"})",
                       {{"If-Match", "\"1\""}});
    REQUIRE(upd.status == 200);
    CHECK(upd.num("version") == 2);
    CHECK(upd.json["argv"].Size() == 2);
    CHECK(a.patch(url, R"({"active":true})", {{"If-Match", "\"1\""}}).status == 409);
    CHECK(first_error_field(a.patch(url, R"({"command":"deploy {X}"})")) == "command");
    CHECK(a.get(url).num("version") == 2);  // a refused update changes nothing

    // Inactive templates are not on the submit page.
    auto user = make_user("lister", {make_role("sub", {"ticket.submit"})});
    CHECK(user.get("/api/v1/templates?environment=" + env).json["items"].Size() == 0);
    CHECK(a.get("/api/v1/templates?environment=" + env).json["items"].Size() == 1);
    CHECK(user.patch(url, R"({"active":true})").status == 403);
    CHECK(a.del(url, {{"If-Match", "\"1\""}}).status == 409);
    CHECK(a.del(url).status == 204);
    CHECK(a.get(url).status == 404);
}

TEST_CASE("templates: preview shows the argument vector with secrets masked", "[api][templates]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    const std::string secret = "pw-" + unique("secret");
    REQUIRE(a.put("/api/v1/config/" + env + "/db.password",
                  R"({"value":)" + q(secret) + R"(,"secret":true})")
                .status == 201);
    REQUIRE(a.put("/api/v1/config/" + env + "/git.base_url", R"({"value":"https://git"})").status ==
            201);
    std::string hosts = make_static_variable(a, "Hosts", {"host1", "host2", "h3; rm -rf /"}, true);
    auto t = create_template(
        a, env, purpose,
        "deploy --url {config.git.base_url} --pw={config.db.password} -i {" + hosts + "} -g {Proj}",
        R"(,"internal_vars":{"Proj":"app01"},"variables":[{"name":)" + q(hosts) +
            R"(,"required":true}])");
    REQUIRE(t.status == 201);
    const std::string url = "/api/v1/templates/" + std::to_string(t.num("id")) + "/preview";
    auto p = a.post(url, R"({"variables":{)" + q(hosts) + R"(:["host1","h3; rm -rf /"]}})");
    INFO(p.body);
    REQUIRE(p.status == 200);
    std::vector<std::string> argv;
    for (const auto& x : p.json["argv"].GetArray()) argv.push_back(x.GetString());
    CHECK(argv == std::vector<std::string>{"deploy", "--url", "https://git", "--pw=******", "-i",
                                           "host1,h3; rm -rf /", "-g", "app01"});
    CHECK(p.body.find(secret) == std::string::npos);
    auto bad = a.post(url, R"({"variables":{)" + q(hosts) + R"(:["host9"]}})");
    CHECK(bad.status == 400);
    CHECK(first_error_field(bad) == "variables." + hosts);
    // A config key that is not set is a rule broken at execution time.
    REQUIRE(a.del("/api/v1/config/" + env + "/git.base_url").status == 204);
    CHECK(a.post(url, R"({"variables":{)" + q(hosts) + R"(:"host1"}})").status == 422);
}
