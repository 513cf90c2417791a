// Login throttling behind a reverse proxy: failures from one address never lock
// an account's owner out from another, and X-Forwarded-For counts only when the
// peer is a trusted proxy (ORDERLY_TRUSTED_PROXIES). Each case runs the real
// binary with its own settings.
#include <catch2/catch.hpp>

#include <signal.h>

#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"

using namespace orderly::test;
using Catch::Matchers::Contains;

namespace {

constexpr const char* kA = "203.0.113.7";   // the guessing address
constexpr const char* kB = "198.51.100.9";  // the account owner's address

struct Proxied {
    std::string dir = temp_dir();
    ServerProcess srv;
    Client adm;
    explicit Proxied(std::vector<std::string> env)
        : srv(database_location(dir, "o.db"), {}, with_admin(std::move(env))), adm(srv.port()) {
        auto r = login("admin", "first-admin-pw", std::nullopt);
        REQUIRE(r.status == 200);
        adm.set_token(r.str("token"));
    }
    static std::vector<std::string> with_admin(std::vector<std::string> env) {
        env.emplace_back("ORDERLY_ADMIN_PASSWORD=first-admin-pw");
        return env;
    }
    Reply login(const std::string& user, const std::string& pw,
                const std::optional<std::string>& xff) {
        Client c(srv.port());
        httplib::Headers h;
        if (xff) h.emplace("X-Forwarded-For", *xff);
        return c.post("/api/v1/auth/login",
                      R"({"username":")" + user + R"(","password":")" + pw + R"("})", h);
    }
    void add_user(const std::string& name, const std::string& pw) {
        REQUIRE(adm.post("/api/v1/users",
                         R"({"username":")" + name + R"(","password":")" + pw + R"("})")
                    .status == 201);
    }
    // The address of the newest audit event of an action by an actor.
    std::string audit_address(const std::string& action, const std::string& actor) {
        auto r = adm.get("/api/v1/audit-events?limit=1&action=" + action + "&actor=" + actor);
        REQUIRE(r.status == 200);
        REQUIRE(r.json["items"].Size() == 1);
        return r.json["items"][0]["address"].GetString();
    }
};

void check_throttled(const Reply& r) {
    INFO(r.body);
    CHECK(r.status == 429);
    CHECK(std::stoi(r.header("Retry-After")) > 0);
    CHECK(r.header("Content-Type").find("application/problem+json") == 0);
}

}  // namespace

TEST_CASE("failures from one address never lock the owner out from another",
          "[process][auth][throttle]") {
    Proxied p({"ORDERLY_TRUSTED_PROXIES=127.0.0.1"});
    p.add_user("ops", "ops-password-1");
    const std::vector<std::string> names = {"ops", "admin", "nobody", "ops", "root", "ops"};
    int unauthorized = 0, throttled = 0;
    for (int i = 0; i < 30; ++i) {
        auto r = p.login(names[static_cast<size_t>(i) % names.size()], "guess-" + std::to_string(i),
                         std::string(kA));
        if (r.status == 401) ++unauthorized;
        if (r.status == 429) ++throttled;
    }
    CHECK(unauthorized + throttled == 30);
    CHECK(unauthorized <= 20);  // the address limit
    CHECK(throttled >= 10);
    // Address A stays blocked, for every account, even with a right password, and
    // even when the client writes another address into X-Forwarded-For itself
    // (the proxy appends A).
    check_throttled(p.login("ops", "ops-password-1", std::string(kA)));
    check_throttled(p.login("ops", "ops-password-1", std::string(kB) + ", " + kA));
    // The owner, from B, signs in at once; the audit log names B.
    auto ok = p.login("ops", "ops-password-1", std::string(kB));
    CHECK(ok.status == 200);
    CHECK(p.audit_address("auth.login", "ops") == kB);
    // Admin from the proxy itself (no X-Forwarded-For) is another address too.
    CHECK(p.login("admin", "first-admin-pw", std::nullopt).status == 200);
    p.srv.signal(SIGTERM);
    CHECK(p.srv.wait() == 0);
}

TEST_CASE("an account being guessed is slowed for the guessing address only",
          "[process][auth][throttle]") {
    Proxied p({"ORDERLY_TRUSTED_PROXIES=10.0.0.0/8, 127.0.0.0/8, ::1"});
    p.add_user("ops", "ops-password-1");
    for (int i = 0; i < 5; ++i)
        CHECK(p.login("ops", "wrong-" + std::to_string(i), std::string(kA)).status == 401);
    check_throttled(p.login("ops", "ops-password-1", std::string(kA)));
    // A may still sign in to other accounts; B signs in to ops.
    CHECK(p.login("admin", "first-admin-pw", std::string(kA)).status == 200);
    CHECK(p.login("ops", "ops-password-1", std::string(kB)).status == 200);
    // A success from B does not reset A's count.
    check_throttled(p.login("ops", "ops-password-1", std::string(kA)));
    // Through a second trusted proxy (10.1.2.3 appended A): still A.
    check_throttled(p.login("ops", "ops-password-1", std::string(kA) + ", 10.1.2.3"));
    p.srv.signal(SIGTERM);
    CHECK(p.srv.wait() == 0);
}

TEST_CASE("without ORDERLY_TRUSTED_PROXIES, X-Forwarded-For is ignored",
          "[process][auth][throttle]") {
    Proxied p({});
    p.add_user("ops", "ops-password-1");
    // Every attempt names a different address, yet they all count for the real
    // peer.
    for (int i = 0; i < 5; ++i)
        CHECK(p.login("ops", "wrong", "192.0.2." + std::to_string(i + 1)).status == 401);
    check_throttled(p.login("ops", "ops-password-1", std::string(kB)));
    CHECK(p.login("admin", "first-admin-pw", std::string(kB)).status == 200);
    CHECK(p.audit_address("auth.login", "admin") == "127.0.0.1");
    p.srv.signal(SIGTERM);
    CHECK(p.srv.wait() == 0);
}

TEST_CASE("an invalid ORDERLY_TRUSTED_PROXIES stops the server from starting",
          "[process][auth][throttle]") {
    auto dir = temp_dir();
    for (const char* bad : {"nginx", "10.0.0.0/40", "127.0.0.1;10.0.0.1"}) {
        INFO(bad);
        try {
            ServerProcess srv(database_location(dir, "o.db"), {},
                              {std::string("ORDERLY_TRUSTED_PROXIES=") + bad});
            FAIL("the server started");
        } catch (const std::runtime_error& e) {
            CHECK_THAT(e.what(), Contains("ORDERLY_TRUSTED_PROXIES") && Contains(bad));
        }
    }
}
