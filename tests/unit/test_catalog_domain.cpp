// The catalog's pure rules: names, option lists, template checks, the submit form and the
// checking of submitted values.
#include <catch2/catch.hpp>

#include "domain/catalog.h"

using namespace orderly;
using namespace orderly::domain;
using V = std::vector<std::string>;

namespace {

std::vector<Option> opts(const V& values) {
    std::vector<Option> out;
    for (const auto& v : values) out.push_back({v, v});
    return out;
}

// A catalog of registered variables for the lookups.
struct Registry {
    std::map<std::string, Variable> vars;
    Registry() {
        Variable hosts;
        hosts.name = "AnsibleHosts";
        hosts.multiple = true;
        hosts.options = opts({"host1", "host2", "host3"});
        vars["AnsibleHosts"] = hosts;
        Variable projects;
        projects.name = "Projects";
        projects.source = VariableSource::script;
        projects.argv = {"list-projects"};
        vars["Projects"] = projects;
        Variable token;
        token.name = "Token";
        token.secret = true;
        token.options = opts({"tok-A", "tok-B"});
        vars["Token"] = token;
    }
    VariableLookup lookup() const {
        return [this](const std::string& n) -> const Variable* {
            auto it = vars.find(n);
            return it == vars.end() ? nullptr : &it->second;
        };
    }
};

Template deploy_app01() {
    Template t;
    t.name = "Deploy app01";
    t.environment = "PROD";
    t.purpose = "DeployGit";
    t.command = R"(python main_deploy_git.py -e prod -g "{GitProjName}" -i "{AnsibleHosts}")";
    t.internal_vars = {{"GitProjName", "app01"}};
    t.variables = {{"AnsibleHosts", true, std::nullopt, std::nullopt, ""}};
    return t;
}

std::string field_of(const Error& e) {
    return e.fields.empty() ? std::string() : e.fields.front().field;
}

}  // namespace

TEST_CASE("variable names and config keys", "[catalog]") {
    CHECK(valid_variable_name("AnsibleHosts"));
    CHECK(valid_variable_name("_x1"));
    CHECK_FALSE(valid_variable_name("1x"));
    CHECK_FALSE(valid_variable_name("a-b"));
    CHECK_FALSE(valid_variable_name(""));
    CHECK_FALSE(valid_variable_name(std::string(65, 'a')));
    CHECK(valid_config_key("git.base_url"));
    CHECK(valid_config_key("ansible-inventory"));
    CHECK_FALSE(valid_config_key(".hidden"));
    CHECK_FALSE(valid_config_key("a b"));
    CHECK_FALSE(valid_config_key("a/b"));
}

TEST_CASE("line diff of two config values", "[catalog]") {
    auto d = line_diff("[web]\nhost1\nhost2\n", "[web]\nhost1\nhost3\nhost4\n");
    std::string rendered;
    for (const auto& l : d) rendered += std::string(1, l.op) + l.text + "|";
    CHECK(rendered == " [web]| host1|-host2|+host3|+host4|");
    CHECK(line_diff("same", "same").size() == 1);
    CHECK(line_diff("", "new").front().op == '+');
}

TEST_CASE("option lists: empty, NUL, over-long, repeated values are refused", "[catalog]") {
    CHECK_FALSE(
        option_problem(opts({"host1", "; rm -rf /", "$(touch /tmp/x)", "-rf", "主机"}), "body"));
    auto empty = option_problem(opts({"a", ""}), "body");
    REQUIRE(empty);
    CHECK(empty->field == "body[1]");
    auto nul = option_problem(opts({std::string("a\0b", 3)}), "body");
    REQUIRE(nul);
    CHECK(nul->message.find("NUL") != std::string::npos);
    CHECK(option_problem(opts({std::string(kMaxOptionValueBytes + 1, 'x')}), "body"));
    CHECK_FALSE(option_problem(opts({std::string(kMaxOptionValueBytes, 'x')}), "body"));
    auto dup = option_problem(opts({"a", "b", "a"}), "options");
    REQUIRE(dup);
    CHECK(dup->field == "options[2]");
    CHECK(option_problem(std::vector<Option>(kMaxOptions + 1, Option{"x", "x"}), "body"));
}

TEST_CASE("an options script is split once and takes no placeholders", "[catalog]") {
    CHECK(*script_argv("/opt/list --format 'json lines'") ==
          V{"/opt/list", "--format", "json lines"});
    auto r = script_argv("/opt/list {Env}");
    REQUIRE_FALSE(r.ok());
    CHECK(field_of(r.error()) == "command");
    CHECK_FALSE(script_argv("list | jq .").ok());
}

