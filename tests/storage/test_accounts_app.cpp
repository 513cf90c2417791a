// The accounts use cases (app::People, app::Sessions, app::AuditLog) on a temp-file database with
// the real migrations: the rules on users and admins, login, and authentication with its
// per-process cache of roles and permissions.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/audit_log.h"
#include "app/people.h"
#include "app/sessions.h"
#include "core/codes.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "support/fake_ticket_ports.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;

namespace {

constexpr TimeMs kHour = 3600 * 1000;

struct Accounts {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "a.db"), 2};
    test::ManualClock clock{1'700'000'000'000};
    app::People people{db, clock};
    app::Sessions sessions{db, clock, 12 * kHour};
    app::AuditLog audit_log{db};
    // The server itself, before anyone signs in: holds every permission.
    app::Principal root{0, "root", "Root", 0, false, {"admin"}, {"admin"}};

    Accounts() {
        crypto::init();
        db.migrate();
    }
    ~Accounts() { std::filesystem::remove_all(dir); }

    app::Caller as(const app::Principal& p) { return app::Caller{&p, "192.0.2.1", "req-1"}; }

    domain::User add_user(const std::string& name, std::vector<std::string> roles) {
        app::NewUser in;
        in.user.username = name;
        in.user.display_name = name;
        in.user.roles = std::move(roles);
        in.password = name + "-password";
        return people.create_user(as(root), std::move(in));
    }

    // Signs in and authenticates the session token, as a request would.
    app::Principal sign_in(const std::string& name) {
        auto out = sessions.login(app::Caller{nullptr, "192.0.2.1", "req-2"},
                                  {name, name + "-password", "192.0.2.1"});
        return unwrap(sessions.authenticate(out.token));
    }
};

template <typename F>
std::string code_of(F&& f) {
    try {
        f();
    } catch (const ErrorException& e) {
        return e.error.code;
    }
    return "";
}

}  // namespace

TEST_CASE("a session token authenticates as its user, with the roles as of the latest change",
          "[storage][accounts]") {
    Accounts a;
    domain::Role role;
    role.key = "ops";
    role.name = "Ops";
    role.permissions = {"ticket.submit", "ticket.submit"};
    CHECK(a.people.create_role(a.as(a.root), role).permissions ==
          std::vector<std::string>{"ticket.submit"});
    a.add_user("bob", {"ops"});

    auto first = a.sessions.login(app::Caller{}, {"bob", "bob-password", "192.0.2.1"});
    auto bob = unwrap(a.sessions.authenticate(first.token));
    CHECK(bob.username == "bob");
    CHECK(bob.roles == std::vector<std::string>{"ops"});
    CHECK(bob.can("ticket.submit"));
    CHECK_FALSE(bob.can("audit.read"));

    // A role's new permission holds on the next request, although the first one is cached.
    app::RolePatch patch;
    patch.permissions = std::vector<std::string>{"ticket.submit", "audit.read"};
    a.people.update_role(a.as(a.root), "ops", patch);
    CHECK(unwrap(a.sessions.authenticate(first.token)).can("audit.read"));

    // Logout ends that session only.
    auto second = a.sessions.login(app::Caller{}, {"bob", "bob-password", "192.0.2.1"});
    a.sessions.logout(a.as(bob));
    CHECK(a.sessions.authenticate(first.token).error().code == codes::auth_token_invalid);
    CHECK(a.sessions.authenticate(second.token).ok());
    CHECK(a.sessions.authenticate("ors_unknown").error().code == codes::auth_token_invalid);
}

