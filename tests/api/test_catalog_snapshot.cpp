// app::snapshot_template_submission and app::revalidate_snapshot, the contract tickets and
// executions use, against the shared server's database with a catalog made over the API.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include "app/checks.h"
#include "app/template_snapshots.h"
#include "http/app.h"
#include "integrations/crypto.h"
#include "integrations/run_command.h"
#include "storage/catalog_ports.h"

#include "support/process.h"
#include "test_catalog_support.h"

using namespace orderly;
using namespace orderly::test;
using namespace orderly::test::catalog;
using V = std::vector<std::string>;

namespace {

// The shared server's secret key.
const std::string& secret_key() {
    static const std::string key = crypto::load_or_create_key(secret_key_file());
    return key;
}

http::Principal submitter(std::vector<std::string> roles, std::set<std::string> perms) {
    http::Principal p;
    p.user_id = 1;
    p.username = "submitter";
    p.roles = std::move(roles);
    p.permissions = std::move(perms);
    return p;
}

const http::Principal kOps = submitter({}, {"ticket.submit"});

Result<std::string> snapshot(int64_t id, const std::string& variables_json,
                             const http::Principal& who = kOps) {
    json::Document vars;
    vars.Parse(variables_json.c_str());
    REQUIRE_FALSE(vars.HasParseError());
    return server().db().write([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return app::snapshot_template_submission(catalog, id, vars, app::submitter(who));
    });
}

Result<V> revalidate(const std::string& snap, V* secrets = nullptr) {
    return server().db().read([&](storage::Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return app::revalidate_snapshot(catalog, secret_key(), snap, secrets);
    });
}

std::string error_field(const Error& e) {
    return e.fields.empty() ? std::string() : e.fields.front().field;
}

struct Catalog {
    Client a = admin();
    std::string env, purpose, hosts;
    int64_t id = 0;
    explicit Catalog(const std::vector<std::string>& host_list = {"host1", "host2", "host3"},
                     const std::string& extra = "") {
        std::tie(env, purpose) = make_categories(a);
        hosts = make_static_variable(a, "AnsibleHosts", host_list, true);
        auto t = create_template(
            a, env, purpose,
            R"(python main_deploy_git.py -e prod -g "{GitProjName}" -i "{)" + hosts +
                R"(}" -m {Mode})",
            R"(,"internal_vars":{"GitProjName":"app01"},"variables":[{"name":)" + q(hosts) +
                R"(,"required":true}],"choices":{"Mode":["incremental","full"]})" + extra);
        INFO(t.body);
        REQUIRE(t.status == 201);
        id = t.num("id");
    }
};

}  // namespace

TEST_CASE("snapshot: the seed's submission gives the documented snapshot and argv",
          "[api][snapshot]") {
    Catalog cat;
    auto s = snapshot(cat.id, R"({")" + cat.hosts + R"(":["host1","host2"],"Mode":"full"})");
    REQUIRE(s.ok());
    json::Document d;
    d.Parse(s->c_str());
    REQUIRE(d.IsObject());
    CHECK(d["template_id"].GetInt64() == cat.id);
    CHECK(d["template_version"].GetInt64() == 1);
    CHECK(d["environment"].GetString() == cat.env);
    CHECK(d["purpose"].GetString() == cat.purpose);
    CHECK(d["internal_vars"]["GitProjName"].GetString() == std::string("app01"));
    CHECK(d["values"][cat.hosts.c_str()].Size() == 2);
    CHECK(d["values"]["Mode"][0].GetString() == std::string("full"));
    CHECK(d["options"][cat.hosts.c_str()].Size() == 3);
    CHECK(d["options"]["Mode"].Size() == 2);
    CHECK(d["secret_vars"].Size() == 0);
    CHECK(d["workflow_id"].IsNull());
    CHECK(d["timeout_s"].GetInt() == 600);
    CHECK(d["argv"].Size() == 10);

    auto argv = revalidate(*s);
    REQUIRE(argv.ok());
    CHECK(*argv == V{"python", "main_deploy_git.py", "-e", "prod", "-g", "app01", "-i",
                     "host1,host2", "-m", "full"});
}

