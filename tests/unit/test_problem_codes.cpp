#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "api/test_spec_support.h"
#include "core/codes.h"
#include "core/json.h"
#include "http/spec.h"
#include "http/validator.h"

using orderly::test::spec_enum;

TEST_CASE("core/codes.h and the spec's ProblemCode list the same codes", "[codes]") {
    const auto in_spec = spec_enum("ProblemCode");
    std::set<std::string> in_code;
    for (auto c : orderly::codes::all) {
        INFO(c);
        CHECK(in_code.insert(std::string(c)).second);  // listed once
        CHECK(in_spec.count(std::string(c)) == 1);     // every constant is in the spec
    }
    for (const auto& c : in_spec) {
        INFO(c);
        CHECK(in_code.count(c) == 1);  // every spec code is a constant
    }
}

TEST_CASE("codes are dotted lowercase", "[codes]") {
    for (auto c : orderly::codes::all) {
        INFO(c);
        CHECK(!c.empty());
        for (char ch : c) CHECK(((ch >= 'a' && ch <= 'z') || ch == '_' || ch == '.'));
    }
}

TEST_CASE("the generic code of every error kind is a ProblemCode", "[codes]") {
    const auto in_spec = spec_enum("ProblemCode");
    for (auto k : {orderly::ErrorKind::bad_request, orderly::ErrorKind::unauthorized,
                   orderly::ErrorKind::forbidden, orderly::ErrorKind::not_found,
                   orderly::ErrorKind::method_not_allowed, orderly::ErrorKind::conflict,
                   orderly::ErrorKind::payload_too_large, orderly::ErrorKind::unprocessable,
                   orderly::ErrorKind::too_many_requests, orderly::ErrorKind::unavailable,
                   orderly::ErrorKind::internal})
        CHECK(in_spec.count(orderly::default_code(k)) == 1);
}

TEST_CASE("the validator gives every field error a code and its parameters", "[codes]") {
    orderly::http::SchemaValidator v(
        R"({"type":"object","additionalProperties":false,"required":["name"],
        "properties":{"name":{"type":"string","maxLength":3},"n":{"type":"integer","minimum":2},
        "k":{"type":"string","enum":["a","b"]}}})");
    orderly::json::Document d;
    REQUIRE(orderly::json::parse_untrusted(R"({"n":1,"k":"c","x":true})", d).ok());
    auto errs = v.validate(d);
    REQUIRE(errs.size() == 4);
    const auto in_spec = spec_enum("ProblemCode");
    std::set<std::string> got;
    for (const auto& e : errs) {
        CHECK(in_spec.count(e.code) == 1);
        got.insert(e.code);
    }
    CHECK(got ==
          std::set<std::string>{"field.required", "field.minimum", "field.enum", "field.unknown"});
    orderly::json::Document long_name;
    REQUIRE(orderly::json::parse_untrusted(R"({"name":"abcd"})", long_name).ok());
    auto e = v.validate(long_name);
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "field.max_length");
    REQUIRE(e[0].params.size() == 1);
    CHECK(e[0].params[0].name == "max");
    CHECK(e[0].params[0].value.number == 3);
}
