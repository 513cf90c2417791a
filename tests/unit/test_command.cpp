#include <catch2/catch.hpp>

#include "domain/command.h"

using namespace orderly::domain;
using V = std::vector<std::string>;

TEST_CASE("commands split as a POSIX shell reads words", "[command]") {
    CHECK(*split_command(
              R"(python main_deploy_git.py -e prod -g "{GitProjName}" -i "{AnsibleHosts}")") ==
          V{"python", "main_deploy_git.py", "-e", "prod", "-g", "{GitProjName}", "-i",
            "{AnsibleHosts}"});
    CHECK(*split_command(R"(echo 'a b' "c \"d\" \\e" f\ g)") ==
          V{"echo", "a b", "c \"d\" \\e", "f g"});
    CHECK(*split_command("echo ''") == V{"echo", ""});
    CHECK(*split_command("  a\t\tb  ") == V{"a", "b"});
    CHECK(*split_command(R"(echo 'x|y;z')") == V{"echo", "x|y;z"});
}

TEST_CASE("malformed commands and shell operators are refused with a message", "[command]") {
    for (const char* bad : {"echo 'open", "echo \"open", "a | b", "a; rm -rf /", "a && b", "a > f",
                            "echo $(id)", "echo `id`", "echo \"$HOME\"", "", "   ", "a \\"}) {
        INFO(bad);
        auto r = split_command(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().fields.at(0).field == "command");
    }
}

TEST_CASE("check_command: the template must provide every placeholder", "[command]") {
    auto argv =
        *split_command(R"(deploy -g {GitProjName} -i {AnsibleHosts} --url {config.git.base_url})");
    CHECK(check_command(argv, {"GitProjName", "AnsibleHosts"}).ok());
    auto missing = check_command(argv, {"GitProjName"});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("AnsibleHosts") != std::string::npos);
    CHECK_FALSE(check_command(*split_command("{Prog} x"), {"Prog"}).ok());
    CHECK_FALSE(check_command(V{"run", "{bad name}"}, {}).ok());
    CHECK_FALSE(check_command(V{"run", "{open"}, {}).ok());
    CHECK(check_command(V{"run", "{{literal}}"}, {}).ok());
}

TEST_CASE("substitution happens once per argument and never splits or rescans", "[command]") {
    V argv = {"deploy", "-i", "{Hosts}", "--name={Name}", "{{Name}}"};
    std::map<std::string, V> values = {{"Hosts", {"host1", "host2"}},
                                       {"Name", {"x\"; rm -rf / # {Hosts} $(id) a b"}}};
    auto r = substitute(argv, values, nullptr);
    REQUIRE(r.ok());
    CHECK(*r ==
          V{"deploy", "-i", "host1,host2", "--name=x\"; rm -rf / # {Hosts} $(id) a b", "{Name}"});
}

TEST_CASE("config placeholders resolve at run time, a missing value is a 422", "[command]") {
    V argv = {"git", "clone", "{config.git.base_url}/app01"};
    auto r = substitute(argv, {}, [](const std::string& k) -> std::optional<std::string> {
        if (k == "git.base_url") return "https://git.example.com";
        return std::nullopt;
    });
    REQUIRE(r.ok());
    CHECK((*r)[2] == "https://git.example.com/app01");
    auto missing =
        substitute({"x", "{config.nope}"}, {}, [](const std::string&) { return std::nullopt; });
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == orderly::ErrorKind::unprocessable);
    CHECK_FALSE(substitute({"x", "{Var}"}, {}, nullptr).ok());
}

TEST_CASE("secrets are masked everywhere they appear", "[command]") {
    CHECK(mask_secrets("pw=s3cr3t and s3cr3t again", {"s3cr3t", ""}) ==
          "pw=****** and ****** again");
}
