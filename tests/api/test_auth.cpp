#include <catch2/catch.hpp>

#include "support/test_server.h"

using namespace orderly::test;

TEST_CASE("login gives a token that works, logout revokes it", "[api][auth]") {
    std::string name;
    auto c = make_user("alice", {}, &name);
    auto me = c.get("/api/v1/me");
    REQUIRE(me.status == 200);
    CHECK(me.str("username") == name);
    CHECK(me.json["permissions"].IsArray());
    CHECK(c.post("/api/v1/auth/logout", "").status == 204);
    auto after = c.get("/api/v1/me");
    CHECK(after.status == 401);
    CHECK(after.header("Content-Type").find("application/problem+json") == 0);
}

TEST_CASE("wrong password and unknown user get the same 401", "[api][auth]") {
    Client c(port());
    std::string name;
    make_user("bob", {}, &name);
    auto a = c.post("/api/v1/auth/login",
                    R"({"username":")" + name + R"(","password":"wrong-password"})");
    auto b =
        c.post("/api/v1/auth/login", R"({"username":"nobody-here","password":"wrong-password"})");
    CHECK(a.status == 401);
    CHECK(b.status == 401);
    CHECK(a.str("detail") == b.str("detail"));
}

TEST_CASE("repeated failed logins are throttled with 429 and Retry-After", "[api][auth]") {
    Client c(port());
    std::string name;
    make_user("carol", {}, &name);
    std::string bad = R"({"username":")" + name + R"(","password":"not-the-password"})";
    for (int i = 0; i < 5; ++i) CHECK(c.post("/api/v1/auth/login", bad).status == 401);
    auto r = c.post("/api/v1/auth/login", bad);
    CHECK(r.status == 429);
    CHECK(std::stoi(r.header("Retry-After")) > 0);
    // Even the right password is refused while throttled.
    auto good = c.post("/api/v1/auth/login",
                       R"({"username":")" + name + R"(","password":"password-)" + name + R"("})");
    CHECK(good.status == 429);
}

TEST_CASE("API tokens: shown once, usable, listed without the secret, revocable", "[api][auth]") {
    auto c = make_user("dave", {});
    auto created = c.post("/api/v1/me/tokens", R"({"name":"ci","expires_in_days":30})");
    REQUIRE(created.status == 201);
    std::string secret = created.str("token");
    REQUIRE(secret.rfind("orp_", 0) == 0);
    Client script(port());
    script.set_token(secret);
    CHECK(script.get("/api/v1/me").status == 200);
    auto list = c.get("/api/v1/me/tokens");
    REQUIRE(list.status == 200);
    CHECK(list.body.find(secret) == std::string::npos);
    CHECK(list.json["items"].Size() == 1);
    auto id = std::to_string(created.num("id"));
    CHECK(c.del("/api/v1/me/tokens/" + id).status == 204);
    CHECK(script.get("/api/v1/me").status == 401);
    CHECK(c.del("/api/v1/me/tokens/" + id).status == 404);
}

TEST_CASE("a disabled or deleted user's tokens stop working at once", "[api][auth]") {
    std::string name;
    auto c = make_user("erin", {}, &name);
    auto tok = c.post("/api/v1/me/tokens", R"({"name":"bot"})");
    Client bot(port());
    bot.set_token(tok.str("token"));
    REQUIRE(bot.get("/api/v1/me").status == 200);
    auto me = c.get("/api/v1/me");
    auto id = std::to_string(me.num("id"));
    REQUIRE(admin().patch("/api/v1/users/" + id, R"({"disabled":true})").status == 200);
    CHECK(c.get("/api/v1/me").status == 401);
    CHECK(bot.get("/api/v1/me").status == 401);
    // and they cannot log in again
    Client fresh(port());
    CHECK(fresh
              .post("/api/v1/auth/login",
                    R"({"username":")" + name + R"(","password":"password-)" + name + R"("})")
              .status == 401);

    auto c2 = make_user("frank", {});
    auto id2 = std::to_string(c2.get("/api/v1/me").num("id"));
    CHECK(admin().del("/api/v1/users/" + id2).status == 204);
    CHECK(c2.get("/api/v1/me").status == 401);
    auto gone = admin().get("/api/v1/users/" + id2);
    CHECK(gone.json["disabled"].GetBool());
}

TEST_CASE("forged and malformed tokens get 401", "[api][auth]") {
    Client c(port());
    c.set_token("ors_forgedforgedforgedforgedforgedforgedforged");
    CHECK(c.get("/api/v1/me").status == 401);
    auto r = c.get("/api/v1/me", {{"Authorization", "Basic YWRtaW46YWRtaW4="}});
    CHECK(r.status == 401);
}

TEST_CASE("changing my own password needs the current one", "[api][auth]") {
    std::string name;
    auto c = make_user("gina", {}, &name);
    auto r = c.patch("/api/v1/me", R"({"password":"brand-new-password"})");
    CHECK(r.status == 422);
    r = c.patch("/api/v1/me",
                R"({"password":"brand-new-password","current_password":"wrong-one"})");
    CHECK(r.status == 422);
    r = c.patch("/api/v1/me", R"({"password":"brand-new-password","current_password":"password-)" +
                                  name + R"(","email":"g@example.com"})");
    REQUIRE(r.status == 200);
    CHECK(r.str("email") == "g@example.com");
    CHECK_NOTHROW(login(name, "brand-new-password"));
}

TEST_CASE("a new password signs out my other sessions, not this one or my API tokens",
          "[api][auth]") {
    std::string name;
    auto here = make_user("hana", {}, &name);
    auto elsewhere = login(name, "password-" + name);  // another browser
    auto tok = here.post("/api/v1/me/tokens", R"({"name":"deploy bot"})");
    REQUIRE(tok.status == 201);
    Client bot(port());
    bot.set_token(tok.str("token"));
    REQUIRE(elsewhere.get("/api/v1/me").status == 200);

    auto changed =
        here.patch("/api/v1/me", R"({"password":"a-new-password-1","current_password":"password-)" +
                                     name + R"("})");
    REQUIRE(changed.status == 200);
    CHECK(elsewhere.get("/api/v1/me").status == 401);
    CHECK(here.get("/api/v1/me").status == 200);
    CHECK(bot.get("/api/v1/me").status == 200);
    auto audit = admin().get("/api/v1/audit-events?action=user.update_self&limit=200");
    REQUIRE(audit.status == 200);
    bool said = false;
    for (const auto& e : audit.json["items"].GetArray())
        said |= std::string(e["summary"].GetString())
                    .find(name +
                          " updated their profile and password (1 other session(s) signed out)") !=
                std::string::npos;
    CHECK(said);

    // An admin's reset signs them out everywhere; the API token still works.
    auto again = login(name, "a-new-password-1");
    const auto id = std::to_string(here.get("/api/v1/me").num("id"));
    REQUIRE(admin().patch("/api/v1/users/" + id, R"({"password":"reset-by-admin-2"})").status ==
            200);
    CHECK(here.get("/api/v1/me").status == 401);
    CHECK(again.get("/api/v1/me").status == 401);
    CHECK(bot.get("/api/v1/me").status == 200);
    CHECK(login(name, "reset-by-admin-2").get("/api/v1/me").status == 200);
}
