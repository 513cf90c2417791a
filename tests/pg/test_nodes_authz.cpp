// Three nodes on one PostgreSQL database agree at once on who may do what: a change made through
// node 1 (a revoked token, a logout, a disabled user, a role's permissions, a user's roles, failed
// logins) holds for the very next request on nodes 2 and 3, whose caches were warm.
#include <barrier>
#include <thread>

#include "api/test_tickets_support.h"
#include "nodes_support.h"
#include "pg_test_db.h"

using namespace orderly::test;
using namespace orderly::test::tickets;
using orderly::test::nodes::Nodes;

namespace {

// The statuses of one request on every node, in node order.
std::vector<int> on_every_node(const Nodes& nodes, const Client& who, const std::string& path) {
    std::vector<int> out;
    for (int i = 0; i < nodes.size(); ++i) out.push_back(nodes.on(i, who).get(path).status);
    return out;
}

const std::vector<int> kAllOk{200, 200, 200};
const std::vector<int> kAllUnauthorized{401, 401, 401};
const std::vector<int> kAllForbidden{403, 403, 403};

void check_token_refused(const Reply& r) {
    INFO(r.body);
    CHECK(r.status == 401);
    CHECK(r.str("code") == "auth.token_invalid");
}

Reply login_from(const Nodes& nodes, int node, const std::string& address, const std::string& user,
                 const std::string& password) {
    Client c(nodes.port(node));
    return c.post("/api/v1/auth/login",
                  R"({"username":)" + q(user) + R"(,"password":)" + q(password) + "}",
                  {{"X-Forwarded-For", address}});
}

}  // namespace

TEST_CASE("a revoked API token and a logged-out session stop on every node at once",
          "[pg][nodes]") {
    PgTestDb pg;
    Nodes nodes(pg.uri(), 3);
    Client admin = nodes.admin(0);
    Client user = make_user(admin, nodes.port(0), "tokens", {});

    auto created = user.post("/api/v1/me/tokens", R"({"name":"ci"})");
    INFO(created.body);
    REQUIRE(created.status == 201);
    Client api(nodes.port(0));
    api.set_token(created.str("token"));
    CHECK(on_every_node(nodes, api, "/api/v1/me") == kAllOk);

    // Revoked through node 1: the very next request on node 2 and node 3 is refused.
    REQUIRE(nodes.on(0, user).del("/api/v1/me/tokens/" + std::to_string(created.num("id"))).status /
                100 ==
            2);
    check_token_refused(nodes.on(1, api).get("/api/v1/me"));
    check_token_refused(nodes.on(2, api).get("/api/v1/me"));

    // A session logged out on node 2 is over on node 1 and node 3.
    CHECK(on_every_node(nodes, user, "/api/v1/me") == kAllOk);
    REQUIRE(nodes.on(1, user).post("/api/v1/auth/logout", "").status / 100 == 2);
    check_token_refused(nodes.on(0, user).get("/api/v1/me"));
    check_token_refused(nodes.on(2, user).get("/api/v1/me"));
}

TEST_CASE("disabling a user on one node locks them out of every node at once", "[pg][nodes]") {
    PgTestDb pg;
    Nodes nodes(pg.uri(), 3);
    Client admin = nodes.admin(0);
    std::string name;
    Client user = make_user(admin, nodes.port(0), "disabled", {}, &name);
    auto me = user.get("/api/v1/me");
    REQUIRE(me.status == 200);
    const std::string user_path = "/api/v1/users/" + std::to_string(me.num("id"));
    CHECK(on_every_node(nodes, user, "/api/v1/me") == kAllOk);

    auto disabled = admin.patch(user_path, R"({"disabled":true})");
    INFO(disabled.body);
    REQUIRE(disabled.status == 200);
    check_token_refused(nodes.on(1, user).get("/api/v1/me"));
    check_token_refused(nodes.on(2, user).get("/api/v1/me"));
    for (int node : {1, 2}) {
        auto again = login_from(nodes, node, "192.0.2.1", name, "password-" + name);
        CHECK(again.status == 401);
        CHECK(again.str("code") == "auth.invalid_credentials");
    }

    // Enabled again through node 3: a new login works on node 2.
    REQUIRE(nodes.admin(2).patch(user_path, R"({"disabled":false})").status == 200);
    CHECK(login_from(nodes, 1, "192.0.2.2", name, "password-" + name).status == 200);
}