TEST_CASE("the script cache is fresh for cache_s", "[catalog]") {
    Variable v;
    v.source = VariableSource::script;
    v.cache_s = 60;
    CHECK_FALSE(cache_fresh(v, 1000));
    v.cached = opts({"a"});
    v.cached_at = 1000;
    CHECK(cache_fresh(v, 60'999));
    CHECK_FALSE(cache_fresh(v, 61'000));
    CHECK(current_options(v)->size() == 1);
}

TEST_CASE("check_template: the seed's template is accepted and split", "[catalog]") {
    Registry reg;
    auto argv = check_template(deploy_app01(), reg.lookup());
    REQUIRE(argv.ok());
    CHECK(*argv == V{"python", "main_deploy_git.py", "-e", "prod", "-g", "{GitProjName}", "-i",
                     "{AnsibleHosts}"});
}

TEST_CASE("check_template: a placeholder the template does not provide names command",
          "[catalog]") {
    Registry reg;
    auto t = deploy_app01();
    t.command += " --branch {Branch} --url {config.git.base_url}";
    auto r = check_template(t, reg.lookup());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::bad_request);
    CHECK(field_of(r.error()) == "command");
    CHECK(r.error().message.find("Branch") != std::string::npos);
    t.choices["Branch"] = opts({"main", "release"});
    CHECK(check_template(t, reg.lookup()).ok());  // choices provide it; config.* always allowed
}

TEST_CASE("check_template: malformed commands are 400 naming command", "[catalog]") {
    Registry reg;
    for (const char* bad : {"deploy 'unterminated", "deploy ; rm -rf /", "{AnsibleHosts} x",
                            "deploy {bad-name}", "deploy $(id)"}) {
        INFO(bad);
        auto t = deploy_app01();
        t.command = bad;
        auto r = check_template(t, reg.lookup());
        REQUIRE_FALSE(r.ok());
        CHECK(field_of(r.error()) == "command");
    }
}

TEST_CASE("check_template: variables must exist, names must not clash", "[catalog]") {
    Registry reg;
    auto t = deploy_app01();
    t.variables.push_back({"Nope", false, std::nullopt, std::nullopt, ""});
    auto r = check_template(t, reg.lookup());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::unprocessable);
    CHECK(field_of(r.error()) == "variables[1].name");

    t = deploy_app01();
    t.variables.push_back({"AnsibleHosts", false, std::nullopt, std::nullopt, ""});
    CHECK(field_of(check_template(t, reg.lookup()).error()) == "variables[1].name");

    t = deploy_app01();
    t.internal_vars["AnsibleHosts"] = "x";
    CHECK(field_of(check_template(t, reg.lookup()).error()) == "variables[0].name");

    t = deploy_app01();
    t.choices["AnsibleHosts"] = opts({"host1"});  // a registered name cannot be a choice
    auto clash = check_template(t, reg.lookup());
    REQUIRE_FALSE(clash.ok());
    CHECK(field_of(clash.error()) == "choices.AnsibleHosts");

    t = deploy_app01();
    t.choices["Mode"] = {};
    CHECK(field_of(check_template(t, reg.lookup()).error()) == "choices.Mode");
    t.internal_vars["bad name"] = "x";
    CHECK(field_of(check_template(t, reg.lookup()).error()) == "internal_vars.bad name");
}

TEST_CASE("check_template: defaults are single unless multiple and in a known list", "[catalog]") {
    Registry reg;
    auto t = deploy_app01();
    t.variables[0].default_values = V{"host1", "host2"};
    CHECK(check_template(t, reg.lookup()).ok());
    t.variables[0].default_values = V{"host9"};
    CHECK(field_of(check_template(t, reg.lookup()).error()) == "variables[0].default");

    t = deploy_app01();
    t.choices["Mode"] = opts({"incremental", "full"});
    t.variables.push_back({"Mode", true, V{"incremental", "full"}, std::nullopt, ""});
    CHECK(field_of(check_template(t, reg.lookup()).error()) == "variables[1].default");
    t.variables[1].multiple = true;
    CHECK(check_template(t, reg.lookup()).ok());
    // A script-fed list is not known at save time: its default is checked at submit.
    t.variables.push_back({"Projects", false, V{"anything"}, std::nullopt, ""});
    CHECK(check_template(t, reg.lookup()).ok());
}

TEST_CASE("the form lists variables in order, then unlisted choices", "[catalog]") {
    Registry reg;
    auto t = deploy_app01();
    t.variables.push_back({"Projects", false, std::nullopt, std::nullopt, "项目"});
    t.choices["Mode"] = opts({"incremental", "full"});
    auto form = form_fields(t, reg.lookup());
    REQUIRE(form.size() == 3);
    CHECK(form[0].name == "AnsibleHosts");
    CHECK(form[0].multiple);
    CHECK(form[0].source == FieldSource::static_list);
    CHECK(form[0].options->size() == 3);
    CHECK(form[1].name == "Projects");
    CHECK(form[1].label == "项目");
    CHECK(form[1].source == FieldSource::script);
    CHECK_FALSE(form[1].options);  // never fetched yet
    CHECK(form[2].name == "Mode");
    CHECK(form[2].source == FieldSource::choices);
    CHECK(form[2].required);
    CHECK_FALSE(form[2].multiple);
}

TEST_CASE("choose_values: unknown names, missing required values, single choice", "[catalog]") {
    Registry reg;
    auto t = deploy_app01();
    t.choices["Mode"] = opts({"incremental", "full"});
    auto form = form_fields(t, reg.lookup());

    auto unknown = choose_values(form, {{"Nope", {false, {"x"}}}});
    REQUIRE_FALSE(unknown.ok());
    CHECK(field_of(unknown.error()) == "variables.Nope");

    auto missing = choose_values(form, {{"Mode", {false, {"full"}}}});
    REQUIRE_FALSE(missing.ok());
    CHECK(field_of(missing.error()) == "variables.AnsibleHosts");
    CHECK(missing.error().kind == ErrorKind::bad_request);

    auto two = choose_values(
        form, {{"AnsibleHosts", {false, {"host1"}}}, {"Mode", {true, {"full", "incremental"}}}});
    REQUIRE_FALSE(two.ok());
    CHECK(field_of(two.error()) == "variables.Mode");

    auto repeated = choose_values(
        form, {{"AnsibleHosts", {true, {"host1", "host1"}}}, {"Mode", {false, {"full"}}}});
    CHECK_FALSE(repeated.ok());
}

TEST_CASE("choose_values: values outside the list are 400, inside kept byte for byte",
          "[catalog]") {
    Registry reg;
    const V hostile = {"; rm -rf /", "$(touch /tmp/x)", "`id`", "a | b",
                       "a && b",     "line1\nline2",    "-rf",  "主机-01 ✓"};
    reg.vars["AnsibleHosts"].options = opts(hostile);
    auto form = form_fields(deploy_app01(), reg.lookup());
    auto ok = choose_values(form, {{"AnsibleHosts", {true, hostile}}});
    REQUIRE(ok.ok());
    CHECK(ok->values.at("AnsibleHosts") == hostile);
    CHECK(ok->options.at("AnsibleHosts") == hostile);

    for (const std::string& bad : {std::string("host1"), std::string(";rm -rf /"),
                                   std::string("-rf\0x", 4), std::string(1 << 20, 'x')}) {
        auto r = choose_values(form, {{"AnsibleHosts", {false, {bad}}}});
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == ErrorKind::bad_request);
        CHECK(field_of(r.error()) == "variables.AnsibleHosts");
        CHECK(r.error().message.size() < 300);  // a 1 MB value is not echoed back
    }
}

TEST_CASE("choose_values: defaults, optional fields and secrets", "[catalog]") {
    Registry reg;
    auto t = deploy_app01();
    t.variables[0].default_values = V{"host2"};
    t.variables.push_back({"Token", false, std::nullopt, std::nullopt, ""});
    auto form = form_fields(t, reg.lookup());
    auto r = choose_values(form, {});
    REQUIRE(r.ok());
    CHECK(r->values.at("AnsibleHosts") == V{"host2"});
    CHECK(r->values.at("Token").empty());
    CHECK(r->secret_vars == V{"Token"});

    auto wrong = choose_values(form, {{"Token", {false, {"tok-C"}}}});
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message.find("tok-C") == std::string::npos);  // secrets not echoed

    reg.vars["AnsibleHosts"].options = opts({"host1"});  // the default left the list
    auto stale = choose_values(form_fields(t, reg.lookup()), {});
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.error().kind == ErrorKind::unprocessable);
}

