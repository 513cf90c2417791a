// Walks every route of the spec as anonymous, as a user without the route's permission and as
// admin. The walk is driven by api-spec/openapi.yaml, and the spec must match the server's route
// table exactly, so a route cannot escape the walk.
#include <catch2/catch.hpp>

#include <set>

#include "http/spec.h"
#include "support/test_server.h"

using namespace orderly::test;

namespace {
std::string concrete(std::string_view path) {
    std::string out;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '{') {
            size_t j = path.find('}', i);
            std::string name(path.substr(i + 1, j - i - 1));
            out += (name == "id" || name.size() > 3 && name.substr(name.size() - 3) == "_id")
                       ? "987654"
                       : "no-such-" + name;
            i = j + 1;
        } else {
            out.push_back(path[i++]);
        }
    }
    return out;
}
}  // namespace

TEST_CASE("the server's route table and the spec agree", "[api][spec]") {
    std::set<std::string> spec, served;
    for (const auto& r : orderly::spec::routes())
        spec.insert(std::string(r.method) + " " + std::string(r.path));
    for (const auto& r : server().server().registered_routes()) served.insert(r);
    CHECK(spec == served);
    auto doc = admin().get("/api/v1/openapi.json");
    REQUIRE(doc.status == 200);
    CHECK(doc.json["openapi"].GetString() == std::string("3.0.3"));
}

TEST_CASE("every route: anonymous 401, missing permission 403, permitted not 401/403",
          "[api][permissions]") {
    auto nobody = make_user("noperm", {});
    // A separate admin session, since the walk calls logout.
    auto adm = login("admin", kAdminPassword);
    int walked = 0;
    for (const auto& r : orderly::spec::routes()) {
        const std::string method(r.method);
        const std::string path = concrete(r.path);
        const std::string perm(r.permission);
        INFO(method << " " << r.path << " (x-permission " << perm << ")");
        Client anon(port());
        auto ra = anon.send(method, path, "{}");
        if (perm == "public") {
            CHECK(ra.status != 401);
            CHECK(ra.status != 403);
        } else {
            CHECK(ra.status == 401);
        }
        if (perm != "public" && perm != "authenticated") {
            auto rn = nobody.send(method, path, "{}");
            CHECK(rn.status == 403);
        }
        if (r.path == std::string_view("/api/v1/auth/logout")) continue;
        auto rp = adm.send(method, path, "{}");
        CHECK(rp.status != 401);
        CHECK(rp.status != 403);
        CHECK(rp.status < 500);
        ++walked;
    }
    CHECK(walked + 1 == static_cast<int>(orderly::spec::routes().size()));
}
