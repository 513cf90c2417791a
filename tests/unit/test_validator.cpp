#include <catch2/catch.hpp>

#include "http/validator.h"

using orderly::http::SchemaValidator;

namespace {
std::vector<orderly::FieldError> check(const SchemaValidator& v, const char* body) {
    orderly::json::Document d;
    REQUIRE(orderly::json::parse_untrusted(body, d).ok());
    return v.validate(d);
}
const char* kUserSchema =
    R"({"type":"object","additionalProperties":false,"required":["username","password"],
  "properties":{"username":{"type":"string","pattern":"^[A-Za-z0-9_.@-]{1,64}$"},
  "password":{"type":"string","minLength":8},"email":{"type":["string","null"],"maxLength":5},
  "roles":{"type":"array","maxItems":2,"items":{"type":"string"}},
  "when":{"type":"string","format":"date-time"},"n":{"type":"integer","minimum":1,"maximum":3}}})";
}  // namespace

TEST_CASE("a valid body has no errors", "[validator]") {
    SchemaValidator v(kUserSchema);
    CHECK(check(v, R"({"username":"li.lei","password":"12345678","email":null,"roles":["a"]})")
              .empty());
}

TEST_CASE("missing, unknown and mistyped fields are named", "[validator]") {
    SchemaValidator v(kUserSchema);
    auto e = check(v, R"({"password":"12345678","extra":1})");
    REQUIRE(e.size() == 2);
    CHECK(e[0].field == "username");
    CHECK(e[0].message == "is required");
    CHECK(e[1].field == "extra");
    e = check(v, R"({"username":5,"password":"12345678"})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "username");
    CHECK(e[0].message == "must be string, not integer");
    e = check(v, R"({"username":"a","password":"12345678","roles":["x",3]})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "roles[1]");
}

TEST_CASE("constraints: length counts characters, pattern, range, items, date-time",
          "[validator]") {
    SchemaValidator v(kUserSchema);
    CHECK(check(v, R"({"username":"a","password":"12345678","email":"日本語日本"})").empty());
    CHECK(check(v, R"({"username":"a","password":"12345678","email":"日本語日本語"})").size() == 1);
    CHECK(check(v, R"({"username":"a b","password":"12345678"})").size() == 1);
    CHECK(check(v, R"({"username":"a","password":"short"})").size() == 1);
    CHECK(check(v, R"({"username":"a","password":"12345678","n":4})").size() == 1);
    CHECK(check(v, R"({"username":"a","password":"12345678","n":1.5})").size() == 1);
    CHECK(check(v, R"({"username":"a","password":"12345678","roles":["a","b","c"]})").size() == 1);
    CHECK(check(v, R"({"username":"a","password":"12345678","when":"yesterday"})").size() == 1);
    CHECK(check(v, R"({"username":"a","password":"12345678","when":"2026-11-21T08:00:00+08:00"})")
              .empty());
}

TEST_CASE("a body that is not an object is refused", "[validator]") {
    SchemaValidator v(kUserSchema);
    auto e = check(v, "[1,2]");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "body");
}

TEST_CASE("integers outside int64 are refused, not wrapped", "[validator]") {
    const char* schema = R"({"type":"object","properties":{"n":{"type":"integer","minimum":1},
      "id":{"type":"integer","minimum":1,"maximum":9007199254740991},
      "x":{"type":["integer","null"]}}})";
    auto errs = [&](const char* body) {
        orderly::json::Document d;
        REQUIRE(orderly::json::parse_untrusted(body, d).ok());
        return orderly::http::validate(schema, d);
    };
    CHECK(errs(R"({"n":9223372036854775807})").empty());
    for (const char* body : {R"({"n":9223372036854775808})", R"({"n":18446744073709551615})",
                             R"({"n":18446744073709551616})", R"({"x":9223372036854775808})"}) {
        auto e = errs(body);
        INFO(body);
        REQUIRE(e.size() == 1);
        CHECK((e[0].field == "n" || e[0].field == "x"));
    }
    CHECK(errs(R"({"n":-9223372036854775808})").size() == 1);  // below minimum
    // Exact comparison: 2^53 + 1 is above the maximum although it rounds to 2^53 as a double.
    CHECK(errs(R"({"id":9007199254740991})").empty());
    CHECK(errs(R"({"id":9007199254740992})").size() == 1);
    CHECK(errs(R"({"id":9007199254740993})").size() == 1);
    CHECK(errs(R"({"id":0})").size() == 1);
}