TEST_CASE("choose_values: a script-fed variable without a list asks to reload", "[catalog]") {
    Registry reg;
    auto t = deploy_app01();
    t.variables.push_back({"Projects", true, std::nullopt, std::nullopt, ""});
    auto r = choose_values(form_fields(t, reg.lookup()),
                           {{"AnsibleHosts", {false, {"host1"}}}, {"Projects", {false, {"shop"}}}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::unprocessable);
    CHECK(r.error().message.find("reload") != std::string::npos);

    reg.vars["Projects"].cached = opts({"shop", "blog"});
    reg.vars["Projects"].cached_at = 1;
    auto ok = choose_values(form_fields(t, reg.lookup()), {{"AnsibleHosts", {false, {"host1"}}},
                                                           {"Projects", {false, {"shop"}}}});
    REQUIRE(ok.ok());
    CHECK(ok->options.at("Projects") == V{"shop", "blog"});
}

TEST_CASE("who may submit a template", "[catalog]") {
    auto t = deploy_app01();
    CHECK(may_submit(t, {}, false, true));
    CHECK_FALSE(may_submit(t, {}, false, false));
    t.submit_roles = {"ops"};
    CHECK(may_submit(t, {"qc", "ops"}, false, false));
    CHECK_FALSE(may_submit(t, {"qc"}, false, true));
    CHECK(may_submit(t, {}, true, false));
}
