// Environments and purposes over the API.
#include <catch2/catch.hpp>

#include "test_catalog_support.h"

using namespace orderly::test;
using namespace orderly::test::catalog;

TEST_CASE("environments: create, list in sort order, update with If-Match, delete",
          "[api][catalog]") {
    auto a = admin();
    std::string prod = unique("PROD"), stage = unique("STAGE");
    auto r = a.post("/api/v1/environments",
                    R"({"key":)" + q(prod) +
                        R"(,"name":"生产环境","description":"Production","sort_order":-900})");
    REQUIRE(r.status == 201);
    CHECK(r.str("name") == "生产环境");
    CHECK(r.num("version") == 1);
    REQUIRE(a.post("/api/v1/environments",
                   R"({"key":)" + q(stage) + R"(,"name":"准生产","sort_order":-800})")
                .status == 201);
    CHECK(a.post("/api/v1/environments", R"({"key":)" + q(prod) + R"(,"name":"again"})").status ==
          409);
    CHECK(a.post("/api/v1/environments", R"({"key":"bad key","name":"x"})").status == 400);

    // Any signed-in user reads them, in sort_order.
    auto user = make_user("reader", {});
    auto list = user.get("/api/v1/environments");
    REQUIRE(list.status == 200);
    std::vector<std::string> keys;
    for (const auto& e : list.json["items"].GetArray()) keys.push_back(e["key"].GetString());
    auto pos_prod = std::find(keys.begin(), keys.end(), prod);
    auto pos_stage = std::find(keys.begin(), keys.end(), stage);
    REQUIRE(pos_prod != keys.end());
    REQUIRE(pos_stage != keys.end());
    CHECK(pos_prod < pos_stage);
    CHECK(user.post("/api/v1/environments", R"({"key":"Nope","name":"x"})").status == 403);

    auto got = a.get("/api/v1/environments/" + prod);
    CHECK(got.header("ETag") == "\"1\"");
    auto upd =
        a.patch("/api/v1/environments/" + prod, R"({"sort_order":-700})", {{"If-Match", "\"1\""}});
    REQUIRE(upd.status == 200);
    CHECK(upd.num("sort_order") == -700);
    CHECK(upd.num("version") == 2);
    CHECK(a.patch("/api/v1/environments/" + prod, R"({"name":"lost"})", {{"If-Match", "\"1\""}})
              .status == 409);
    CHECK(a.del("/api/v1/environments/" + stage).status == 204);
    CHECK(a.get("/api/v1/environments/" + stage).status == 404);

    auto events = audit_dump();
    CHECK(events.find("\"environment.create\"") != std::string::npos);
    CHECK(events.find("\"environment.delete\"") != std::string::npos);
}

TEST_CASE("purposes: create, update, delete", "[api][catalog]") {
    auto a = admin();
    std::string key = unique("DeployDocker");
    REQUIRE(a.post("/api/v1/purposes", R"({"key":)" + q(key) + R"(,"name":"Docker"})").status ==
            201);
    CHECK(a.patch("/api/v1/purposes/" + key, R"({"description":"容器项目"})").str("description") ==
          "容器项目");
    CHECK(a.del("/api/v1/purposes/" + key).status == 204);
    CHECK(a.del("/api/v1/purposes/" + key).status == 404);
}

TEST_CASE("deleting an environment or purpose that templates use is 409 naming them",
          "[api][catalog]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    auto t = create_template(a, env, purpose, "deploy.sh --env prod");
    REQUIRE(t.status == 201);
    const std::string name = t.str("name");
    auto e = a.del("/api/v1/environments/" + env);
    CHECK(e.status == 409);
    CHECK(e.str("detail").find(name) != std::string::npos);
    auto p = a.del("/api/v1/purposes/" + purpose);
    CHECK(p.status == 409);
    CHECK(p.str("detail").find(name) != std::string::npos);

    // Config keys keep an environment too.
    REQUIRE(a.del("/api/v1/templates/" + std::to_string(t.num("id"))).status == 204);
    REQUIRE(a.put("/api/v1/config/" + env + "/git.base_url", R"({"value":"https://git"})").status ==
            201);
    auto c = a.del("/api/v1/environments/" + env);
    CHECK(c.status == 409);
    CHECK(c.str("detail").find("git.base_url") != std::string::npos);
    REQUIRE(a.del("/api/v1/config/" + env + "/git.base_url").status == 204);
    CHECK(a.del("/api/v1/environments/" + env).status == 204);
    CHECK(a.del("/api/v1/purposes/" + purpose).status == 204);
}