TEST_CASE("snapshot: unknown names, values outside the list, several values for one are 400",
          "[api][snapshot]") {
    Catalog cat;
    auto unknown = snapshot(cat.id, R"({")" + cat.hosts + R"(":"host1","Mode":"full","X":"1"})");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().kind == ErrorKind::bad_request);
    CHECK(error_field(unknown.error()) == "variables.X");

    auto outside = snapshot(cat.id, R"({")" + cat.hosts + R"(":["host1","host9"],"Mode":"full"})");
    REQUIRE_FALSE(outside.ok());
    CHECK(outside.error().kind == ErrorKind::bad_request);
    CHECK(error_field(outside.error()) == "variables." + cat.hosts);

    auto two =
        snapshot(cat.id, R"({")" + cat.hosts + R"(":"host1","Mode":["full","incremental"]})");
    REQUIRE_FALSE(two.ok());
    CHECK(error_field(two.error()) == "variables.Mode");

    auto missing = snapshot(cat.id, R"({"Mode":"full"})");
    REQUIRE_FALSE(missing.ok());
    CHECK(error_field(missing.error()) == "variables." + cat.hosts);

    auto wrong_type = snapshot(cat.id, R"({")" + cat.hosts + R"(":[1,2],"Mode":"full"})");
    REQUIRE_FALSE(wrong_type.ok());
    CHECK(wrong_type.error().kind == ErrorKind::bad_request);
    CHECK_FALSE(snapshot(cat.id, R"(["not","an","object"])").ok());
    CHECK_FALSE(snapshot(cat.id, "null").ok());  // the required variable is missing
}

TEST_CASE("snapshot: template missing, inactive, or not the submitter's", "[api][snapshot]") {
    Catalog cat({"host1"}, R"(,"submit_roles":["admin"])");
    CHECK(snapshot(987654321, "{}").error().kind == ErrorKind::not_found);
    const std::string vars = R"({")" + cat.hosts + R"(":"host1","Mode":"full"})";
    CHECK(snapshot(cat.id, vars).error().kind == ErrorKind::forbidden);
    CHECK(snapshot(cat.id, vars, submitter({"admin"}, {})).ok());  // holds a submit role
    CHECK(snapshot(cat.id, vars, submitter({}, {"admin"})).ok());  // admins always may
    REQUIRE(
        cat.a.patch("/api/v1/templates/" + std::to_string(cat.id), R"({"active":false})").status ==
        200);
    CHECK(snapshot(cat.id, vars, submitter({}, {"admin"})).error().kind ==
          ErrorKind::unprocessable);
    // Without submit_roles, ticket.submit is what counts.
    Catalog open;
    const std::string open_vars = R"({")" + open.hosts + R"(":"host1","Mode":"full"})";
    CHECK(snapshot(open.id, open_vars, submitter({}, {})).error().kind == ErrorKind::forbidden);
}

TEST_CASE("snapshot: editing the template or the list afterwards", "[api][snapshot]") {
    Catalog cat;
    auto s = snapshot(cat.id, R"({")" + cat.hosts + R"(":["host2","host3"],"Mode":"full"})");
    REQUIRE(s.ok());
    // The template changes (command, choices): the ticket keeps what it was submitted with.
    REQUIRE(cat.a
                .patch("/api/v1/templates/" + std::to_string(cat.id),
                       R"({"command":"other-program {Mode}","choices":{"Mode":["only"]},)"
                       R"("variables":[],"internal_vars":{}})")
                .status == 200);
    auto argv = revalidate(*s);
    REQUIRE(argv.ok());
    CHECK((*argv)[0] == "python");
    CHECK((*argv)[7] == "host2,host3");
    // A registered value that left the list is refused at execution.
    REQUIRE(
        cat.a.put("/api/v1/variables/" + cat.hosts + "/options", R"(["host1","host2"])").status ==
        200);
    auto gone = revalidate(*s);
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().kind == ErrorKind::unprocessable);
    CHECK(error_field(gone.error()) == "variables." + cat.hosts);
}

TEST_CASE("snapshot: config values resolve at execution and secrets are reported for masking",
          "[api][snapshot][secrets]") {
    Catalog cat({"host1"});
    std::string token = make_static_variable(cat.a, "Token", {"tok-A", "tok-B"}, false, true);
    const std::string secret = "pw-" + unique("s");
    REQUIRE(cat.a
                .put("/api/v1/config/" + cat.env + "/db.password",
                     R"({"value":)" + q(secret) + R"(,"secret":true})")
                .status == 201);
    REQUIRE(cat.a
                .patch("/api/v1/templates/" + std::to_string(cat.id),
                       R"({"command":"deploy --pw {config.db.password} --token={)" + token +
                           R"(} -i {)" + cat.hosts + R"(}","variables":[{"name":)" + q(cat.hosts) +
                           R"(},{"name":)" + q(token) + "}]}")
                .status == 200);
    auto s = snapshot(
        cat.id, R"({")" + cat.hosts + R"(":"host1",")" + token + R"(":"tok-B","Mode":"full"})");
    REQUIRE(s.ok());
    CHECK(s->find(secret) == std::string::npos);  // config secrets are not in the snapshot
    json::Document d;
    d.Parse(s->c_str());
    CHECK(d["secret_vars"][0].GetString() == token);
    V secrets;
    auto argv = revalidate(*s, &secrets);
    REQUIRE(argv.ok());
    CHECK(*argv == V{"deploy", "--pw", secret, "--token=tok-B", "-i", "host1"});
    CHECK(std::find(secrets.begin(), secrets.end(), secret) != secrets.end());
    CHECK(std::find(secrets.begin(), secrets.end(), "tok-B") != secrets.end());
    // A key deleted before the run is a clear error, not an empty argument.
    REQUIRE(cat.a.del("/api/v1/config/" + cat.env + "/db.password").status == 204);
    auto missing = revalidate(*s);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::unprocessable);
}