TEST_CASE("anyOf/oneOf take one of a few types, allOf applies every branch", "[validator]") {
    const char* schema = R"({"type":"object","properties":{
      "v":{"anyOf":[{"type":"string","maxLength":3},{"type":"array","items":{"type":"string"}}]},
      "r":{"oneOf":[{"type":"string","enum":["any","all"]},{"type":"object",
        "additionalProperties":false,"required":["at_least"],
        "properties":{"at_least":{"type":"integer","minimum":1}}}]},
      "n":{"anyOf":[{"allOf":[{"type":"object","required":["k"]}]},{"type":"null"}]}}})";
    auto errs = [&](const char* body) {
        orderly::json::Document d;
        REQUIRE(orderly::json::parse_untrusted(body, d).ok());
        return orderly::http::validate(schema, d);
    };
    CHECK(errs(R"({"v":"abc","r":"all","n":null})").empty());
    CHECK(errs(R"({"v":["a","b"],"r":{"at_least":2},"n":{"k":1}})").empty());
    auto e = errs(R"({"v":5})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "v");
    CHECK(e[0].message == "must be string or array, not integer");
    e = errs(R"({"v":"abcd"})");  // the string branch's own problem
    REQUIRE(e.size() == 1);
    CHECK(e[0].message == "must be at most 3 characters long");
    e = errs(R"({"v":["a",1]})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "v[1]");
    e = errs(R"({"r":{"at_least":0}})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "r.at_least");
    CHECK(errs(R"({"r":"some"})").size() == 1);
    e = errs(R"({"n":{}})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "n.k");
}

TEST_CASE("query parameters are read as their type, then checked", "[validator]") {
    orderly::http::ParamsValidator v(
        R"({"type":"object","additionalProperties":false,"properties":{
        "limit":{"type":"integer","minimum":1,"maximum":500},"active":{"type":"boolean"},
        "q":{"type":"string","maxLength":3},"view":{"type":"string","enum":["mine","all"]}}})");
    using P = std::vector<std::pair<std::string, std::string>>;
    CHECK(
        v.validate(P{{"limit", "50"}, {"active", "true"}, {"q", "abc"}, {"view", "all"}}).empty());
    for (const char* bad :
         {"0", "501", "-1", "01", "+1", "1.5", "abc", "", "99999999999999999999"}) {
        INFO(bad);
        auto e = v.validate(P{{"limit", bad}});
        REQUIRE(e.size() == 1);
        CHECK(e[0].field == "limit");
    }
    CHECK(v.validate(P{{"active", "maybe"}}).size() == 1);
    CHECK(v.validate(P{{"q", "abcd"}}).size() == 1);
    CHECK(v.validate(P{{"view", "some"}}).size() == 1);
    auto e = v.validate(P{{"limt", "5"}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "limt");
    CHECK(e[0].code == "field.unknown");
    e = v.validate(P{{"limit", "abc"}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "field.integer");
    e = v.validate(P{{"limit", "0"}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "field.minimum");
}

TEST_CASE("an unknown member with an empty name is still named (found by fuzzing)", "[validator]") {
    SchemaValidator v(kUserSchema);
    auto e = check(v, R"({"username":"a","password":"12345678","":1})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "\"\"");
    CHECK(e[0].message == "is not a known field");
}

TEST_CASE("the quick check of integer parameters agrees with the full one", "[validator]") {
    orderly::http::ParamsValidator v(
        R"({"type":"object","additionalProperties":false,"required":["id"],"properties":{
        "id":{"type":"integer","format":"int64","minimum":1},
        "n":{"type":"integer","minimum":-5,"maximum":500}}})");
    using M = std::unordered_map<std::string, std::string>;
    const auto full = [&](const M& m) {
        return v.validate(std::vector<std::pair<std::string, std::string>>(m.begin(), m.end()))
            .empty();
    };
    CHECK(v.quickly_valid(M{{"id", "42"}}));
    CHECK(v.quickly_valid(M{{"id", "9223372036854775807"}, {"n", "500"}}));
    for (const M& m : std::vector<M>{
             {{"id", "42"}},
             {{"id", "0"}},
             {{"id", "-1"}},
             {{"id", "01"}},
             {{"id", "+1"}},
             {{"id", "1.0"}},
             {{"id", ""}},
             {{"id", "9223372036854775808"}},
             {{"id", "99999999999999999999"}},
             {{"id", "1"}, {"n", "501"}},
             {{"id", "1"}, {"n", "-5"}},
             {{"id", "1"}, {"n", "-6"}},
             {{"n", "3"}},
             {{"id", "1"}, {"other", "3"}},
         }) {
        INFO((m.count("id") ? m.at("id") : "(no id)"));
        // Quick says yes only where the full validator does; a no sends it to the full one.
        if (v.quickly_valid(m)) CHECK(full(m));
    }
    CHECK_FALSE(v.quickly_valid(M{{"id", "0"}}));
    CHECK_FALSE(v.quickly_valid(M{{"n", "3"}}));
    CHECK_FALSE(v.quickly_valid(M{{"id", "1"}, {"other", "3"}}));
}
