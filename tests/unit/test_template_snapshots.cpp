// The template snapshot rules (app/template_snapshots.h) over an in-memory catalog
// (support/fake_catalog_ports.h): what a submission freezes into a ticket, every way a
// submission is refused, and what an execution re-checks and resolves, with no database.
#include <catch2/catch.hpp>

#include <algorithm>

#include "app/template_snapshots.h"
#include "core/json.h"
#include "integrations/crypto.h"
#include "support/fake_catalog_ports.h"

using namespace orderly;
using V = std::vector<std::string>;

namespace {

domain::Variable static_variable(const std::string& name, const V& values, bool multiple = false,
                                 bool secret = false) {
    domain::Variable v;
    v.name = name;
    v.multiple = multiple;
    v.secret = secret;
    for (const auto& x : values) v.options.push_back({x, "label of " + x});
    return v;
}

// PROD with a secret config value and a clear one; a multiple-choice variable Hosts, a secret
// variable Token, a script-fed variable Scripted without a list yet; the template Deploy for the
// role "ops" using Hosts (required), Token, its own choices Mode and an internal variable.
struct Catalog {
    test::FakeCatalog fake;
    std::string key = std::string(32, 'k');
    int64_t deploy = 0;

    Catalog() {
        crypto::init();
        fake.set_secret_config("PROD", "db.password", "pw-123", key);
        fake.set_config("PROD", "git.url", "https://git.example");
        fake.set_secret_config("TEST", "db.password", "pw-test", key);
        fake.add_variable(static_variable("Hosts", {"h1", "h2", "h3"}, true));
        fake.add_variable(static_variable("Token", {"t0ps3cret", "other"}, false, true));
        domain::Variable scripted;
        scripted.name = "Scripted";
        scripted.source = domain::VariableSource::script;
        scripted.command = "list-hosts";
        scripted.argv = {"list-hosts"};
        fake.add_variable(scripted);
        deploy = fake.add_template(deploy_template());
    }

    static domain::Template deploy_template() {
        domain::Template t;
        t.name = "Deploy";
        t.environment = "PROD";
        t.purpose = "DeployGit";
        t.command =
            "deploy -g {GitProj} -i {Hosts} -m {Mode} -p {config.db.password} -u "
            "{config.git.url} -t {Token}";
        t.internal_vars = {{"GitProj", "app01"}};
        t.variables = {{"Hosts", true, std::nullopt, std::nullopt, ""},
                       {"Token", false, std::nullopt, std::nullopt, ""}};
        t.choices = {{"Mode", {{"incremental", "incremental"}, {"full", "full"}}}};
        t.submit_roles = {"ops"};
        t.timeout_s = 600;
        t.version = 3;
        return t;
    }

    // A template of its own around one registered variable.
    int64_t template_using(const std::string& variable, bool required, const std::string& command) {
        auto t = deploy_template();
        t.name = "uses " + variable;
        t.command = command;
        t.variables = {{variable, required, std::nullopt, std::nullopt, ""}};
        t.choices.clear();
        t.internal_vars.clear();
        return fake.add_template(t);
    }

    Result<std::string> submit(int64_t id, const std::string& variables,
                               const app::Submitter& who = ops()) {
        json::Document vars;
        vars.Parse(variables.data(), variables.size());
        REQUIRE_FALSE(vars.HasParseError());
        return app::snapshot_template_submission(fake, id, vars, who);
    }
    Result<std::string> submit(const std::string& variables) { return submit(deploy, variables); }

    Result<V> revalidate(const std::string& snapshot, V* secrets = nullptr) {
        return app::revalidate_snapshot(fake, key, snapshot, secrets);
    }

    static app::Submitter ops() {
        app::Submitter s;
        s.username = "ops1";
        s.roles = {"ops"};
        s.ticket_submit = true;
        return s;
    }
};

json::Document parse(const std::string& text) {
    json::Document d;
    d.Parse(text.data(), text.size());
    return d;
}

std::string params(const Error& e) {
    return json::params_json(e.params);
}

// What a refusal tells the client: "<status> <code> <field or -> <params>", e.g.
// 400 variable.not_in_template variables.X {"field":"variables.X","name":"X"}.
template <typename T>
std::string refusal(const Result<T>& r) {
    if (r.ok()) return "accepted";
    const Error& e = r.error();
    return std::to_string(http_status(e.kind)) + " " + e.code + " " +
           (e.fields.empty() ? "-" : e.fields.front().field) + " " + params(e);
}

bool has(const V& list, const std::string& x) {
    return std::find(list.begin(), list.end(), x) != list.end();
}

}  // namespace

