// The config center over the API: revisions, diff, rollback, secrets.
#include <catch2/catch.hpp>

#include "test_catalog_support.h"

using namespace orderly::test;
using namespace orderly::test::catalog;

namespace {
std::string make_env(Client& a) {
    std::string env = unique("CFG");
    REQUIRE(
        a.post("/api/v1/environments", R"({"key":)" + q(env) + R"(,"name":"Config env"})").status ==
        201);
    return env;
}
}  // namespace

TEST_CASE("config: PUT creates then revises a key, and revisions say who, when, old and new",
          "[api][config]") {
    auto a = admin();
    const std::string env = make_env(a);
    const std::string url = "/api/v1/config/" + env + "/git.base_url";
    auto r = a.put(url, R"({"value":"https://git.example.com/ops","description":"git"})");
    REQUIRE(r.status == 201);
    CHECK(r.num("revision") == 1);
    auto r2 = a.put(url, R"({"value":"https://git2.example.com/ops"})");
    REQUIRE(r2.status == 200);
    CHECK(r2.num("revision") == 2);
    CHECK(r2.str("description") == "git");  // kept when left out
    // The same value again is no change: no revision.
    CHECK(a.put(url, R"({"value":"https://git2.example.com/ops"})").num("revision") == 2);

    auto revs = a.get(url + "/revisions");
    REQUIRE(revs.status == 200);
    REQUIRE(revs.json["items"].Size() == 2);
    const auto& newest = revs.json["items"][0];
    CHECK(newest["revision"].GetInt() == 2);
    CHECK(newest["value"].GetString() == std::string("https://git2.example.com/ops"));
    CHECK(newest["old_value"].GetString() == std::string("https://git.example.com/ops"));
    CHECK(newest["actor"].GetString() == std::string("admin"));
    CHECK(newest["at"].IsString());
    CHECK(revs.json["items"][1]["old_value"].IsNull());

    auto page = a.get(url + "/revisions?limit=1");
    REQUIRE(page.json["next_cursor"].IsString());
    auto page2 = a.get(
        url + "/revisions?limit=1&cursor=" + std::string(page.json["next_cursor"].GetString()));
    CHECK(page2.json["items"][0]["revision"].GetInt() == 1);

    auto list = a.get("/api/v1/config/" + env);
    REQUIRE(list.status == 200);
    CHECK(list.json["items"].Size() == 1);
    CHECK(a.get("/api/v1/config/NoSuchEnv").status == 404);
    CHECK(a.put("/api/v1/config/" + env + "/bad key", R"({"value":"x"})").status == 400);
    CHECK(a.put("/api/v1/config/NoSuchEnv/k", R"({"value":"x"})").status == 404);
    CHECK(a.put(url, R"({"value":"x"})", {{"If-Match", "\"1\""}}).status == 409);

    auto events = audit_dump();
    CHECK(events.find("\"config.set\"") != std::string::npos);
}

TEST_CASE("config: diff of two revisions and rollback as a new revision", "[api][config]") {
    auto a = admin();
    const std::string env = make_env(a);
    const std::string url = "/api/v1/config/" + env + "/ansible.inventory";
    REQUIRE(a.put(url, R"({"value":"[web]\nhost1\nhost2\n"})").status == 201);
    REQUIRE(a.put(url, R"({"value":"[web]\nhost1\nhost3\n","description":"hosts"})").status == 200);

    auto d = a.get(url + "/diff?from=1&to=2");
    REQUIRE(d.status == 200);
    std::string lines;
    for (const auto& l : d.json["lines"].GetArray())
        lines += std::string(l["op"].GetString()) + l["text"].GetString() + "|";
    CHECK(lines == " [web]| host1|-host2|+host3|");
    CHECK(d.json["changes"].Size() == 2);  // value and description
    CHECK(a.get(url + "/diff?from=1").status == 400);
    CHECK(a.get(url + "/diff?from=1&to=9").status == 404);

    auto rb = a.post(url + "/rollback", R"({"revision":1})");
    REQUIRE(rb.status == 200);
    CHECK(rb.num("revision") == 3);
    CHECK(rb.str("value") == "[web]\nhost1\nhost2\n");
    auto revs = a.get(url + "/revisions");
    CHECK(revs.json["items"][0]["action"].GetString() == std::string("rollback"));
    CHECK(revs.json["items"][0]["rollback_of"].GetInt() == 1);
    CHECK(a.post(url + "/rollback", R"({"revision":99})").status == 404);

    // Deleted, then brought back by a rollback; the delete revision itself has no value.
    REQUIRE(a.del(url).status == 204);
    CHECK(a.get("/api/v1/config/" + env).json["items"].Size() == 0);
    CHECK(a.post(url + "/rollback", R"({"revision":4})").status == 422);
    REQUIRE(a.post(url + "/rollback", R"({"revision":2})").status == 200);
    CHECK(a.get(url).str("value") == "[web]\nhost1\nhost3\n");
}

TEST_CASE("config: secrets are never in clear in lists, revisions, diffs or audit events",
          "[api][config][secrets]") {
    auto a = admin();
    const std::string env = make_env(a);
    const std::string secret1 = "Zq9-first-secret-" + unique("s");
    const std::string secret2 = "Zq9-second-secret-" + unique("s");
    const std::string url = "/api/v1/config/" + env + "/db.password";
    auto put = a.put(url, R"({"value":)" + q(secret1) + R"(,"secret":true})");
    REQUIRE(put.status == 201);
    CHECK(put.str("value") == "******");
    REQUIRE(a.put(url, R"({"value":)" + q(secret2) + "}").status == 200);  // stays secret
    REQUIRE(a.post(url + "/rollback", R"({"revision":1})").status == 200);

    std::vector<std::string> bodies = {
        a.get("/api/v1/config/" + env).body,
        a.get(url + "/revisions").body,
        a.get(url + "/diff?from=1&to=2").body,
        audit_dump(),
    };
    for (const auto& b : bodies) {
        CHECK(b.find(secret1) == std::string::npos);
        CHECK(b.find(secret2) == std::string::npos);
    }
    auto list = a.get("/api/v1/config/" + env);
    CHECK(list.json["items"][0]["value"].GetString() == std::string("******"));
    CHECK(list.json["items"][0]["secret"].GetBool());
    auto revs = a.get(url + "/revisions");
    CHECK(revs.json["items"][1]["value_changed"].GetBool());
    CHECK(a.get(url + "/diff?from=1&to=2").json["lines"].Size() == 0);

    // A script's token with config.read gets the clear value; catalog.manage alone does not.
    auto reader = make_user("cfgreader", {make_role("cfgread", {"config.read"})});
    auto tok = reader.post("/api/v1/me/tokens", R"({"name":"deploy-script"})");
    REQUIRE(tok.status == 201);
    Client script(port());
    script.set_token(tok.str("token"));
    auto clear = script.get(url);
    REQUIRE(clear.status == 200);
    CHECK(clear.str("value") == secret1);
    CHECK(clear.header("Cache-Control") == "no-store");
    CHECK(script.get("/api/v1/config/" + env).status == 403);
    auto manager = make_user("cfgmgr", {make_role("catmgr", {"catalog.manage"})});
    CHECK(manager.get(url).status == 403);
    CHECK(manager.get("/api/v1/config/" + env).json["items"][0]["value"].GetString() ==
          std::string("******"));

    // At rest the database holds no clear text.
    server().db().read([&](orderly::storage::Connection& c) {
        auto s = c.prepare(
            "SELECT coalesce(value, ''), coalesce(value_enc, '') FROM config_revisions WHERE env "
            "= ?1");
        s.bind(1, env);
        while (s.step()) {
            CHECK(s.blob(0).find("Zq9") == std::string::npos);
            CHECK(s.blob(1).find("Zq9") == std::string::npos);
        }
    });
}