TEST_CASE("a user missing from a lookup is found with their roles later in the same transaction",
          "[storage][accounts]") {
    // On PostgreSQL a lookup sends the roles' statement ahead of the user's row; what a miss
    // sent must not answer the lookups after the user is added.
    Accounts a;
    a.db.write([&](storage::Connection& c) {
        auto next = c.prepare("SELECT coalesce(max(id), 0) + 1 FROM users");
        REQUIRE(next.step());
        const int64_t expected_id = next.int64(0);
        CHECK_FALSE(storage::find_user(c, expected_id).has_value());
        CHECK_FALSE(storage::find_user_by_name(c, "late").has_value());

        domain::User u;
        u.username = "late";
        u.display_name = "Late";
        const int64_t id = unwrap(storage::insert_user(c, u, "not-a-hash"));
        REQUIRE(id == expected_id);
        unwrap(storage::set_user_roles(c, id, {"admin"}));

        CHECK(storage::roles_of(c, id) == std::vector<std::string>{"admin"});
        const auto by_id = storage::find_user(c, id);
        REQUIRE(by_id.has_value());
        CHECK(by_id->username == "late");
        CHECK(by_id->roles == std::vector<std::string>{"admin"});
        const auto by_name = storage::find_user_by_name(c, "late");
        REQUIRE(by_name.has_value());
        CHECK(by_name->id == id);
        CHECK(by_name->roles == std::vector<std::string>{"admin"});
    });
}

TEST_CASE("wrong passwords answer 401 and are counted, and a sign-in is audited as the user",
          "[storage][accounts]") {
    Accounts a;
    a.add_user("alice", {"admin"});
    CHECK(code_of([&] {
              a.sessions.login(app::Caller{}, {"alice", "wrong", "192.0.2.7"});
          }) == codes::auth_invalid_credentials);
    CHECK(code_of([&] {
              a.sessions.login(app::Caller{}, {"nobody", "wrong", "192.0.2.7"});
          }) == codes::auth_invalid_credentials);
    a.sign_in("alice");

    domain::AuditFilter f;
    f.action = "auth.login";
    auto events = a.audit_log.list(f);
    REQUIRE(events.size() == 1);
    CHECK(events[0].actor == "alice");
    CHECK(events[0].address == "192.0.2.1");
}

TEST_CASE("nobody deletes or disables themselves, and the last admin stays",
          "[storage][accounts]") {
    Accounts a;
    auto alice_user = a.add_user("alice", {"admin"});
    auto alice = a.sign_in("alice");

    CHECK(code_of([&] { a.people.delete_user(a.as(alice), alice.user_id, std::nullopt); }) ==
          codes::user_cannot_delete_self);
    app::UserPatch disable;
    disable.disabled = true;
    CHECK(code_of([&] { a.people.update_user(a.as(alice), alice.user_id, disable); }) ==
          codes::user_cannot_disable_self);
    CHECK(code_of([&] { a.people.update_user(a.as(a.root), alice.user_id, disable); }) ==
          codes::user_last_admin);
    CHECK(code_of([&] { a.people.delete_user(a.as(a.root), alice.user_id, "99"); }) ==
          codes::request_version_conflict);

    // With a second admin, alice may go; her sessions end at once.
    a.add_user("carol", {"admin"});
    a.people.delete_user(a.as(a.root), alice.user_id, std::to_string(alice_user.version));
    CHECK(a.people.user(alice.user_id).disabled);
    CHECK(code_of([&] { a.people.user(12345); }) == codes::user_not_found);
}

TEST_CASE("If-Match is read where the version is checked, after the checks that come first",
          "[storage][accounts]") {
    Accounts a;
    auto alice = a.add_user("alice", {"admin"});
    const std::optional<std::string> bad = "three";
    CHECK(code_of([&] { a.people.delete_user(a.as(a.root), 12345, bad); }) ==
          codes::user_not_found);
    app::RolePatch rename;
    rename.if_match = bad;
    rename.name = "Admins";
    CHECK(code_of([&] { a.people.update_role(a.as(a.root), "admin", rename); }) ==
          codes::role_builtin);
    CHECK(code_of([&] { a.people.delete_user(a.as(a.root), alice.id, bad); }) ==
          codes::field_if_match);
    CHECK(code_of([&] {
              a.people.delete_user(a.as(a.root), alice.id,
                                   "W/\"" + std::to_string(alice.version) + "\"");
          }) == codes::user_last_admin);
}