TEST_CASE("snapshot: a valid submission freezes the template, the values and their lists",
          "[unit][snapshot]") {
    Catalog cat;
    auto s = cat.submit(R"({"Hosts":["h1","h2"],"Mode":"full"})");
    REQUIRE(s.ok());
    auto d = parse(*s);
    REQUIRE(d.IsObject());
    CHECK(json::get_int(d, "template_id") == cat.deploy);
    CHECK(json::get_int(d, "template_version") == 3);
    CHECK(json::get_string(d, "name") == "Deploy");
    CHECK(json::get_string(d, "environment") == "PROD");
    CHECK(json::get_string(d, "purpose") == "DeployGit");
    CHECK(json::get_string(d, "command") == Catalog::deploy_template().command);
    CHECK(json::get_strings(d, "argv") == V{"deploy", "-g", "{GitProj}", "-i", "{Hosts}", "-m",
                                            "{Mode}", "-p", "{config.db.password}", "-u",
                                            "{config.git.url}", "-t", "{Token}"});
    CHECK(json::get_string(d["internal_vars"], "GitProj") == "app01");
    CHECK(json::get_strings(d["values"], "Hosts") == V{"h1", "h2"});
    CHECK(json::get_strings(d["values"], "Mode") == V{"full"});
    CHECK(json::get_strings(d["values"], "Token") == V{});  // left out: kept as []
    CHECK(json::get_strings(d["options"], "Hosts") == V{"h1", "h2", "h3"});
    CHECK(json::get_strings(d["options"], "Mode") == V{"incremental", "full"});
    CHECK(json::get_strings(d["options"], "Token") == V{"t0ps3cret", "other"});
    CHECK(json::get_strings(d, "secret_vars") == V{"Token"});
    CHECK(d["workflow_id"].IsNull());
    CHECK(json::get_int(d, "timeout_s") == 600);
    CHECK(json::get_string(d["sources"], "Hosts") == "static");
    CHECK(json::get_string(d["sources"], "Token") == "static");
    CHECK(json::get_string(d["sources"], "Mode") == "choices");
    // Config values are resolved at execution, never frozen.
    CHECK(s->find("pw-123") == std::string::npos);
}

TEST_CASE("snapshot: template missing, inactive or not the submitter's", "[unit][snapshot]") {
    Catalog cat;
    const std::string vars = R"({"Hosts":"h1","Mode":"full"})";
    CHECK(refusal(cat.submit(987654321, vars)) == R"(404 template.not_found - {"id":987654321})");

    app::Submitter outsider;
    outsider.roles = {"dev"};
    outsider.ticket_submit = true;
    CHECK(refusal(cat.submit(cat.deploy, vars, outsider)) ==
          R"(403 template.submit_denied - {"name":"Deploy"})");
    app::Submitter admin;
    admin.admin = true;
    CHECK(cat.submit(cat.deploy, vars, admin).ok());  // admins always may

    cat.fake.data.templates[cat.deploy].active = false;
    CHECK(refusal(cat.submit(cat.deploy, vars, admin)) ==
          R"(422 template.inactive - {"name":"Deploy"})");
}

TEST_CASE("snapshot: who may submit a template", "[unit][snapshot]") {
    auto t = Catalog::deploy_template();
    app::Submitter who;
    who.ticket_submit = true;
    CHECK_FALSE(app::may_submit(t, who));
    who.roles = {"dev", "ops"};
    CHECK(app::may_submit(t, who));
    app::Submitter admin;
    admin.admin = true;
    CHECK(app::may_submit(t, admin));
    // Without submit_roles, ticket.submit is what counts.
    t.submit_roles.clear();
    app::Submitter plain;
    CHECK_FALSE(app::may_submit(t, plain));
    plain.ticket_submit = true;
    CHECK(app::may_submit(t, plain));
}

