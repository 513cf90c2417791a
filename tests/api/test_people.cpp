#include <catch2/catch.hpp>

#include "support/test_server.h"

using namespace orderly::test;

TEST_CASE("users: create, list with search and cursor, update with If-Match", "[api][users]") {
    auto a = admin();
    std::string name = unique("henry");
    auto r = a.post(
        "/api/v1/users",
        R"({"username":")" + name +
            R"(","password":"long-enough-1","display_name":"Henry 亨利","email":"h@example.com"})");
    REQUIRE(r.status == 201);
    auto id = std::to_string(r.num("id"));
    CHECK(a.post("/api/v1/users", R"({"username":")" + name + R"(","password":"long-enough-1"})")
              .status == 409);

    auto found = a.get("/api/v1/users?q=" + name);
    REQUIRE(found.status == 200);
    REQUIRE(found.json["items"].Size() == 1);
    CHECK(found.json["items"][0]["display_name"].GetString() == std::string("Henry 亨利"));

    auto page1 = a.get("/api/v1/users?limit=1");
    REQUIRE(page1.json["next_cursor"].IsString());
    auto page2 =
        a.get(std::string("/api/v1/users?limit=1&cursor=") + page1.json["next_cursor"].GetString());
    REQUIRE(page2.status == 200);
    CHECK(page2.json["items"][0]["id"].GetInt64() > page1.json["items"][0]["id"].GetInt64());

    auto got = a.get("/api/v1/users/" + id);
    CHECK(got.header("ETag") == "\"1\"");
    auto upd = a.patch("/api/v1/users/" + id, R"({"display_name":"H"})", {{"If-Match", "\"1\""}});
    REQUIRE(upd.status == 200);
    CHECK(upd.num("version") == 2);
    auto stale = a.patch("/api/v1/users/" + id, R"({"display_name":"lost update"})",
                         {{"If-Match", "\"1\""}});
    CHECK(stale.status == 409);
    CHECK(a.get("/api/v1/users/" + id).str("display_name") == "H");
}

TEST_CASE("roles: permissions are checked, admin role is protected", "[api][roles]") {
    auto a = admin();
    std::string key = unique("auditors");
    CHECK(
        a.post("/api/v1/roles", R"({"key":")" + key + R"(","name":"A","permissions":["no.such"]})")
            .status == 422);
    REQUIRE(a.post("/api/v1/roles",
                   R"({"key":")" + key + R"(","name":"A","permissions":["audit.read"]})")
                .status == 201);
    CHECK(
        a.post("/api/v1/roles", R"({"key":")" + key + R"(","name":"A","permissions":[]})").status ==
        409);
    CHECK(a.patch("/api/v1/roles/admin", R"({"name":"x"})").status == 409);
    CHECK(a.del("/api/v1/roles/admin").status == 409);
    auto perms = a.get("/api/v1/permissions");
    REQUIRE(perms.status == 200);
    CHECK(perms.body.find("\"audit.read\"") != std::string::npos);

    // A user gets the role's permission through it.
    auto u = make_user("ivy", {key});
    CHECK(u.get("/api/v1/audit-events").status == 200);
    CHECK(a.del("/api/v1/roles/" + key).status == 204);
    CHECK(u.get("/api/v1/audit-events").status == 403);
}

TEST_CASE("businesses with members per role", "[api][businesses]") {
    auto a = admin();
    std::string ops = make_role("ops", {"ticket.submit"});
    std::string user;
    make_user("jack", {ops}, &user);
    std::string key = unique("bizA");
    auto r =
        a.post("/api/v1/businesses", R"({"key":")" + key + R"(","name":"业务 A","members":{")" +
                                         ops + R"(":[")" + user + R"("]}})");
    REQUIRE(r.status == 201);
    CHECK(r.json["members"][ops.c_str()][0].GetString() == user);
    CHECK(a.post("/api/v1/businesses", R"({"key":"x)" + key + R"(","name":"B","members":{")" + ops +
                                           R"(":["nobody-at-all"]}})")
              .status == 422);
    CHECK(a.get("/api/v1/businesses/x" + key).status == 404);  // nothing half-written
    auto upd = a.patch("/api/v1/businesses/" + key, R"({"members":{}})");
    REQUIRE(upd.status == 200);
    CHECK(upd.json["members"].MemberCount() == 0);
}

