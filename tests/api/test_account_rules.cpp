// Who may change accounts: nobody grants what they do not hold; only an admin touches admins;
// the last enabled admin stays. Email addresses are checked wherever one is accepted.
#include <catch2/catch.hpp>

#include <signal.h>

#include "support/process.h"
#include "support/test_database.h"
#include "support/test_server.h"

using namespace orderly::test;
using Catch::Matchers::Contains;

namespace {

// A user manager: holds user.manage (and, with `extra`, more) but not admin.
Client user_manager(std::string* name, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> perms = {"user.manage"};
    perms.insert(perms.end(), extra.begin(), extra.end());
    return make_user("usermgr", {make_role("usermgr", perms)}, name);
}

int64_t user_id(const std::string& username) {
    auto r = admin().get("/api/v1/users?q=" + username);
    REQUIRE(r.status == 200);
    for (const auto& u : r.json["items"].GetArray())
        if (u["username"].GetString() == username) return u["id"].GetInt64();
    FAIL("no user " << username);
    return 0;
}

std::vector<std::string> roles_of(const std::string& username) {
    auto r = admin().get("/api/v1/users/" + std::to_string(user_id(username)));
    REQUIRE(r.status == 200);
    std::vector<std::string> out;
    for (const auto& v : r.json["roles"].GetArray()) out.emplace_back(v.GetString());
    return out;
}

// A 403 problem whose detail names the permission.
void check_refused(const Reply& r, const std::string& permission) {
    INFO(r.body);
    CHECK(r.status == 403);
    CHECK(r.header("Content-Type").find("application/problem+json") == 0);
    CHECK_THAT(r.str("detail"), Contains("\"" + permission + "\""));
}

}  // namespace

TEST_CASE("a user manager cannot give itself admin or any role it does not fully hold",
          "[api][users][privilege]") {
    std::string me;
    auto m = user_manager(&me);
    const auto id = std::to_string(user_id(me));
    const auto own = roles_of(me);
    REQUIRE(own.size() == 1);

    check_refused(m.patch("/api/v1/users/" + id, R"({"roles":[")" + own[0] + R"(","admin"]})"),
                  "admin");
    std::string wf = make_role("designer", {"workflow.manage"});
    check_refused(
        m.patch("/api/v1/users/" + id, R"({"roles":[")" + own[0] + R"(",")" + wf + R"("]})"),
        "workflow.manage");
    CHECK(roles_of(me) == own);  // nothing changed

    // A role whose permissions it holds may be granted, to itself or to others.
    std::string peer = make_role("peer", {"user.manage"});
    std::string other;
    make_user("plain", {}, &other);
    auto ok = m.patch("/api/v1/users/" + std::to_string(user_id(other)),
                      R"({"roles":[")" + peer + R"("]})");
    CHECK(ok.status == 200);
    CHECK(roles_of(other) == std::vector<std::string>{peer});
    // Roles the target already has may stay although the manager does not hold them.
    std::string third;
    make_user("holder", {wf}, &third);
    CHECK(m.patch("/api/v1/users/" + std::to_string(user_id(third)),
                  R"({"roles":[")" + wf + R"(",")" + peer + R"("]})")
              .status == 200);
}

TEST_CASE("a user manager cannot create admins or users with roles beyond its own",
          "[api][users][privilege]") {
    std::string me;
    auto m = user_manager(&me);
    std::string name = unique("made");
    check_refused(m.post("/api/v1/users", R"({"username":")" + name +
                                              R"(","password":"long-enough-1","roles":["admin"]})"),
                  "admin");
    std::string auditor = make_role("auditor", {"audit.read"});
    check_refused(m.post("/api/v1/users", R"({"username":")" + name +
                                              R"(","password":"long-enough-1","roles":[")" +
                                              auditor + R"("]})"),
                  "audit.read");
    CHECK(admin().get("/api/v1/users?q=" + name).json["items"].Size() == 0);
    CHECK(m.post("/api/v1/users",
                 R"({"username":")" + name + R"(","password":"long-enough-1","roles":[]})")
              .status == 201);
    // An admin may grant anything.
    CHECK(admin()
              .post("/api/v1/users", R"({"username":")" + unique("adm") +
                                         R"(","password":"long-enough-1","roles":["admin"]})")
              .status == 201);
}