TEST_CASE("snapshot: every refused value names its variable with a stable code",
          "[unit][snapshot]") {
    Catalog cat;
    SECTION("a name that is not a variable of the template") {
        CHECK(refusal(cat.submit(R"({"Hosts":"h1","Mode":"full","X":"1"})")) ==
              R"(400 variable.not_in_template variables.X {"field":"variables.X","name":"X"})");
    }
    SECTION("a required variable left out") {
        CHECK(refusal(cat.submit(R"({"Mode":"full"})")) ==
              R"(400 field.required variables.Hosts {"field":"variables.Hosts"})");
        // No variables at all is the same.
        CHECK(cat.submit("null").error().code == "field.required");
    }
    SECTION("several values for a single-choice variable") {
        CHECK(refusal(cat.submit(R"({"Hosts":"h1","Mode":["full","incremental"]})")) ==
              R"(400 variable.single_value variables.Mode )"
              R"({"field":"variables.Mode","name":"Mode","count":2})");
    }
    SECTION("a repeated value") {
        CHECK(refusal(cat.submit(R"({"Hosts":["h1","h1"],"Mode":"full"})")) ==
              R"(400 variable.repeated_value variables.Hosts )"
              R"({"field":"variables.Hosts","name":"Hosts"})");
    }
    SECTION("a value not in the list, quoted unless the variable is secret") {
        CHECK(refusal(cat.submit(R"({"Hosts":["h1","h9"],"Mode":"full"})")) ==
              R"(400 variable.not_an_option variables.Hosts )"
              R"({"field":"variables.Hosts","name":"Hosts","value":"\"h9\""})");
        auto secret = cat.submit(R"({"Hosts":"h1","Mode":"full","Token":"guess"})");
        REQUIRE_FALSE(secret.ok());
        CHECK(refusal(secret) == R"(400 variable.not_an_option variables.Token )"
                                 R"({"field":"variables.Token","name":"Token","value":"a value"})");
        CHECK(secret.error().message.find("guess") == std::string::npos);
    }
    SECTION("values that are not strings") {
        CHECK(refusal(cat.submit(R"({"Hosts":[1,2],"Mode":"full"})")) ==
              R"(400 field.string_list variables.Hosts {"field":"variables.Hosts"})");
        CHECK(refusal(cat.submit(R"(["not","an","object"])")) ==
              R"(400 field.object variables {"field":"variables"})");
    }
    SECTION("a script-fed variable whose list has not been fetched yet") {
        const int64_t id = cat.template_using("Scripted", false, "deploy -i {Scripted}");
        CHECK(refusal(cat.submit(id, R"({"Scripted":"-rf"})")) ==
              R"(422 variable.options_unavailable variables.Scripted )"
              R"({"field":"variables.Scripted","name":"Scripted"})");
        // Left out, it is not guessed either: the snapshot keeps no value and no list.
        auto empty = cat.submit(id, "{}");
        REQUIRE(empty.ok());
        auto d = parse(*empty);
        CHECK(json::get_strings(d["values"], "Scripted") == V{});
        CHECK(json::get_string(d["sources"], "Scripted") == "script");
        // Once its script has produced a list, a value from it is taken.
        cat.fake.store_variable_cache("Scripted", {{"-rf", "-rf"}, {"web1", "web1"}}, 1);
        auto taken = cat.submit(id, R"({"Scripted":"-rf"})");
        REQUIRE(taken.ok());
        CHECK(json::get_strings(parse(*taken)["options"], "Scripted") == V{"-rf", "web1"});
    }
}

TEST_CASE("snapshot: an execution resolves config values and lists the secrets to mask",
          "[unit][snapshot][secrets]") {
    Catalog cat;
    auto s = cat.submit(R"({"Hosts":["h1","h2"],"Mode":"full","Token":"t0ps3cret"})");
    REQUIRE(s.ok());
    V secrets;
    auto argv = cat.revalidate(*s, &secrets);
    REQUIRE(argv.ok());
    CHECK(*argv == V{"deploy", "-g", "app01", "-i", "h1,h2", "-m", "full", "-p", "pw-123", "-u",
                     "https://git.example", "-t", "t0ps3cret"});
    // The environment's secret config values and the secret variables' values; never the clear
    // config values, another environment's secrets or values of variables that are not secret.
    CHECK(has(secrets, "pw-123"));
    CHECK(has(secrets, "t0ps3cret"));
    CHECK_FALSE(has(secrets, "https://git.example"));
    CHECK_FALSE(has(secrets, "pw-test"));
    CHECK_FALSE(has(secrets, "h1"));
    CHECK(secrets.size() == 2);
    // Without a list to fill, the same argument vector.
    CHECK(cat.revalidate(*s).value() == *argv);
}

TEST_CASE("snapshot: a secret variable with several values is masked value by value and joined",
          "[unit][snapshot][secrets]") {
    Catalog cat;
    cat.fake.add_variable(static_variable("Keys", {"k1", "k2", "k3"}, true, true));
    const int64_t id = cat.template_using("Keys", true, "install --keys {Keys}");
    auto s = cat.submit(id, R"({"Keys":["k1","k3"]})");
    REQUIRE(s.ok());
    V secrets;
    auto argv = cat.revalidate(*s, &secrets);
    REQUIRE(argv.ok());
    CHECK(*argv == V{"install", "--keys", "k1,k3"});
    CHECK(has(secrets, "k1"));
    CHECK(has(secrets, "k3"));
    CHECK(has(secrets, "k1,k3"));
    CHECK_FALSE(has(secrets, "k2"));
    CHECK(has(secrets, "pw-123"));
}