TEST_CASE("every change writes an audit event with actor, request id and before/after",
          "[api][audit]") {
    auto a = admin();
    std::string key = unique("aud");
    auto r = a.post("/api/v1/roles", R"({"key":")" + key + R"(","name":"Before","permissions":[]})",
                    {{"X-Request-Id", "req-" + key}});
    REQUIRE(r.status == 201);
    CHECK(r.header("X-Request-Id") == "req-" + key);
    REQUIRE(a.patch("/api/v1/roles/" + key, R"({"name":"After"})").status == 200);
    auto ev = a.get("/api/v1/audit-events?object_type=role&object_id=" + key);
    REQUIRE(ev.status == 200);
    REQUIRE(ev.json["items"].Size() == 2);
    const auto& upd = ev.json["items"][0];  // newest first
    CHECK(upd["action"].GetString() == std::string("role.update"));
    CHECK(upd["actor"].GetString() == std::string("admin"));
    CHECK(upd["before"]["name"].GetString() == std::string("Before"));
    CHECK(upd["after"]["name"].GetString() == std::string("After"));
    CHECK(ev.json["items"][1]["request_id"].GetString() == "req-" + key);
    auto filtered = a.get("/api/v1/audit-events?action=role.create&actor=admin&limit=1");
    CHECK(filtered.json["items"].Size() == 1);
    CHECK(a.get("/api/v1/audit-events?from=yesterday").status == 400);
}

TEST_CASE("audit events never contain passwords", "[api][audit]") {
    auto a = admin();
    std::string name = unique("kate");
    REQUIRE(a.post("/api/v1/users",
                   R"({"username":")" + name + R"(","password":"super-secret-pw-123"})")
                .status == 201);
    auto ev = a.get("/api/v1/audit-events?limit=500");
    CHECK(ev.body.find("super-secret-pw-123") == std::string::npos);
    CHECK(ev.body.find("argon2id") == std::string::npos);
}

TEST_CASE("audit events name their actor by display name as well as username", "[api][audit]") {
    auto a = admin();
    std::string name = unique("auditee");
    auto created = a.post("/api/v1/users",
                          R"({"username":")" + name +
                              R"(","password":"long-enough-1","display_name":"审计 Auditee"})");
    REQUIRE(created.status == 201);
    auto id = std::to_string(created.num("id"));
    auto ev = a.get("/api/v1/audit-events?action=user.create&object_id=" + id);
    REQUIRE(ev.status == 200);
    REQUIRE(ev.json["items"].Size() == 1);
    const auto& e = ev.json["items"][0];
    // The admin of the test server has no display name: the username is all there is.
    CHECK(e["actor"].IsString());
    CHECK((e["actor_name"].IsNull() || e["actor_name"].IsString()));

    // An event made by a user with a display name carries it.
    auto u = make_user(unique("named"), {"admin"});
    auto me = u.get("/api/v1/me");
    REQUIRE(me.status == 200);
    std::string username = me.str("username");
    REQUIRE(u.patch("/api/v1/me", R"({"display_name":"值班 On-call"})").status == 200);
    auto ev2 = a.get("/api/v1/audit-events?actor=" + username + "&limit=1");
    REQUIRE(ev2.status == 200);
    REQUIRE(ev2.json["items"].Size() == 1);
    CHECK(ev2.json["items"][0]["actor"].GetString() == username);
    REQUIRE(ev2.json["items"][0]["actor_name"].IsString());
    CHECK(ev2.json["items"][0]["actor_name"].GetString() == std::string("值班 On-call"));
}
