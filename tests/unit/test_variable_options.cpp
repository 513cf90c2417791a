// The option lists forms offer (app/variable_options.h) over an in-memory catalog, a fake options
// script and a manual clock: when a script-fed variable's script runs, what its success or
// failure stores, and how long a list stays fresh, with no database, no process and no waiting.
#include <catch2/catch.hpp>

#include "app/variable_options.h"
#include "core/json.h"
#include "support/fake_catalog_ports.h"
#include "support/fake_ticket_ports.h"
#include "support/problem_code.h"

using namespace orderly;
using V = std::vector<std::string>;

namespace {

const TimeMs kStart = 1'795'000'000'000;

// What the fake script prints next, and how it was called.
struct Script {
    integrations::CommandResult next;
    int runs = 0;
    V argv;
    int timeout_ms = 0;
    size_t max_output = 0;

    void prints(const std::string& out) {
        next = {};
        next.exit_code = 0;
        next.out = out;
    }
};

struct Options {
    test::FakeCatalog catalog;
    test::ManualClock clock{kStart};
    Script script;
    app::OptionsScriptRunner runner = [this](const V& argv, int timeout_ms, size_t max_output) {
        ++script.runs;
        script.argv = argv;
        script.timeout_ms = timeout_ms;
        script.max_output = max_output;
        return script.next;
    };

    Options() {
        domain::Variable hosts;
        hosts.name = "Hosts";
        hosts.source = domain::VariableSource::script;
        hosts.command = "inventory --group web";
        hosts.argv = {"inventory", "--group", "web"};
        hosts.timeout_s = 7;
        hosts.cache_s = 300;
        catalog.add_variable(hosts);
        domain::Variable fixed;
        fixed.name = "Fixed";
        fixed.options = {{"a", "A"}};
        catalog.add_variable(fixed);
    }

    app::VariableOptions options(const std::string& name = "Hosts", bool refresh = false,
                                 bool may_refresh = false) {
        return app::variable_options(catalog, runner, clock, name, refresh, may_refresh);
    }

    Error failure(const std::string& name = "Hosts", bool refresh = false) {
        try {
            options(name, refresh, true);
        } catch (const ErrorException& e) {
            return e.error;
        }
        FAIL("the options call did not fail");
        return {};
    }
};

std::optional<V> values(const domain::Variable& v) {
    auto list = domain::current_options(v);
    if (!list) return std::nullopt;
    return domain::option_values(*list);
}

}  // namespace

TEST_CASE("options: a static list is returned as it is, no script runs", "[unit][options]") {
    Options o;
    auto r = o.options("Fixed");
    CHECK_FALSE(r.cached);
    CHECK(values(r.variable) == V{"a"});
    CHECK(o.script.runs == 0);
    CHECK(o.catalog.writes == 0);
    CHECK(test::code_of([&] { o.options("Nope"); }) == "variable.not_found");
    CHECK(test::code_of([&] { o.options("Hosts", true, false); }) == "variable.refresh_denied");
    CHECK(o.script.runs == 0);
}

