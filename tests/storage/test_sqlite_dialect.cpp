// The SQLite dialect: FTS5 MATCH expressions built from the search terms of domain/ticket_search.
// The SQLite dialect's own output: [sqlite-only].
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>

#include "domain/ticket_search.h"
#include "storage/sqlite/dialect.h"

using namespace orderly;

namespace {
std::string search_query(std::string_view q) {
    return storage::sqlite::sqlite_dialect().full_text_query(domain::search_terms(q));
}
}  // namespace

TEST_CASE("search queries: phrases of bigrams, prefixes, AND, quoting",
          "[storage][search][sqlite-only]") {
    CHECK(search_query("数据库") == "\"数据 据库\"");
    CHECK(search_query("库") == "\"库\"*");
    CHECK(search_query("nginx") == "\"nginx\"");
    CHECK(search_query("web 集群") == "\"web\" AND \"集群\"");
    CHECK(search_query("app01服务器") == "\"app01\" AND \"服务 务器\"");
    CHECK(search_query("服务器，数据库") == "\"服务 务器\" AND \"数据 据库\"");
    CHECK(search_query("say \"hi\"") == "\"say\" AND \"\"\"hi\"\"\"");
    CHECK(search_query("  % _ -- ， ") == "");
    CHECK(search_query("") == "");
    std::string many;
    for (int i = 0; i < 40; ++i) many += "w" + std::to_string(i) + " ";
    auto q = search_query(many);
    CHECK(std::count(q.begin(), q.end(), '"') == 32);
}