TEST_CASE("a user manager cannot reset, disable, demote or delete an admin",
          "[api][users][privilege]") {
    std::string me;
    auto m = user_manager(&me);
    std::string adm;
    make_user("admin2", {"admin"}, &adm);
    const auto path = "/api/v1/users/" + std::to_string(user_id(adm));
    const auto first_admin = "/api/v1/users/" + std::to_string(user_id("admin"));

    check_refused(m.patch(path, R"({"password":"taken-over-123"})"), "admin");
    check_refused(m.patch(first_admin, R"({"password":"taken-over-123"})"), "admin");
    check_refused(m.patch(path, R"({"disabled":true})"), "admin");
    check_refused(m.patch(path, R"({"roles":[]})"), "admin");
    check_refused(m.del(path), "admin");
    check_refused(m.del(first_admin), "admin");
    // Nothing changed: both admins still sign in and hold admin.
    CHECK_NOTHROW(login(adm, "password-" + adm));
    CHECK_NOTHROW(login("admin", kAdminPassword));
    CHECK(roles_of(adm) == std::vector<std::string>{"admin"});
    CHECK_FALSE(admin().get(path).json["disabled"].GetBool());

    // An admin may do all of it.
    auto a = admin();
    CHECK(a.patch(path, R"({"password":"reset-by-admin-1"})").status == 200);
    CHECK_NOTHROW(login(adm, "reset-by-admin-1"));
    CHECK(a.patch(path, R"({"disabled":true})").status == 200);
    CHECK(a.patch(path, R"({"disabled":false,"roles":[]})").status == 200);
    CHECK(roles_of(adm).empty());
}

TEST_CASE("setting another user's password needs every permission that user holds",
          "[api][users][privilege]") {
    std::string me;
    auto m = user_manager(&me);
    std::string designer, plain;
    make_user("designer", {make_role("designer", {"workflow.manage"})}, &designer);
    make_user("plain", {}, &plain);
    check_refused(m.patch("/api/v1/users/" + std::to_string(user_id(designer)),
                          R"({"password":"taken-over-123"})"),
                  "workflow.manage");
    CHECK_NOTHROW(login(designer, "password-" + designer));
    CHECK(m.patch("/api/v1/users/" + std::to_string(user_id(plain)),
                  R"({"password":"new-password-1"})")
              .status == 200);
    CHECK_NOTHROW(login(plain, "new-password-1"));
}

TEST_CASE("a role editor only puts permissions it holds into roles, and never admin",
          "[api][roles][privilege]") {
    std::string me;
    auto m = user_manager(&me, {"audit.read"});
    std::string key = unique("r");
    check_refused(
        m.post("/api/v1/roles", R"({"key":")" + key + R"(","name":"R","permissions":["admin"]})"),
        "admin");
    check_refused(m.post("/api/v1/roles", R"({"key":")" + key +
                                              R"(","name":"R","permissions":["workflow.manage"]})"),
                  "workflow.manage");
    CHECK(m.get("/api/v1/roles/" + key).status == 404);
    REQUIRE(m.post("/api/v1/roles",
                   R"({"key":")" + key + R"(","name":"R","permissions":["audit.read"]})")
                .status == 201);

    // Adding admin (or anything not held) to an existing role, including its own.
    check_refused(m.patch("/api/v1/roles/" + key, R"({"permissions":["audit.read","admin"]})"),
                  "admin");
    const auto own = roles_of(me).at(0);
    check_refused(m.patch("/api/v1/roles/" + own, R"({"permissions":["user.manage","admin"]})"),
                  "admin");
    check_refused(
        m.patch("/api/v1/roles/" + own, R"({"permissions":["user.manage","config.read"]})"),
        "config.read");
    CHECK(m.get("/api/v1/roles/" + own).json["permissions"].Size() == 2);
    CHECK(
        m.patch("/api/v1/roles/" + key, R"({"permissions":["audit.read","user.manage"]})").status ==
        200);

    // Taking admin out of a role, or deleting a role that carries admin, demotes admins.
    std::string supers = make_role("supers", {"admin"});
    check_refused(m.patch("/api/v1/roles/" + supers, R"({"permissions":[]})"), "admin");
    check_refused(m.del("/api/v1/roles/" + supers), "admin");
    std::string wf = make_role("wf", {"workflow.manage"});
    check_refused(m.del("/api/v1/roles/" + wf), "workflow.manage");
    CHECK(admin().get("/api/v1/roles/" + supers).json["permissions"].Size() == 1);
    CHECK(m.del("/api/v1/roles/" + key).status == 204);
}

