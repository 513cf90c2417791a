// Demo data for both scenarios (A: a deployment through two approval levels; B: an environment
// change evaluated by QC), loaded by `orderly serve --demo` into an empty database. People are
// created directly; everything else goes through the server's own public API (as admin, over
// loopback), so the demo is exactly what an admin could click or curl.
// The users and passwords are printed at start and listed in README.md.
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/json.h"
#include "domain/accounts.h"
#include "storage/accounts_store.h"
#include "wiring/orderly_app.h"

namespace orderly {

namespace {
struct DemoUser {
    const char* username;
    const char* display_name;
    const char* password;
    const char* email;
    std::vector<std::string> roles;
};

class SelfClient {
  public:
    SelfClient(uint16_t port) : cli_("127.0.0.1", port) {
        cli_.set_connection_timeout(5);
        cli_.set_read_timeout(30);
    }
    void login(const std::string& user, const std::string& password) {
        json::Writer w;
        w.start_object().kv("username", user).kv("password", password).end_object();
        token_.clear();
        json::Document d = call("POST", "/api/v1/auth/login", w.take());
        token_ = d["token"].GetString();
    }
    // Calls the API and returns the parsed answer; throws with the problem text otherwise.
    json::Document call(const std::string& method, const std::string& path,
                        const std::string& body = "") {
        httplib::Headers h;
        if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
        httplib::Result r = method == "POST"    ? cli_.Post(path, h, body, "application/json")
                            : method == "PUT"   ? cli_.Put(path, h, body, "application/json")
                            : method == "PATCH" ? cli_.Patch(path, h, body, "application/json")
                                                : cli_.Get(path, h);
        if (!r) throw std::runtime_error("demo: " + method + " " + path + ": transport error");
        if (r->status >= 300)
            throw std::runtime_error("demo: " + method + " " + path + " -> " +
                                     std::to_string(r->status) + ": " + r->body);
        json::Document d;
        d.Parse(r->body.c_str());
        if (d.HasParseError()) d.SetObject();
        return d;
    }

  private:
    httplib::Client cli_;
    std::string token_;
};

// The task scripts the demo templates run: they print progress for the live log and exit 0.
void write_demo_scripts(const std::string& dir) {
    std::filesystem::create_directories(dir);
    std::ofstream deploy(dir + "/main_deploy_git.py");
    deploy << R"PY(#!/usr/bin/env python3
"""Demo deployment script for Orderly's scenario A (prints what a real one would do)."""
import argparse, sys, time
p = argparse.ArgumentParser()
p.add_argument("-e", dest="env", required=True)
p.add_argument("-g", dest="project", required=True)
p.add_argument("-i", dest="hosts", required=True)
p.add_argument("--mode", default="normal")
p.add_argument("--repo", default="")
a = p.parse_args()
print(f"deploying {a.project} to {a.env} ({a.mode}) from {a.repo}/{a.project}.git", flush=True)
for h in a.hosts.split(","):
    for step in ("pull", "build", "restart"):
        print(f"[{h}] {step} ... ok", flush=True)
        time.sleep(0.2)
print("deployment finished", flush=True)
)PY";
    std::ofstream restart(dir + "/restart_app.py");
    restart << R"PY(#!/usr/bin/env python3
"""Demo restart script for Orderly's no-approval template."""
import sys, time
hosts = sys.argv[sys.argv.index("-i") + 1].split(",") if "-i" in sys.argv else []
for h in hosts:
    print(f"restarting app01 on {h} ... ok", flush=True)
    time.sleep(0.2)
print("restart finished", flush=True)
)PY";
}
}  // namespace