TEST_CASE("options: a script's list is stored and stays fresh for cache_s on the clock",
          "[unit][options]") {
    Options o;
    o.script.prints(R"(["web1",{"value":"web2","label":"Web 2"}])");
    auto first = o.options();
    CHECK_FALSE(first.cached);
    CHECK(o.script.runs == 1);
    CHECK(o.script.argv == V{"inventory", "--group", "web"});
    CHECK(o.script.timeout_ms == 7000);
    CHECK(o.script.max_output == size_t{1} << 20);
    CHECK(values(first.variable) == V{"web1", "web2"});
    const auto& stored = o.catalog.variable("Hosts");
    REQUIRE(stored.cached);
    CHECK(stored.cached->at(1).label == "Web 2");
    CHECK(stored.cached_at == kStart);
    CHECK_FALSE(stored.last_error);

    // Fresh until cache_s has passed: served from the cache, the script does not run.
    o.script.prints(R"(["web3"])");
    o.clock.advance(299'999);
    auto cached = o.options();
    CHECK(cached.cached);
    CHECK(values(cached.variable) == V{"web1", "web2"});
    CHECK(o.script.runs == 1);
    // A catalog manager's refresh runs it anyway.
    auto refreshed = o.options("Hosts", true, true);
    CHECK_FALSE(refreshed.cached);
    CHECK(values(refreshed.variable) == V{"web3"});
    CHECK(o.script.runs == 2);
    CHECK(o.catalog.variable("Hosts").cached_at == kStart + 299'999);

    // Stale once cache_s has passed since that run.
    o.script.prints(R"(["web4"])");
    o.clock.advance(300'000);
    auto stale = o.options();
    CHECK_FALSE(stale.cached);
    CHECK(values(stale.variable) == V{"web4"});
    CHECK(o.script.runs == 3);
}

TEST_CASE("options: a failing script stores why and keeps the last good list", "[unit][options]") {
    Options o;
    o.script.prints(R"(["web1","web2"])");
    o.options();
    o.clock.advance(600'000);

    o.script.next = {};
    o.script.next.exit_code = 3;
    o.script.next.err = "inventory: no route to host\nsecond line";
    auto e = o.failure();
    CHECK(e.kind == ErrorKind::unprocessable);
    CHECK(e.code == "variable.script_failed");
    REQUIRE(e.fields.size() == 1);
    CHECK(e.fields[0].field == "options");
    CHECK(json::params_json(e.params) == R"({"field":"options","name":"Hosts"})");
    CHECK(e.message.find("failed with exit code 3") != std::string::npos);
    // The error message does not carry the script's standard error; last_error does.
    CHECK(e.message.find("no route") == std::string::npos);

    const auto& v = o.catalog.variable("Hosts");
    CHECK(v.last_error ==
          "the options script of \"Hosts\" failed with exit code 3: inventory: no "
          "route to host");
    CHECK(v.last_error_code == "variable.script_exit_code");
    CHECK(v.last_error_params == R"({"name":"Hosts","exit_code":3})");
    CHECK(v.last_error_at == kStart + 600'000);
    CHECK(values(v) == V{"web1", "web2"});
    CHECK(v.cached_at == kStart);

    // The next good run clears the error.
    o.script.prints(R"(["web9"])");
    CHECK(values(o.options().variable) == V{"web9"});
    CHECK_FALSE(o.catalog.variable("Hosts").last_error);
    CHECK(o.catalog.variable("Hosts").last_error_code.empty());
}

TEST_CASE("options: each way a script fails has its own code", "[unit][options]") {
    Options o;
    auto fails_with = [&](const std::string& code, std::optional<std::string> params = {}) {
        INFO(code);
        CHECK(o.failure("Hosts", true).code == "variable.script_failed");
        const auto& v = o.catalog.variable("Hosts");
        CHECK(v.last_error_code == code);
        if (params) CHECK(v.last_error_params == *params);
        CHECK_FALSE(v.cached);  // never a list from a failed run
    };
    o.script.next = {};
    o.script.next.timed_out = true;
    fails_with("variable.script_timed_out", R"({"name":"Hosts","timeout_s":7})");
    o.script.next = {};
    o.script.next.exit_code = 0;
    o.script.next.truncated = true;
    fails_with("variable.script_output_too_large", R"({"name":"Hosts","max_bytes":1048576})");
    o.script.prints("web1 web2");
    fails_with("variable.script_not_json");
    CHECK(o.catalog.variable("Hosts").last_error_params.find(R"("reason":)") != std::string::npos);
    o.script.prints(R"({"hosts":["web1"]})");
    fails_with("variable.script_not_array", R"({"name":"Hosts"})");
    o.script.prints(R"(["web1","web1"])");
    fails_with("variable.script_bad_list");
    CHECK(o.catalog.variable("Hosts").last_error_params.find(R"("field":"output)") !=
          std::string::npos);
    CHECK(o.script.runs == 5);
}

TEST_CASE("options: a script-fed variable without a list runs its script even without refresh",
          "[unit][options]") {
    Options o;
    o.script.next = {};
    o.script.next.exit_code = 1;
    CHECK(o.failure("Hosts", false).code == "variable.script_failed");
    CHECK(o.script.runs == 1);
    // A failure leaves no list, so the next form load tries again at once.
    CHECK(o.failure("Hosts", false).code == "variable.script_failed");
    CHECK(o.script.runs == 2);
    CHECK_FALSE(domain::current_options(o.catalog.variable("Hosts")));
}
