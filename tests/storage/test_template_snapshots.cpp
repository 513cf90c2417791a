// The template snapshot rules of the application layer (app/template_snapshots.h) and the options
// runs of script-fed variables (app/variable_options.h), called directly, without HTTP, over the
// SQL catalog ports (storage/catalog_ports.h) on a temp-file database with the real migrations.
// tests/unit covers the rules themselves over in-memory fakes.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/config_secrets.h"
#include "app/template_snapshots.h"
#include "app/variable_options.h"
#include "integrations/crypto.h"
#include "storage/catalog_ports.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "support/fake_ticket_ports.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::CategoryKind;
using storage::Connection;

namespace {

struct Catalog {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "s.db"), 2};
    std::string key;
    int64_t template_id = 0;

    // PROD with a secret config value, a multiple-choice variable Hosts, a secret variable
    // Token, and a template for the role "ops" that uses all three.
    Catalog() {
        crypto::init();
        db.migrate();
        key = crypto::load_or_create_key(dir + "/s.key");
        db.write([&](Connection& c) {
            unwrap(storage::insert_category(c, CategoryKind::environment,
                                            {"PROD", "Production", "", 0, 1, 0, 0}, 1));
            unwrap(storage::insert_category(c, CategoryKind::purpose,
                                            {"Deploy", "Deploy", "", 0, 1, 0, 0}, 1));
            domain::ConfigEntry pw;
            pw.env = "PROD";
            pw.key = "db.password";
            pw.value = "pw-123";
            pw.secret = true;
            app::put_config(c, key, pw, "set", std::nullopt, "admin", 1);
            domain::Variable hosts;
            hosts.name = "Hosts";
            hosts.multiple = true;
            hosts.options = {{"h1", "h1"}, {"h2", "h2"}};
            unwrap(storage::insert_variable(c, hosts, 1));
            domain::Variable token;
            token.name = "Token";
            token.secret = true;
            token.options = {{"t0ps3cret", "the token"}};
            unwrap(storage::insert_variable(c, token, 1));
            domain::Template t;
            t.name = "Deploy";
            t.environment = "PROD";
            t.purpose = "Deploy";
            t.command = "deploy -i {Hosts} -p {config.db.password} -t {Token}";
            t.argv = {"deploy", "-i", "{Hosts}", "-p", "{config.db.password}", "-t", "{Token}"};
            t.variables = {{"Hosts", true, std::nullopt, std::nullopt, ""},
                           {"Token", true, std::nullopt, std::nullopt, ""}};
            t.submit_roles = {"ops"};
            template_id = unwrap(storage::insert_template(c, t, {"Hosts", "Token"}, 1));
        });
    }
    ~Catalog() { std::filesystem::remove_all(dir); }
};

json::Document parse(const std::string& text) {
    json::Document d;
    d.Parse(text.data(), text.size());
    return d;
}

}  // namespace

TEST_CASE("a template submission is checked against its submitter and its variables' lists",
          "[storage][catalog][app]") {
    Catalog cat;
    auto variables = parse(R"({"Hosts":["h1","h2"],"Token":"t0ps3cret"})");
    app::Submitter outsider;
    outsider.roles = {"dev"};
    outsider.ticket_submit = true;
    auto denied = cat.db.read([&](Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return app::snapshot_template_submission(catalog, cat.template_id, variables, outsider);
    });
    REQUIRE_FALSE(denied.ok());
    CHECK(denied.error().kind == ErrorKind::forbidden);
    CHECK(denied.error().code == "template.submit_denied");

    app::Submitter ops;
    ops.roles = {"ops"};
    auto wrong = parse(R"({"Hosts":["h3"],"Token":"t0ps3cret"})");
    auto refused = cat.db.read([&](Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return app::snapshot_template_submission(catalog, cat.template_id, wrong, ops);
    });
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::bad_request);
    REQUIRE(refused.error().fields.size() == 1);
    CHECK(refused.error().fields[0].field == "variables.Hosts");

    auto snapshot = cat.db.read([&](Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return unwrap(app::snapshot_template_submission(catalog, cat.template_id, variables, ops));
    });
    auto snap = parse(snapshot);
    CHECK(json::get_int(snap, "template_id") == cat.template_id);
    CHECK(json::get_strings(snap, "secret_vars") == std::vector<std::string>{"Token"});
}