TEST_CASE("snapshot: hostile values reach the program as one argument each, byte for byte",
          "[api][snapshot][hostile]") {
    const V hostile = {"; rm -rf /",
                       "$(touch /tmp/orderly-catalog-pwned)",
                       "`touch /tmp/x`",
                       "a | b",
                       "a && b",
                       "line1\nline2",
                       "-rf",
                       "主机 ✓",
                       "{GitProjName}"};
    Catalog cat(hostile);
    REQUIRE(cat.a
                .patch("/api/v1/templates/" + std::to_string(cat.id),
                       R"({"command":"printf '%s\\0' {)" + cat.hosts + R"(} {Mode}"})")
                .status == 200);
    for (const auto& value : hostile) {
        INFO(value);
        auto s = snapshot(cat.id, R"({")" + cat.hosts + R"(":)" + q(value) + R"(,"Mode":"full"})");
        REQUIRE(s.ok());
        auto argv = revalidate(*s);
        REQUIRE(argv.ok());
        REQUIRE(argv->size() == 4);
        CHECK((*argv)[2] == value);
        auto run = integrations::run_command(*argv, 5000, 1 << 16);
        REQUIRE(run.exit_code == 0);
        CHECK(run.out == value + std::string(1, '\0') + "full" + std::string(1, '\0'));
    }
    CHECK(access("/tmp/orderly-catalog-pwned", F_OK) != 0);
    // Outside the list, including NUL and 1 MB values: 400.
    for (const std::string& bad :
         {std::string("; rm -rf / "), std::string("-rf\0", 4), std::string(1 << 20, 'x')}) {
        json::Writer w;
        w.start_object().key(cat.hosts).str(bad).kv("Mode", "full").end_object();
        auto s = snapshot(cat.id, w.take());
        REQUIRE_FALSE(s.ok());
        CHECK(s.error().kind == ErrorKind::bad_request);
    }
}

TEST_CASE("snapshot: hostile values from a script-fed list reach the program byte for byte",
          "[api][snapshot][hostile]") {
    const V hostile = {"; rm -rf /", "$(touch /tmp/orderly-catalog-pwned)",
                       "`id`",       "a | b",
                       "a && b",     "line1\nline2",
                       "-rf",        "主机 ✓",
                       "{Other}"};
    Catalog cat;
    const std::string dir = temp_dir();
    { std::ofstream(dir + "/list.json") << q_list(hostile); }
    auto script = write_script(dir, "list.sh", "cat '" + dir + "/list.json'");
    const std::string name = unique("Scripted");
    REQUIRE(cat.a
                .post("/api/v1/variables", R"({"name":)" + q(name) +
                                               R"(,"source":"script","command":)" + q(script) + "}")
                .status == 201);
    REQUIRE(cat.a
                .patch("/api/v1/templates/" + std::to_string(cat.id),
                       R"({"command":"printf '%s\\0' {)" + name + R"(}","variables":[{"name":)" +
                           q(name) + "}]}")
                .status == 200);
    // Before the form has loaded the list there is nothing to check against: 422, not a guess.
    auto early = snapshot(cat.id, R"({")" + name + R"(":"-rf","Mode":"full"})");
    REQUIRE_FALSE(early.ok());
    CHECK(early.error().kind == ErrorKind::unprocessable);
    REQUIRE(cat.a.get("/api/v1/variables/" + name + "/options").status == 200);
    for (const auto& value : hostile) {
        INFO(value);
        auto s = snapshot(cat.id, R"({")" + name + R"(":)" + q(value) + R"(,"Mode":"full"})");
        REQUIRE(s.ok());
        auto argv = revalidate(*s);
        REQUIRE(argv.ok());
        REQUIRE(argv->size() == 3);
        auto run = integrations::run_command(*argv, 5000, 1 << 16);
        REQUIRE(run.exit_code == 0);
        CHECK(run.out == value + std::string(1, '\0'));
    }
    CHECK(snapshot(cat.id, R"({")" + name + R"(":"; rm -rf","Mode":"full"})").error().kind ==
          ErrorKind::bad_request);
    CHECK(access("/tmp/orderly-catalog-pwned", F_OK) != 0);
    std::filesystem::remove_all(dir);
}
