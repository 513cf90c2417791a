#include <catch2/catch.hpp>

#include "domain/accounts.h"

using namespace orderly::domain;

namespace {
Role role(std::string key, std::vector<std::string> perms) {
    Role r;
    r.key = std::move(key);
    r.permissions = std::move(perms);
    return r;
}
}  // namespace

TEST_CASE("account rules: nobody grants what they do not hold", "[unit][accounts]") {
    const PermissionSet mgr = {"user.manage"}, adm = {"admin"};
    UserChange grant;
    grant.granted_roles = {role("admin", {"admin"})};
    grant.roles_change = true;
    auto r = check_user_change(mgr, grant);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == orderly::ErrorKind::forbidden);
    CHECK(r.error().message.find("\"admin\"") != std::string::npos);
    CHECK(check_user_change(adm, grant).ok());
    grant.granted_roles = {role("peer", {"user.manage"})};
    CHECK(check_user_change(mgr, grant).ok());

    UserChange reset;
    reset.target_permissions = {"admin"};
    reset.password_change = true;
    CHECK_FALSE(check_user_change(mgr, reset).ok());
    CHECK(check_user_change(adm, reset).ok());
    reset.target_permissions = {"workflow.manage"};
    CHECK(check_user_change(mgr, reset).error().message.find("workflow.manage") !=
          std::string::npos);
    reset.target_permissions = {};
    CHECK(check_user_change(mgr, reset).ok());

    UserChange toggle;
    toggle.target_permissions = {"admin", "user.manage"};
    toggle.active_change = true;
    CHECK_FALSE(check_user_change(mgr, toggle).ok());
    toggle.target_permissions = {"workflow.manage"};  // disabling is not granting
    CHECK(check_user_change(mgr, toggle).ok());

    CHECK(check_role_change(mgr, {}, {"user.manage"}).ok());
    CHECK_FALSE(check_role_change(mgr, {}, {"admin"}).ok());
    CHECK_FALSE(check_role_change(mgr, {"admin"}, {}).ok());
    CHECK_FALSE(check_role_change(mgr, {}, {"user.manage", "config.read"}).ok());
    CHECK(check_role_change(mgr, {"audit.read"}, {"audit.read", "user.manage"}).ok());
    CHECK(check_role_change(adm, {"audit.read"}, {"admin"}).ok());

    CHECK(check_admin_remains(1, 1).ok());
    CHECK(check_admin_remains(2, 1).ok());
    CHECK(check_admin_remains(1, 0).error().kind == orderly::ErrorKind::conflict);
}

TEST_CASE("email addresses: one @, both parts, no spaces or controls, 254 bytes",
          "[unit][accounts]") {
    for (const char* ok : {"a@b", "first.last+tag@example.com", "li.lei@例子.中国"})
        CHECK_FALSE(email_problem(ok).has_value());
    for (std::string bad :
         std::vector<std::string>{"not-an-email", "@example.com", "x@", "a@@b", "a@b@c", "a b@c",
                                  "x@example.com\r\nBcc: evil@example.org", std::string("a\0@b", 4),
                                  std::string("a\xC2\x85@b"), std::string("a\x7F@b")}) {
        INFO(bad);
        CHECK(email_problem(bad).has_value());
    }
    CHECK_FALSE(email_problem(std::string(250, 'x') + "@b.c").has_value());  // 254 bytes
    CHECK(email_problem(std::string(251, 'x') + "@b.c").has_value());
}