TEST_CASE("a snapshot is re-checked when it runs: config resolved, secrets listed, values kept",
          "[storage][catalog][app]") {
    Catalog cat;
    app::Submitter admin;
    admin.admin = true;
    auto variables = parse(R"({"Hosts":["h1","h2"],"Token":"t0ps3cret"})");
    auto snapshot = cat.db.read([&](Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return unwrap(
            app::snapshot_template_submission(catalog, cat.template_id, variables, admin));
    });
    std::vector<std::string> secrets;
    auto argv = cat.db.read([&](Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return unwrap(app::revalidate_snapshot(catalog, cat.key, snapshot, &secrets));
    });
    CHECK(argv ==
          std::vector<std::string>{"deploy", "-i", "h1,h2", "-p", "pw-123", "-t", "t0ps3cret"});
    CHECK(std::find(secrets.begin(), secrets.end(), "pw-123") != secrets.end());
    CHECK(std::find(secrets.begin(), secrets.end(), "t0ps3cret") != secrets.end());

    // A value taken off its variable's list after the submission no longer runs.
    cat.db.write([&](Connection& c) {
        auto hosts = *storage::find_variable(c, "Hosts");
        hosts.options = {{"h1", "h1"}};
        storage::update_variable(c, hosts, false, 2);
    });
    auto stale = cat.db.read([&](Connection& c) {
        storage::SqlCatalogReader catalog(c);
        return app::revalidate_snapshot(catalog, cat.key, snapshot, nullptr);
    });
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.error().kind == ErrorKind::unprocessable);
    CHECK(stale.error().code == "variable.not_an_option");
    REQUIRE(stale.error().fields.size() == 1);
    CHECK(stale.error().fields[0].field == "variables.Hosts");
}

TEST_CASE("an options run stores its list, or why it failed, in the variable's row",
          "[storage][catalog][app]") {
    Catalog cat;
    cat.db.write([&](Connection& c) {
        domain::Variable v;
        v.name = "Scripted";
        v.source = domain::VariableSource::script;
        v.command = "inventory";
        v.argv = {"inventory"};
        unwrap(storage::insert_variable(c, v, 1));
    });
    storage::SqlCatalogTransactions catalog(cat.db);
    test::ManualClock clock(1'000'000);
    integrations::CommandResult next;
    next.exit_code = 0;
    next.out = R"(["web1","web2"])";
    auto run = [&](const std::vector<std::string>&, int, size_t) { return next; };
    auto fresh = app::variable_options(catalog, run, clock, "Scripted", false, false);
    CHECK_FALSE(fresh.cached);
    auto row = cat.db.read([&](Connection& c) { return *storage::find_variable(c, "Scripted"); });
    REQUIRE(row.cached);
    CHECK(domain::option_values(*row.cached) == std::vector<std::string>{"web1", "web2"});
    CHECK(row.cached_at == 1'000'000);

    next.exit_code = 2;
    next.err = "inventory: down";
    clock.advance(row.cache_s * 1000);
    CHECK_THROWS_AS(app::variable_options(catalog, run, clock, "Scripted", false, false),
                    ErrorException);
    row = cat.db.read([&](Connection& c) { return *storage::find_variable(c, "Scripted"); });
    CHECK(row.last_error ==
          "the options script of \"Scripted\" failed with exit code 2: "
          "inventory: down");
    CHECK(row.last_error_code == "variable.script_exit_code");
    CHECK(row.last_error_params == R"({"name":"Scripted","exit_code":2})");
    CHECK(row.last_error_at == 1'000'000 + row.cache_s * 1000);
    REQUIRE(row.cached);  // the last good list stays
    CHECK(domain::option_values(*row.cached) == std::vector<std::string>{"web1", "web2"});
}
