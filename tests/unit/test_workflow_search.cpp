// Ticket search text and query terms (domain only): CJK bigrams, prefixes, words. The query
// syntax built from the terms is tested with the SQLite dialect (tests/storage).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "domain/ticket_search.h"

using orderly::domain::search_terms;
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

TEST_CASE("search terms: bigram phrases, prefixes, whole words, at most 16", "[unit][search]") {
    using T = orderly::domain::SearchTerm;
    using V = std::vector<T>;
    CHECK(search_terms("数据库") == V{T{"数据 据库", false}});
    CHECK(search_terms("库") == V{T{"库", true}});
    CHECK(search_terms("nginx") == V{T{"nginx", false}});
    CHECK(search_terms("web 集群") == V{T{"web", false}, T{"集群", false}});
    CHECK(search_terms("app01服务器") == V{T{"app01", false}, T{"服务 务器", false}});
    CHECK(search_terms("服务器，数据库") == V{T{"服务 务器", false}, T{"数据 据库", false}});
    CHECK(search_terms("say \"hi\"") == V{T{"say", false}, T{"\"hi\"", false}});
    CHECK(search_terms("  % _ -- ， ").empty());
    CHECK(search_terms("").empty());
    std::string many;
    for (int i = 0; i < 40; ++i) many += "w" + std::to_string(i) + " ";
    auto terms = search_terms(many);
    REQUIRE(terms.size() == 16);
    CHECK(terms.back() == T{"w15", false});
}
