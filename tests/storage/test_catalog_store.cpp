// The catalog's SQL on a temp-file database with the real migrations; config values go through
// app/config_secrets.h, which seals secrets before storage sees them.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/config_secrets.h"
#include "core/codes.h"
#include "integrations/crypto.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::CategoryKind;
using storage::Connection;

namespace {

struct TempDb {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "c.db"), 2};
    std::string key;
    TempDb() {
        crypto::init();
        db.migrate();
        key = crypto::load_or_create_key(dir + "/c.key");
        db.write([](Connection& c) {
            unwrap(storage::insert_category(c, CategoryKind::environment,
                                            {"PROD", "生产", "", 0, 1, 0, 0}, 1));
            unwrap(storage::insert_category(c, CategoryKind::purpose,
                                            {"DeployGit", "Git", "", 0, 1, 0, 0}, 1));
        });
    }
    ~TempDb() { std::filesystem::remove_all(dir); }
};

domain::ConfigEntry entry(const std::string& key, const std::string& value, bool secret) {
    domain::ConfigEntry e;
    e.env = "PROD";
    e.key = key;
    e.value = value;
    e.secret = secret;
    return e;
}

}  // namespace

TEST_CASE("secret config values are encrypted at rest and decrypted on the way out",
          "[storage][catalog]") {
    TempDb t;
    const std::string secret = "s3cr3t-Passw0rd";
    t.db.write([&](Connection& c) {
        app::put_config(c, t.key, entry("db.password", secret, true), "set", std::nullopt, "admin",
                        10);
        app::put_config(c, t.key, entry("git.base_url", "https://git", false), "set", std::nullopt,
                        "admin", 10);
    });
    // Nothing in either table holds the clear text.
    t.db.read([&](Connection& c) {
        for (const char* sql :
             {"SELECT coalesce(value, ''), coalesce(value_enc, '') FROM config_entries",
              "SELECT coalesce(value, ''), coalesce(value_enc, '') FROM config_revisions"}) {
            auto s = c.prepare(sql);
            while (s.step()) {
                CHECK(s.blob(0).find(secret) == std::string::npos);
                CHECK(s.blob(1).find(secret) == std::string::npos);
            }
        }
    });
    t.db.read([&](Connection& c) {
        CHECK(app::config_value(c, t.key, "PROD", "db.password") == secret);
        CHECK(app::config_value(c, t.key, "PROD", "git.base_url") == "https://git");
        CHECK_FALSE(app::config_value(c, t.key, "PROD", "nope"));
        CHECK(app::secret_config_values(c, t.key, "PROD") == std::vector<std::string>{secret});
        CHECK(app::find_config(c, t.key, "PROD", "db.password")->value == secret);
    });
    // Another key cannot read it; it says so instead of answering "".
    const std::string other = crypto::load_or_create_key(t.dir + "/other.key");
    CHECK_THROWS(t.db.read(
        [&](Connection& c) { return app::config_value(c, other, "PROD", "db.password"); }));
}

TEST_CASE("config revisions are numbered per key and survive a delete", "[storage][catalog]") {
    TempDb t;
    t.db.write([&](Connection& c) {
        CHECK(app::put_config(c, t.key, entry("k", "one", false), "set", std::nullopt, "a", 1) ==
              1);
        CHECK(app::put_config(c, t.key, entry("k", "two", true), "set", std::nullopt, "b", 2) == 2);
        CHECK(storage::delete_config(c, "PROD", "k", "c", 3) == 3);
        CHECK(app::put_config(c, t.key, entry("k", "one", false), "rollback", 1, "d", 4) == 4);
    });
    t.db.read([&](Connection& c) {
        auto revs = app::list_config_revisions(c, t.key, "PROD", "k", 0, 10);
        REQUIRE(revs.size() == 4);
        CHECK(revs[0].action == "rollback");
        CHECK(revs[0].rollback_of == 1);
        CHECK(revs[1].action == "delete");
        CHECK_FALSE(revs[1].value);
        CHECK(revs[2].value == "two");
        CHECK(revs[2].secret);
        CHECK(revs[3].actor == "a");
        auto older = app::list_config_revisions(c, t.key, "PROD", "k", 3, 10);
        CHECK(older.size() == 2);
        CHECK(app::previous_config_revision(c, t.key, "PROD", "k", 2)->value == "one");
        auto e = app::find_config(c, t.key, "PROD", "k");
        REQUIRE(e);
        CHECK(e->revision == 4);
        CHECK(e->value == "one");
    });
}