std::vector<std::pair<std::string, std::string>> OrderlyApp::load_demo() {
    bool empty = db_->read([](storage::Connection& c) { return storage::count_users(c) == 0; });
    if (!empty) return {};
    const TimeMs now = clock_.now_ms();
    db_->write([&](storage::Connection& c) {
        auto role = [&](const char* key, const char* name, std::vector<std::string> perms) {
            domain::Role r{key, name, std::move(perms), false, 1};
            (void)storage::insert_role(c, r, now);
        };
        role("ops", "运维 Ops", {"ticket.submit"});
        role("ops_lead", "运维组长 Ops lead", {"ticket.submit"});
        role("qc", "质量保障 QC", {"ticket.submit"});
        role("product", "产品 Product", {"ticket.submit"});
        role("auditor", "审计 Auditor", {"audit.read", "ticket.read_all"});
    });
    const std::vector<DemoUser> users = {
        {"admin", "管理员 Admin", "admin-demo-pass", "admin@example.com", {"admin"}},
        {"ops", "运维 李雷 (Li Lei)", "ops-demo-pass", "ops@example.com", {"ops"}},
        {"lead",
         "运维组长 韩梅梅 (Han Meimei)",
         "lead-demo-pass",
         "lead@example.com",
         {"ops_lead"}},
        {"lead2",
         "二级审核 王芳 (Wang Fang)",
         "lead2-demo-pass",
         "lead2@example.com",
         {"ops_lead"}},
        {"qc", "质量保障 赵强 (Zhao Qiang)", "qc-demo-pass", "qc@example.com", {"qc"}},
        {"product",
         "产品 陈静 (Chen Jing)",
         "product-demo-pass",
         "product@example.com",
         {"product"}},
        {"auditor",
         "审计 刘洋 (Liu Yang)",
         "auditor-demo-pass",
         "auditor@example.com",
         {"auditor"}},
    };
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& u : users) {
        if (create_user(*db_, clock_, u.username, u.display_name, u.password, u.roles, "demo").ok())
            out.emplace_back(u.username, u.password);
    }
    db_->write([&](storage::Connection& c) {
        for (const auto& u : users) {
            auto row = storage::find_user_by_name(c, u.username);
            if (!row) continue;
            row->email = u.email;
            storage::update_user(c, *row, now);
        }
        domain::Business b{"app01", "业务A (app01)", "演示业务 Demo business", {}, now, now, 1};
        (void)storage::insert_business(c, b, now);
        (void)storage::set_business_members(
            c, "app01",
            {{"ops", {"ops"}}, {"ops_lead", {"lead"}}, {"qc", {"qc"}}, {"product", {"product"}}});
    });
    load_demo_catalog();
    return out;
}

