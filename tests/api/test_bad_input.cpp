// Bad input always gets a clear 4xx problem response and changes nothing.
#include <catch2/catch.hpp>

#include "support/test_server.h"

using namespace orderly::test;

namespace {
void expect_problem(const Reply& r, int status) {
    INFO(r.body);
    CHECK(r.status == status);
    CHECK(r.header("Content-Type").find("application/problem+json") == 0);
    CHECK(r.json.IsObject());
    if (r.json.IsObject()) {
        CHECK(r.json["status"].GetInt() == status);
        CHECK(r.json["detail"].IsString());
    }
}
int64_t user_count() {
    auto r = admin().get("/api/v1/users?limit=500");
    return r.json["items"].Size();
}
}  // namespace

TEST_CASE("invalid JSON, wrong types, unknown and missing fields get 400 naming the field",
          "[api][input]") {
    auto a = admin();
    auto before = user_count();
    expect_problem(a.post("/api/v1/users", "{not json"), 400);
    auto r = a.post("/api/v1/users", R"({"username":12,"password":"long-enough-1"})");
    expect_problem(r, 400);
    CHECK(r.json["errors"][0]["field"].GetString() == std::string("username"));
    r = a.post("/api/v1/users", R"({"username":"zed","password":"long-enough-1","isAdmin":true})");
    expect_problem(r, 400);
    CHECK(r.json["errors"][0]["field"].GetString() == std::string("isAdmin"));
    r = a.post("/api/v1/users", R"({"username":"zed"})");
    expect_problem(r, 400);
    CHECK(r.json["errors"][0]["field"].GetString() == std::string("password"));
    expect_problem(a.post("/api/v1/users", ""), 400);
    expect_problem(a.post("/api/v1/users", "[]"), 400);
    CHECK(user_count() == before);
}

TEST_CASE("JSON nested 10,000 deep is refused without harm", "[api][input]") {
    auto a = admin();
    std::string deep = R"({"username":"deep","password":"long-enough-1","roles":)" +
                       std::string(10000, '[') + std::string(10000, ']') + "}";
    expect_problem(a.post("/api/v1/users", deep), 400);
    CHECK(a.get("/healthz").status == 200);
}

TEST_CASE("invalid UTF-8 in a body is refused", "[api][input]") {
    auto a = admin();
    expect_problem(
        a.post("/api/v1/users", "{\"username\":\"bad\xff\xfe\",\"password\":\"long-enough-1\"}"),
        400);
}

TEST_CASE("a body over the limit gets 413", "[api][input]") {
    auto a = admin();
    std::string big =
        R"({"username":"big","password":")" + std::string(1024 * 1024 + 10, 'x') + "\"}";
    auto r = a.post("/api/v1/users", big);
    CHECK(r.status == 413);
    std::string huge(2 * 1024 * 1024, 'x');
    auto h = a.post("/api/v1/users", huge);
    CHECK(h.status == 413);
    CHECK(a.get("/healthz").status == 200);
}

TEST_CASE("a non-numeric or absurd id in a path is a 404 problem, not a 500", "[api][input]") {
    auto a = admin();
    expect_problem(a.get("/api/v1/users/abc"), 404);
    expect_problem(a.get("/api/v1/users/-1"), 404);
    expect_problem(a.get("/api/v1/users/99999999999999999999999"), 404);
    expect_problem(a.get("/api/v1/users/999999"), 404);
}

TEST_CASE("bad query parameters are named", "[api][input]") {
    auto a = admin();
    auto r = a.get("/api/v1/users?limit=0");
    expect_problem(r, 400);
    CHECK(r.json["errors"][0]["field"].GetString() == std::string("limit"));
    expect_problem(a.get("/api/v1/users?limit=abc"), 400);
    expect_problem(a.get("/api/v1/users?cursor=zzz"), 400);
}

TEST_CASE("unknown routes and methods", "[api][input]") {
    auto a = admin();
    expect_problem(a.get("/api/v1/nothing-here"), 404);
    auto r = a.send("PUT", "/api/v1/users", "{}");
    expect_problem(r, 405);
    CHECK(r.header("Allow").find("GET") != std::string::npos);
    // Every HTTP method, even ones with no route anywhere (Pistache #1239). HEAD is answered
    // like GET (test_http_protocol.cpp).
    for (const char* m : {"OPTIONS", "TRACE", "CONNECT"}) {
        auto x = a.send(m, "/api/v1/users", "");
        CHECK(x.status >= 400);
        CHECK(x.status < 500);
    }
    CHECK(a.get("/healthz").status == 200);
}

TEST_CASE("an expired token gets 401", "[api][input]") {
    // Tokens with an expiry in the past cannot be created through the API, so expire one in the
    // database directly and check the API refuses it.
    auto c = make_user("exp", {});
    auto tok = c.post("/api/v1/me/tokens", R"({"name":"short","expires_in_days":1})");
    REQUIRE(tok.status == 201);
    auto id = tok.num("id");
    server().db().write([&](orderly::storage::Connection& conn) {
        auto s = conn.prepare("UPDATE tokens SET expires_at = 1 WHERE id = ?1");
        s.bind(1, id).exec();
    });
    Client bot(port());
    bot.set_token(tok.str("token"));
    expect_problem(bot.get("/api/v1/me"), 401);
}