TEST_CASE("categories: duplicate keys conflict, used ones cannot go", "[storage][catalog]") {
    TempDb t;
    t.db.write([&](Connection& c) {
        auto dup = storage::insert_category(c, CategoryKind::environment,
                                            {"PROD", "again", "", 0, 1, 0, 0}, 2);
        REQUIRE_FALSE(dup.ok());
        CHECK(dup.error().kind == ErrorKind::conflict);
        domain::Template tpl;
        tpl.name = "Deploy";
        tpl.environment = "PROD";
        tpl.purpose = "DeployGit";
        tpl.command = "deploy";
        tpl.argv = {"deploy"};
        unwrap(storage::insert_template(c, tpl, {}, 5));
        auto in_use = storage::delete_category(c, CategoryKind::purpose, "DeployGit");
        REQUIRE_FALSE(in_use.ok());
        CHECK(in_use.error().kind == ErrorKind::conflict);
        CHECK(storage::templates_in_category(c, CategoryKind::environment, "PROD").size() == 1);
    });
}

TEST_CASE("templates round-trip every field", "[storage][catalog]") {
    TempDb t;
    domain::Template tpl;
    tpl.name = "Deploy app01";
    tpl.environment = "PROD";
    tpl.purpose = "DeployGit";
    tpl.description = "发布";
    tpl.command = "deploy -i {Hosts} -m {Mode}";
    tpl.argv = {"deploy", "-i", "{Hosts}", "-m", "{Mode}"};
    tpl.internal_vars = {{"GitProjName", "app01"}};
    tpl.variables = {{"Hosts", true, std::vector<std::string>{"h1"}, std::nullopt, "Hosts"},
                     {"Mode", false, std::nullopt, true, ""}};
    tpl.choices = {{"Mode", {{"full", "Full"}, {"incr", "incr"}}}};
    tpl.workflow_id = 7;
    tpl.submit_roles = {"ops"};
    tpl.timeout_s = 42;
    tpl.active = false;
    int64_t id = t.db.write(
        [&](Connection& c) { return unwrap(storage::insert_template(c, tpl, {"Hosts"}, 9)); });
    auto got = t.db.read([&](Connection& c) { return storage::find_template(c, id); });
    REQUIRE(got);
    CHECK(got->argv == tpl.argv);
    CHECK(got->internal_vars == tpl.internal_vars);
    REQUIRE(got->variables.size() == 2);
    CHECK(got->variables[0].default_values == std::vector<std::string>{"h1"});
    CHECK(got->variables[1].multiple == true);
    CHECK(got->choices.at("Mode")[0] == domain::Option{"full", "Full"});
    CHECK(got->workflow_id == 7);
    CHECK(got->submit_roles == tpl.submit_roles);
    CHECK(got->timeout_s == 42);
    CHECK_FALSE(got->active);
    auto users =
        t.db.read([&](Connection& c) { return storage::templates_using_variable(c, "Hosts"); });
    REQUIRE(users.size() == 1);
    CHECK(users[0].id == id);
}

TEST_CASE("a script-fed variable's cache is kept apart and dropped when asked",
          "[storage][catalog]") {
    TempDb t;
    domain::Variable v;
    v.name = "Projects";
    v.source = domain::VariableSource::script;
    v.command = "list";
    v.argv = {"list"};
    t.db.write([&](Connection& c) {
        unwrap(storage::insert_variable(c, v, 1));
        storage::store_variable_cache(c, "Projects", {{"shop", "Shop"}}, 2);
        storage::store_variable_error(
            c, "Projects",
            {"failed", codes::variable_script_exit_code, {{"name", "Projects"}, {"exit_code", 2}}},
            3);
    });
    auto got = t.db.read([&](Connection& c) { return *storage::find_variable(c, "Projects"); });
    REQUIRE(got.cached);
    CHECK(got.cached->at(0).label == "Shop");
    CHECK(got.cached_at == 2);
    CHECK(got.last_error == "failed");
    CHECK(got.last_error_code == "variable.script_exit_code");
    CHECK(got.last_error_params == R"({"name":"Projects","exit_code":2})");
    CHECK(got.version == 1);  // caching is not a change of the definition
    t.db.write([&](Connection& c) { storage::update_variable(c, got, true, 4); });
    got = t.db.read([&](Connection& c) { return *storage::find_variable(c, "Projects"); });
    CHECK_FALSE(got.cached);
    CHECK_FALSE(got.last_error);
    CHECK(got.last_error_code.empty());
    CHECK(got.version == 2);
}