// Long on purpose: the demo catalog is data, written out call by call as a user would create it.
void OrderlyApp::load_demo_catalog() {
    const std::string scripts = std::filesystem::absolute(opts_.db_path + ".demo-scripts").string();
    write_demo_scripts(scripts);
    SelfClient api(port());
    api.login("admin", "admin-demo-pass");

    // ---- Scenario A (seed 000): environments, purposes, config, variables, templates
    api.call(
        "POST", "/api/v1/environments",
        R"({"key":"PROD","name":"生产环境 Production","description":"线上 production","sort_order":1,"protected":true})");
    api.call(
        "POST", "/api/v1/environments",
        R"({"key":"STAGE","name":"预发环境 Staging","description":"预发 staging","sort_order":2})");
    api.call(
        "POST", "/api/v1/purposes",
        R"({"key":"DeployGit","name":"Git 项目部署 Deploy from Git","description":"","sort_order":1})");
    api.call(
        "POST", "/api/v1/purposes",
        R"({"key":"DeployDocker","name":"Docker 部署 Deploy Docker","description":"","sort_order":2})");
    api.call(
        "PUT", "/api/v1/config/PROD/git.base_url",
        R"({"value":"https://git.example.com/ops","secret":false,"description":"Git 仓库地址"})");
    api.call(
        "PUT", "/api/v1/config/STAGE/git.base_url",
        R"({"value":"https://git-stage.example.com/ops","secret":false,"description":"Git 仓库地址"})");
    api.call("PUT", "/api/v1/config/PROD/deploy.token",
             R"({"value":"demo-s3cret-token","secret":true,"description":"部署令牌 secret"})");
    api.call(
        "POST", "/api/v1/variables",
        R"({"name":"AnsibleHosts","label":"目标主机 Hosts","multiple":true,"hosts":true,"source":"static","options":["host1","host2","host3"]})");
    api.call(
        "POST", "/api/v1/variables",
        R"({"name":"GitBranch","label":"分支 Branch","multiple":false,"source":"script","command":"printf '[\"main\",\"release-1.0\",\"hotfix-42\"]'","timeout_s":5,"cache_s":60})");

    // Two-level approval flow for the deployment template (审核流).
    auto wf = api.call("POST", "/api/v1/workflows", R"({
      "name":"两级审核 Two-level approval","type":"request","business_required":false,
      "notify":{"channels":["email"],"policy":"once"},
      "nodes":[
        {"key":"submit","name":"提交 Submit","type":"submit","operators":{"submitter":true}},
        {"key":"level1","name":"一级审核 Level 1","type":"approval","operators":{"users":["lead"]},"rule":"any"},
        {"key":"level2","name":"二级审核 Level 2","type":"approval","operators":{"users":["lead2"]},"rule":"any"},
        {"key":"execute","name":"执行 Execute","type":"execute","operators":{"submitter":true}},
        {"key":"end","name":"结束 End","type":"end"}]})");
    int64_t wf_id = wf["id"].GetInt64();
    api.call("POST", "/api/v1/workflows/" + std::to_string(wf_id) + "/deploy");

    api.call(
        "POST", "/api/v1/templates",
        R"({
      "name":"Deploy app01","environment":"PROD","purpose":"DeployGit",
      "description":"部署 app01 到生产环境 Deploy app01 to production",
      "command":"python3 )" +
            scripts +
            R"(/main_deploy_git.py -e prod -g \"{GitProjName}\" -i \"{AnsibleHosts}\" --mode {ExecMode} --repo {config.git.base_url}",
      "internal_vars":{"GitProjName":"app01"},
      "variables":[{"name":"AnsibleHosts","required":true},{"name":"ExecMode","required":true,"default":"normal"}],
      "choices":{"ExecMode":["normal","dry-run"]},
      "workflow_id":)" +
            std::to_string(wf_id) + R"(,"submit_roles":["ops"],"timeout_s":600,"active":true})");
    api.call("POST", "/api/v1/templates", R"({
      "name":"Restart app01 - STAGE","environment":"STAGE","purpose":"DeployDocker",
      "description":"无需审核，提交即执行 No approval: submit and execute",
      "command":"python3 )" + scripts + R"(/restart_app.py -i {AnsibleHosts}",
      "internal_vars":{},"variables":[{"name":"AnsibleHosts","required":true}],"choices":{},
      "workflow_id":null,"submit_roles":["ops"],"timeout_s":300,"active":true})");

    // ---- Scenario B (seed 004): the environment change workflow, service and catalog
    auto change = api.call("POST", "/api/v1/workflows", R"({
      "name":"环境变更","type":"change","business_required":true,
      "notify":{"channels":["email"],"policy":"repeat","repeat_minutes":60},
      "nodes":[
        {"key":"submit","name":"提交变更 Submit change","type":"submit","operators":{"business_roles":["ops"]},
         "fields":[{"key":"reason","label":"变更原因 Reason","type":"text","required":true},
                   {"key":"scope","label":"变更范围 Scope","type":"string","required":true},
                   {"key":"window","label":"变更时间 Time window","type":"datetime_range","required":true}]},
        {"key":"review","name":"变更审核 Change review","type":"approval","operators":{"business_roles":["ops_lead"]},"rule":"any"},
        {"key":"operate","name":"变更操作与总结 Operation & summary","type":"fill","operators":{"business_roles":["ops"]},
         "fields":[{"key":"summary","label":"变更总结 Summary","type":"text","required":true}]},
        {"key":"evaluate","name":"变更评价 Evaluation","type":"evaluate","operators":{"roles":["qc"]},
         "fields":[{"key":"rating","label":"评价 Rating","type":"select","required":true,"options":["优秀 Excellent","良好 Good","合格 Pass","不合格 Fail"]},
                   {"key":"qc_comment","label":"评价说明 Comment","type":"text","required":false}]},
        {"key":"end","name":"结束 End","type":"end"}]})");
    int64_t change_id = change["id"].GetInt64();
    auto version = api.call("POST", "/api/v1/workflows/" + std::to_string(change_id) + "/deploy");
    int64_t version_id = version["version_id"].GetInt64();
    auto dir = api.call("POST", "/api/v1/catalog", R"({"name":"环境变更","parent_id":null})");
    api.call("POST", "/api/v1/services",
             R"({"name":"环境变更","catalog_id":)" + std::to_string(dir["id"].GetInt64()) +
                 R"(,"workflow_version_id":)" + std::to_string(version_id) +
                 R"(,"description":"申请对某个环境做变更 Request a change to an environment"})");
}

}  // namespace orderly
