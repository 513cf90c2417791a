// Ticket search text and queries (domain only): CJK bigrams, word prefixes, quoting.
#include <catch2/catch.hpp>

#include <algorithm>

#include "domain/ticket_search.h"

using orderly::domain::search_query;
using orderly::domain::search_text;

TEST_CASE("search text: CJK runs become bigrams, other text stays", "[unit][search]") {
    CHECK(search_text("数据库") == " 数据 据库 库 ");
    CHECK(search_text("库") == " 库 ");
    CHECK(search_text("app01 web 集群 3 台") == "app01 web  集群 群  3  台 ");
    CHECK(search_text("CHG-20261121-0001") == "CHG-20261121-0001");
    CHECK(search_text("") == "");
    // Invalid UTF-8 passes through byte by byte without harm.
    CHECK(search_text(std::string("a\xff"
                                  "b")) == std::string("a\xff"
                                                       "b"));
}

TEST_CASE("search queries: phrases of bigrams, prefixes, AND, quoting", "[unit][search]") {
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
