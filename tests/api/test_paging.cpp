// Every list pages with limit and cursor the same way, and a page is short only at the end.
#include <catch2/catch.hpp>

#include <set>

#include "test_catalog_support.h"

using namespace orderly::test;
using namespace orderly::test::catalog;

namespace {
// Walks a list page by page; returns every item's `member` in order and the page sizes.
std::pair<std::vector<std::string>, std::vector<size_t>> walk(Client& c, const std::string& path,
                                                              const char* member) {
    std::vector<std::string> seen;
    std::vector<size_t> sizes;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
        auto r = c.get(path + (cursor.empty() ? "" : "&cursor=" + cursor));
        INFO(r.body);
        REQUIRE(r.status == 200);
        sizes.push_back(r.json["items"].Size());
        for (const auto& it : r.json["items"].GetArray()) {
            const auto& v = it[member];
            seen.push_back(v.IsString() ? v.GetString() : std::to_string(v.GetInt64()));
        }
        if (r.json["next_cursor"].IsNull()) break;
        cursor = r.json["next_cursor"].GetString();
    }
    return {seen, sizes};
}
}  // namespace

TEST_CASE("GET /businesses pages with limit and cursor", "[api][paging]") {
    auto a = admin();
    for (int i = 0; i < 3; ++i)
        REQUIRE(
            a.post("/api/v1/businesses", R"({"key":)" + q(unique("pagebiz")) + R"(,"name":"分页"})")
                .status == 201);
    auto all = a.get("/api/v1/businesses?limit=500");
    REQUIRE(all.status == 200);
    const size_t total = all.json["items"].Size();
    REQUIRE(total >= 3);
    auto first = a.get("/api/v1/businesses?limit=1");
    REQUIRE(first.json["items"].Size() == 1);
    REQUIRE(first.json["next_cursor"].IsString());
    auto [keys, sizes] = walk(a, "/api/v1/businesses?limit=2", "key");
    CHECK(keys.size() == total);
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == total);
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    for (size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 2);
}

TEST_CASE("a page of submittable templates is full although others come first", "[api][paging]") {
    auto a = admin();
    auto [env, purpose] = make_categories(a);
    std::string ops = make_role("ops", {"ticket.submit"});
    std::string others = make_role("others", {"ticket.submit"});
    // Three the user may not submit, then three they may: the first rows by id are all dropped.
    for (const auto& role : {others, others, others, ops, ops, ops}) {
        auto r =
            create_template(a, env, purpose, "echo hi", R"(,"submit_roles":[)" + q(role) + "]");
        INFO(r.body);
        REQUIRE(r.status == 201);
    }
    auto user = make_user("pager", {ops});
    auto first = user.get("/api/v1/templates?environment=" + env + "&submittable=true&limit=2");
    INFO(first.body);
    REQUIRE(first.status == 200);
    CHECK(first.json["items"].Size() == 2);
    auto [ids, sizes] =
        walk(user, "/api/v1/templates?environment=" + env + "&submittable=true&limit=2", "id");
    CHECK(ids.size() == 3);
    CHECK(sizes == std::vector<size_t>{2, 1});
}