TEST_CASE("the last enabled admin cannot be disabled, deleted or demoted", "[process][privilege]") {
    // Its own server and database, so that no other test's admins count.
    auto dir = temp_dir();
    ServerProcess srv(database_location(dir, "o.db"), {},
                      {"ORDERLY_ADMIN_PASSWORD=first-admin-pw"});
    auto sign_in = [&](const std::string& user, const std::string& pw) {
        Client c(srv.port());
        auto r = c.post("/api/v1/auth/login",
                        R"({"username":")" + user + R"(","password":")" + pw + R"("})");
        REQUIRE(r.status == 200);
        c.set_token(r.str("token"));
        return c;
    };
    auto a = sign_in("admin", "first-admin-pw");
    const auto self = "/api/v1/users/" + std::to_string(a.get("/api/v1/me").num("id"));
    auto r = a.patch(self, R"({"roles":[]})");
    CHECK(r.status == 409);
    CHECK_THAT(r.str("detail"), Contains("admin"));

    // A second admin through a custom role: the first may then step down, and the second (now
    // the last) can be neither demoted, disabled nor deleted, nor lose its role.
    REQUIRE(
        a.post("/api/v1/roles", R"({"key":"supers","name":"S","permissions":["admin"]})").status ==
        201);
    auto made = a.post("/api/v1/users",
                       R"({"username":"boss","password":"boss-password","roles":["supers"]})");
    REQUIRE(made.status == 201);
    const auto boss_path = "/api/v1/users/" + std::to_string(made.num("id"));
    auto b = sign_in("boss", "boss-password");
    CHECK(a.patch(self, R"({"roles":[]})").status == 200);
    CHECK(b.patch(self, R"({"disabled":true})").status == 200);  // enabled admins: boss only
    CHECK(b.patch("/api/v1/roles/supers", R"({"permissions":["user.manage"]})").status == 409);
    CHECK(b.del("/api/v1/roles/supers").status == 409);
    CHECK(b.patch(boss_path, R"({"roles":[]})").status == 409);
    CHECK(b.get(boss_path).json["roles"].Size() == 1);  // nothing changed
    CHECK(b.get("/api/v1/roles/supers").json["permissions"].Size() == 1);
    // With a second enabled admin again, the same steps are allowed.
    CHECK(b.patch(self, R"({"disabled":false,"roles":["admin"]})").status == 200);
    CHECK(b.patch(boss_path, R"({"roles":[]})").status == 200);
    srv.signal(SIGTERM);
    CHECK(srv.wait() == 0);
}

TEST_CASE("email addresses are checked on users create, patch and /me", "[api][users][email]") {
    auto a = admin();
    std::string name;
    auto u = make_user("mail", {}, &name);
    const auto path = "/api/v1/users/" + std::to_string(user_id(name));
    const std::vector<std::string> bad = {
        R"("not-an-email")",
        R"("x@example.com\r\nBcc: evil@example.org")",
        R"("nul\u0000@example.com")",
        R"("two@@example.com")",
        R"("a@b@example.com")",
        R"("@example.com")",
        R"("someone@")",
        R"("with space@example.com")",
        R"("tab\t@example.com")",
        R"("c1\u0085@example.com")",
        "\"" + std::string(250, 'x') + "@example.com\"",
    };
    auto check_refused_email = [](const Reply& r) {
        INFO(r.body);
        CHECK(r.status == 400);
        REQUIRE(r.json.IsObject());
        REQUIRE(r.json.HasMember("errors"));
        CHECK(r.json["errors"][0]["field"].GetString() == std::string("email"));
    };
    for (const auto& email : bad) {
        INFO(email);
        check_refused_email(a.post("/api/v1/users", R"({"username":")" + unique("m") +
                                                        R"(","password":"long-enough-1","email":)" +
                                                        email + "}"));
        check_refused_email(a.patch(path, R"({"email":)" + email + "}"));
        check_refused_email(u.patch("/api/v1/me", R"({"email":)" + email + "}"));
    }
    CHECK(a.get(path).json["email"].IsNull());  // nothing stored
    CHECK(u.patch("/api/v1/me", R"({"email":"mail.user+tag@example.com"})").status == 200);
    CHECK(a.get(path).str("email") == "mail.user+tag@example.com");
    CHECK(a.patch(path, R"({"email":"li.lei@例子.中国"})").status == 200);
    CHECK(a.patch(path, R"({"email":""})").status == 200);  // clears
    CHECK(a.get(path).json["email"].IsNull());
}