TEST_CASE("snapshot: a config key that is no longer set refuses the run, naming the command",
          "[unit][snapshot][secrets]") {
    Catalog cat;
    auto s = cat.submit(R"({"Hosts":"h1","Mode":"full"})");
    REQUIRE(s.ok());
    cat.fake.remove_config("PROD", "db.password");
    CHECK(refusal(cat.revalidate(*s)) ==
          R"(422 config.key_not_set command {"field":"command","key":"db.password"})");
    // A secret sealed with another key is an operator's error, never a silent "".
    cat.fake.set_secret_config("PROD", "db.password", "pw-123", std::string(32, 'x'));
    CHECK_THROWS_AS(cat.revalidate(*s), std::runtime_error);
}

TEST_CASE("snapshot: an execution re-checks each value against its variable's list today",
          "[unit][snapshot]") {
    Catalog cat;
    auto s = cat.submit(R"({"Hosts":["h2","h3"],"Mode":"full"})");
    REQUIRE(s.ok());
    SECTION("the template's own choices are the ones kept with the ticket") {
        auto& t = cat.fake.data.templates[cat.deploy];
        t.choices = {{"Mode", {{"only", "only"}}}};
        t.command = "other-program {Mode}";
        t.argv = {"other-program", "{Mode}"};
        auto argv = cat.revalidate(*s);
        REQUIRE(argv.ok());
        CHECK((*argv)[0] == "deploy");
        CHECK((*argv)[4] == "h2,h3");
        CHECK((*argv)[6] == "full");
    }
    SECTION("a value taken off the list") {
        cat.fake.data.variables["Hosts"].options = {{"h1", "h1"}, {"h2", "h2"}};
        CHECK(refusal(cat.revalidate(*s)) ==
              R"(422 variable.not_an_option variables.Hosts )"
              R"({"field":"variables.Hosts","name":"Hosts","value":"h3"})");
    }
    SECTION("a secret value taken off the list is not shown") {
        auto with_token = cat.submit(R"({"Hosts":"h1","Mode":"full","Token":"t0ps3cret"})");
        REQUIRE(with_token.ok());
        cat.fake.data.variables["Token"].options = {{"new", "new"}};
        auto r = cat.revalidate(*with_token);
        REQUIRE_FALSE(r.ok());
        CHECK(refusal(r) == R"(422 variable.not_an_option variables.Token )"
                            R"({"field":"variables.Token","name":"Token","value":"***"})");
        CHECK(r.error().message.find("t0ps3cret") == std::string::npos);
    }
    SECTION("the variable was deleted") {
        cat.fake.data.variables.erase("Hosts");
        CHECK(refusal(cat.revalidate(*s)) ==
              R"(422 variable.unknown variables.Hosts {"field":"variables.Hosts","name":"Hosts"})");
    }
    SECTION("a variable that became script-fed and has no list") {
        auto& hosts = cat.fake.data.variables["Hosts"];
        hosts.source = domain::VariableSource::script;
        hosts.options.clear();
        CHECK(refusal(cat.revalidate(*s)) == R"(422 variable.options_unavailable variables.Hosts )"
                                             R"({"field":"variables.Hosts","name":"Hosts"})");
    }
    SECTION("a snapshot that is not JSON is a bug, not the user's error") {
        auto r = cat.revalidate("{not json");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == ErrorKind::internal);
    }
}

TEST_CASE("snapshot: a preview runs both checks and masks nothing itself", "[unit][snapshot]") {
    Catalog cat;
    json::Document vars = parse(R"({"Hosts":"h1","Mode":"full","Token":"t0ps3cret"})");
    // A catalog manager previews an inactive template too.
    cat.fake.data.templates[cat.deploy].active = false;
    auto p = app::preview_template(cat.fake, cat.key, cat.deploy, vars, nullptr);
    CHECK(p.argv == V{"deploy", "-g", "app01", "-i", "h1", "-m", "full", "-p", "pw-123", "-u",
                      "https://git.example", "-t", "t0ps3cret"});
    CHECK(has(p.secrets, "pw-123"));
    CHECK(has(p.secrets, "t0ps3cret"));
    CHECK(p.secret_vars == V{"Token"});
    CHECK(p.values.at("Hosts") == V{"h1"});
    CHECK(p.environment == "PROD");
    // A submitter gets the submission's errors.
    auto ops = Catalog::ops();
    CHECK_THROWS_WITH(app::preview_template(cat.fake, cat.key, cat.deploy, vars, &ops),
                      Catch::Contains("not active"));
}
