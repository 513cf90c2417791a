// Variables over the API: registered lists (also by a token that can do nothing else) and
// script-fed lists (good, failing, slow and malformed scripts).
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "support/process.h"
#include "test_catalog_support.h"

using namespace orderly::test;
using namespace orderly::test::catalog;

namespace {

std::vector<std::string> option_values(const Reply& r) {
    std::vector<std::string> out;
    const auto& opts = r.json["options"];
    for (const auto& o : opts.GetArray())
        out.emplace_back(o["value"].GetString(), o["value"].GetStringLength());
    return out;
}

// A script-fed variable running the given script; returns its name.
std::string make_script_variable(Client& a, const std::string& script, int timeout_s = 10,
                                 int cache_s = 300) {
    std::string name = unique("Projects");
    auto r =
        a.post("/api/v1/variables", R"({"name":)" + q(name) + R"(,"source":"script","command":)" +
                                        q(script) + R"(,"timeout_s":)" + std::to_string(timeout_s) +
                                        R"(,"cache_s":)" + std::to_string(cache_s) + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    return name;
}

struct ScriptDir {
    std::string dir = temp_dir();
    ~ScriptDir() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_CASE("variables: a registered list, created, read by anyone, updated, deleted",
          "[api][variables]") {
    auto a = admin();
    std::string name = make_static_variable(a, "AnsibleHosts", {"host1", "host2", "host3"}, true);
    auto user = make_user("varreader", {});
    auto got = user.get("/api/v1/variables/" + name);
    REQUIRE(got.status == 200);
    CHECK(got.json["multiple"].GetBool());
    CHECK(option_values(got) == std::vector<std::string>{"host1", "host2", "host3"});
    CHECK_FALSE(got.json.HasMember("command"));  // admin-only fields
    auto opts = user.get("/api/v1/variables/" + name + "/options");
    REQUIRE(opts.status == 200);
    CHECK(option_values(opts).size() == 3);
    CHECK(user.get("/api/v1/variables").status == 200);

    CHECK(a.post("/api/v1/variables", R"({"name":)" + q(name) + "}").status == 409);
    CHECK(a.post("/api/v1/variables", R"({"name":"1bad"})").status == 400);
    auto upd = a.patch("/api/v1/variables/" + name,
                       R"({"label":"主机","options":[{"value":"h9","label":"Host nine"}]})",
                       {{"If-Match", "\"1\""}});
    REQUIRE(upd.status == 200);
    CHECK(upd.json["options"][0]["label"].GetString() == std::string("Host nine"));
    CHECK(
        a.patch("/api/v1/variables/" + name, R"({"label":"x"})", {{"If-Match", "\"1\""}}).status ==
        409);
    CHECK(user.patch("/api/v1/variables/" + name, R"({"label":"x"})").status == 403);
    CHECK(a.del("/api/v1/variables/" + name).status == 204);
    CHECK(a.get("/api/v1/variables/" + name).status == 404);
}

TEST_CASE(
    "variables: a token holding only variables.register replaces a list and can do "
    "nothing else",
    "[api][variables]") {
    auto a = admin();
    std::string name = make_static_variable(a, "AnsibleHosts", {"host1"}, true);
    auto bot = make_user("inventory", {make_role("registrar", {"variables.register"})});
    auto tok = bot.post("/api/v1/me/tokens", R"({"name":"inventory-sync"})");
    REQUIRE(tok.status == 201);
    Client script(port());
    script.set_token(tok.str("token"));

    auto r = script.put("/api/v1/variables/" + name + "/options", R"(["host1","host2","host3"])");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(option_values(a.get("/api/v1/variables/" + name + "/options")) ==
          std::vector<std::string>{"host1", "host2", "host3"});
    CHECK(script.put("/api/v1/variables/NoSuchVariable/options", R"(["x"])").status == 404);

    // Everything else is refused.
    auto [env, purpose] = make_categories(a);
    CHECK(script.post("/api/v1/variables", R"({"name":"Other"})").status == 403);
    CHECK(script.patch("/api/v1/variables/" + name, R"({"label":"x"})").status == 403);
    CHECK(script.del("/api/v1/variables/" + name).status == 403);
    CHECK(script.put("/api/v1/config/" + env + "/k", R"({"value":"x"})").status == 403);
    CHECK(script.get("/api/v1/config/" + env).status == 403);
    CHECK(script.post("/api/v1/environments", R"({"key":"X","name":"X"})").status == 403);
    CHECK(create_template(script, env, purpose, "deploy").status == 403);
    CHECK(script.get("/api/v1/users").status == 403);
    CHECK(script.get("/api/v1/audit-events").status == 403);

    auto events = audit_dump();
    CHECK(events.find("\"variable.options\"") != std::string::npos);
}

TEST_CASE("variables: bad registered lists are 400 naming the item", "[api][variables]") {
    auto a = admin();
    std::string name = make_static_variable(a, "Hosts", {"host1"});
    const std::string url = "/api/v1/variables/" + name + "/options";
    auto field = [](const Reply& r) {
        return r.json.IsObject() && r.json.HasMember("errors")
                   ? std::string(r.json["errors"][0]["field"].GetString())
                   : std::string();
    };
    auto dup = a.put(url, R"(["a","b","a"])");
    CHECK(dup.status == 400);
    CHECK(field(dup) == "body[2]");
    CHECK(field(a.put(url, R"(["a",""])")) == "body[1]");
    CHECK(field(a.put(url, R"(["a",42])")) == "body[1]");
    CHECK(field(a.put(url, R"(["a","b\u0000c"])")) == "body[1]");
    CHECK(field(a.put(url, R"([{"label":"no value"}])")) == "body[0].value");
    CHECK(field(a.put(url, R"([{"value":"v","colour":"red"}])")) == "body[0].colour");
    CHECK(a.put(url, R"({"options":["a"]})").status == 400);
    CHECK(a.put(url, "[" + q(std::string(5000, 'x')) + "]").status == 400);
    std::string big = "[" + q(std::string(1 << 20, 'x')) + "]";
    auto huge = a.put(url, big);
    CHECK(huge.status >= 400);
    CHECK(huge.status < 500);
    // Nothing changed.
    CHECK(option_values(a.get(url)) == std::vector<std::string>{"host1"});
}

TEST_CASE("variables: hostile values in a registered list come back byte for byte",
          "[api][variables][hostile]") {
    auto a = admin();
    std::string name = make_static_variable(a, "Hosts", {"host1"}, true);
    const std::vector<std::string> hostile = {"; rm -rf /", "$(touch /tmp/x)",    "`id`", "a | b",
                                              "a && b",     "line1\nline2",       "-rf",  "主机 ✓",
                                              "{Other}",    "\"quoted\" 'single'"};
    REQUIRE(a.put("/api/v1/variables/" + name + "/options", q_list(hostile)).status == 200);
    CHECK(option_values(a.get("/api/v1/variables/" + name + "/options")) == hostile);
}

TEST_CASE("variables: a script printing a JSON array feeds the list, cached for cache_s",
          "[api][variables][script]") {
    auto a = admin();
    ScriptDir d;
    const std::string counter = d.dir + "/runs";
    auto script =
        write_script(d.dir, "list.sh",
                     "echo run >> '" + counter +
                         "'\nprintf '%s' '[\"shop\",{\"value\":\"blog\",\"label\":\"博客\"}]'");
    std::string name = make_script_variable(a, script);
    auto user = make_user("submitter", {});
    auto r = user.get("/api/v1/variables/" + name + "/options");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(option_values(r) == std::vector<std::string>{"shop", "blog"});
    CHECK(r.json["options"][1]["label"].GetString() == std::string("博客"));
    CHECK_FALSE(r.json["cached"].GetBool());
    auto again = user.get("/api/v1/variables/" + name + "/options");
    CHECK(again.json["cached"].GetBool());
    std::ifstream in(counter);
    std::string runs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(runs == "run\n");  // the second request did not run the script
    CHECK(user.get("/api/v1/variables/" + name + "/options?refresh=true").status == 403);
    CHECK(a.get("/api/v1/variables/" + name + "/options?refresh=true").json["cached"].GetBool() ==
          false);
    // The variable shows the cached list; the command only to catalog managers.
    CHECK(user.get("/api/v1/variables/" + name).json["options"].Size() == 2);
    CHECK(a.get("/api/v1/variables/" + name).str("command") == script);
    // A registered list cannot be pushed onto a script-fed variable.
    CHECK(a.put("/api/v1/variables/" + name + "/options", R"(["x"])").status == 409);
}

TEST_CASE("variables: a failing script is a clear 422, its error kept for admins",
          "[api][variables][script]") {
    auto a = admin();
    ScriptDir d;
    auto script = write_script(d.dir, "fail.sh", "echo 'inventory unreachable' >&2\nexit 3");
    std::string name = make_script_variable(a, script);
    auto r = make_user("submitter", {}).get("/api/v1/variables/" + name + "/options");
    INFO(r.body);
    CHECK(r.status == 422);
    CHECK(r.str("detail").find("exit code 3") != std::string::npos);
    auto v = a.get("/api/v1/variables/" + name);
    CHECK(v.str("last_error").find("inventory unreachable") != std::string::npos);
    // ... and as a code with its values, for the admin's page in their language.
    CHECK(v.str("last_error_code") == "variable.script_exit_code");
    CHECK(v.json["last_error_params"]["exit_code"].GetInt() == 3);
    CHECK(v.json["last_error_params"]["name"].GetString() == name);
    // A command that cannot even start is the same kind of answer.
    auto missing = make_script_variable(a, d.dir + "/no-such-script");
    CHECK(a.get("/api/v1/variables/" + missing + "/options").status == 422);
}

TEST_CASE("variables: a slow script is stopped at its timeout, never a hang",
          "[api][variables][script]") {
    auto a = admin();
    ScriptDir d;
    auto script = write_script(d.dir, "slow.sh", "sleep 30\necho '[\"late\"]'");
    std::string name = make_script_variable(a, script, /*timeout_s=*/1);
    auto t0 = std::chrono::steady_clock::now();
    auto r = a.get("/api/v1/variables/" + name + "/options");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO(r.body);
    CHECK(r.status == 422);
    CHECK(r.str("detail").find("did not finish within 1 s") != std::string::npos);
    CHECK(secs < 10);
    auto v = a.get("/api/v1/variables/" + name);
    CHECK(v.str("last_error_code") == "variable.script_timed_out");
    CHECK(v.json["last_error_params"]["timeout_s"].GetInt() == 1);
    CHECK(a.get("/healthz").status == 200);
}

TEST_CASE("variables: malformed script output is a clear 422 and keeps the last good list",
          "[api][variables][script]") {
    auto a = admin();
    ScriptDir d;
    const std::string mode = d.dir + "/mode";
    { std::ofstream(mode) << "good"; }
    auto script =
        write_script(d.dir, "flaky.sh",
                     "if [ \"$(cat '" + mode + "')\" = good ]; then echo '[\"shop\"]'; else cat '" +
                         d.dir + "/out'; fi");
    std::string name = make_script_variable(a, script, 10, /*cache_s=*/0);
    REQUIRE(a.get("/api/v1/variables/" + name + "/options").status == 200);
    CHECK(a.get("/api/v1/variables/" + name).json["last_error_code"].IsNull());
    { std::ofstream(mode) << "bad"; }
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"shop, blog", "variable.script_not_json"},
        {R"({"options":["shop"]})", "variable.script_not_array"},
        {R"(["shop",42])", "variable.script_bad_list"},
        {R"(["a","a"])", "variable.script_bad_list"},
        {"", "variable.script_not_json"}};
    for (const auto& [out, code] : cases) {
        INFO(out);
        { std::ofstream(d.dir + "/out") << out; }
        auto r = a.get("/api/v1/variables/" + name + "/options");
        CHECK(r.status == 422);
        CHECK(r.str("detail").find("options script") != std::string::npos);
        CHECK(a.get("/api/v1/variables/" + name).str("last_error_code") == code);
    }
    auto bad = a.get("/api/v1/variables/" + name);
    CHECK(bad.json["last_error_params"]["name"].GetString() == name);
    // The last good list is still what the variable shows (and what submissions check against).
    CHECK(option_values(a.get("/api/v1/variables/" + name)) == std::vector<std::string>{"shop"});
}

TEST_CASE("variables: a variable that templates use cannot be deleted", "[api][variables]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    std::string name = make_static_variable(a, "Hosts", {"host1"});
    auto t = create_template(a, env, purpose, "deploy -i {" + name + "}",
                             R"(,"variables":[{"name":)" + q(name) + "}]");
    REQUIRE(t.status == 201);
    auto r = a.del("/api/v1/variables/" + name);
    CHECK(r.status == 409);
    CHECK(r.str("detail").find(t.str("name")) != std::string::npos);
}
