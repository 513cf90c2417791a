#pragma once
// Shared by the API tests: the spec's enums (api-spec/openapi.yaml, as the server embeds it),
// and the problem code of a reply, checked to be one the spec lists.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "http/spec.h"
#include "support/test_server.h"

namespace orderly::test {

// The values of components.schemas.<schema>.enum.
inline std::set<std::string> spec_enum(const char* schema) {
    json::Document d;
    d.Parse(spec::openapi_json().data(), spec::openapi_json().size());
    REQUIRE_FALSE(d.HasParseError());
    const auto& schemas = d["components"]["schemas"];
    REQUIRE(schemas.HasMember(schema));
    std::set<std::string> out;
    for (const auto& v : schemas[schema]["enum"].GetArray()) out.insert(v.GetString());
    return out;
}

// The problem's code, checked to be one the spec lists (and its errors' codes too).
inline std::string code_of(const Reply& r) {
    static const auto known = spec_enum("ProblemCode");
    INFO(r.body);
    REQUIRE(r.json.IsObject());
    REQUIRE(r.json.HasMember("code"));
    REQUIRE(r.json["params"].IsObject());
    CHECK(known.count(r.str("code")) == 1);
    if (r.json.HasMember("errors"))
        for (const auto& e : r.json["errors"].GetArray()) {
            CHECK(known.count(e["code"].GetString()) == 1);
            CHECK(e["params"].IsObject());
        }
    return r.str("code");
}

}  // namespace orderly::test