TEST_CASE("a role's permissions and a user's roles change on every node at once", "[pg][nodes]") {
    PgTestDb pg;
    Nodes nodes(pg.uri(), 3);
    Client admin = nodes.admin(0);
    const std::string role = make_role(admin, "auditor", {"audit.read"});
    Client user = make_user(admin, nodes.port(0), "auditor", {role});
    const std::string audit = "/api/v1/audit-events?limit=1";
    const std::string user_path =
        "/api/v1/users/" + std::to_string(user.get("/api/v1/me").num("id"));
    CHECK(on_every_node(nodes, user, audit) == kAllOk);  // every node has the user cached

    // The role loses the permission through node 1.
    REQUIRE(admin.patch("/api/v1/roles/" + role, R"({"permissions":[]})").status == 200);
    auto denied = nodes.on(1, user).get(audit);
    CHECK(denied.status == 403);
    CHECK(denied.str("code") == "permission.denied");
    CHECK(nodes.on(2, user).get(audit).status == 403);

    // Given back through node 2, then the user loses the role through node 3.
    REQUIRE(
        nodes.admin(1).patch("/api/v1/roles/" + role, R"({"permissions":["audit.read"]})").status ==
        200);
    CHECK(nodes.on(2, user).get(audit).status == 200);
    CHECK(nodes.on(0, user).get(audit).status == 200);
    REQUIRE(nodes.admin(2).patch(user_path, R"({"roles":[]})").status == 200);
    CHECK(on_every_node(nodes, user, audit) == kAllForbidden);
    CHECK(strings_at(nodes.on(1, user).get("/api/v1/me").json["roles"]).empty());
}

TEST_CASE("failed logins through one node throttle the next login on every node", "[pg][nodes]") {
    PgTestDb pg;
    Nodes nodes(pg.uri(), 3);
    Client admin = nodes.admin(0);
    std::string name;
    make_user(admin, nodes.port(0), "guessed", {}, &name);
    const std::string password = "password-" + name;
    const std::string guesser = "203.0.113.50";

    // Five wrong passwords for the account from one address, spread over the nodes (nginx sends
    // each request wherever it likes): each is counted, whichever node heard it.
    for (int i = 0; i < 5; ++i) {
        auto r = login_from(nodes, i % 3, guesser, name, "wrong-" + std::to_string(i));
        INFO(r.body);
        CHECK(r.status == 401);
    }
    for (int node = 0; node < 3; ++node) {
        auto r = login_from(nodes, node, guesser, name, password);
        INFO(r.body);
        CHECK(r.status == 429);
        CHECK(r.str("code") == "auth.throttled");
        CHECK(std::stoi(r.header("Retry-After")) > 0);
    }
    // The owner, from another address, is not locked out on any node.
    for (int node = 0; node < 3; ++node)
        CHECK(login_from(nodes, node, "198.51.100.60", name, password).status == 200);

    // Twenty failures from one address over many accounts throttle that address on every node.
    const std::string sprayer = "203.0.113.51";
    for (int i = 0; i < 20; ++i)
        CHECK(login_from(nodes, i % 3, sprayer, "nobody" + std::to_string(i), "wrong-password")
                  .status == 401);
    for (int node = 0; node < 3; ++node) {
        auto r =
            login_from(nodes, node, sprayer, "admin", orderly::test::nodes::kNodesAdminPassword);
        CHECK(r.status == 429);
        CHECK(r.str("code") == "auth.throttled");
    }
}

TEST_CASE("a burst of wrong passwords over three nodes gets no more tries than the limit",
          "[pg][nodes]") {
    PgTestDb pg;
    Nodes nodes(pg.uri(), 3);
    Client admin = nodes.admin(0);
    std::string name;
    make_user(admin, nodes.port(0), "burst", {}, &name);

    // Thirty guesses from one address at the same moment, ten through each node: the account's
    // limit is five failures from an address, and no more than five get to try a password.
    constexpr int kGuesses = 30;
    std::vector<Reply> replies(kGuesses);
    std::barrier start(kGuesses);
    std::vector<std::thread> threads;
    for (int i = 0; i < kGuesses; ++i)
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            replies[i] =
                login_from(nodes, i % 3, "203.0.113.70", name, "guess-" + std::to_string(i));
        });
    for (auto& t : threads) t.join();
    int tried = 0, throttled = 0;
    for (const auto& r : replies) {
        INFO(r.body);
        if (r.status == 401) ++tried;
        if (r.status == 429) ++throttled;
        CHECK((r.status == 401 || r.status == 429));
    }
    CHECK(tried == 5);
    CHECK(throttled == kGuesses - 5);
}
