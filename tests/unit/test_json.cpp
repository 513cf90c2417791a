#include <catch2/catch.hpp>

#include <string>

#include "core/time.h"
#include "http/json.h"

using namespace orderly;

TEST_CASE("untrusted JSON: deep nesting, bad UTF-8, trailing data and emptiness are refused",
          "[json]") {
    json::Document d;
    std::string deep(10000, '[');
    deep += std::string(10000, ']');
    auto r = json::parse_untrusted(deep, d);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("nested deeper") != std::string::npos);

    std::string bad_utf8 = "{\"a\":\"\xff\xfe\"}";
    CHECK_FALSE(json::parse_untrusted(bad_utf8, d).ok());
    CHECK_FALSE(json::parse_untrusted("{\"a\":1} x", d).ok());
    CHECK_FALSE(json::parse_untrusted("", d).ok());
    CHECK_FALSE(json::parse_untrusted("{\"a\":", d).ok());
    REQUIRE(json::parse_untrusted("{\"a\":[1,{\"b\":\"中文\"}]}", d).ok());
    CHECK(d["a"][1]["b"].GetString() == std::string("中文"));
}

TEST_CASE("64 levels are accepted, 65 are not", "[json]") {
    json::Document d;
    CHECK(json::parse_untrusted(std::string(64, '[') + std::string(64, ']'), d).ok());
    CHECK_FALSE(json::parse_untrusted(std::string(65, '[') + std::string(65, ']'), d).ok());
}

TEST_CASE("RFC 3339 round trip and rejection", "[time]") {
    auto t = parse_rfc3339("2026-11-21T05:40:39.123Z");
    REQUIRE(t);
    CHECK(format_rfc3339(*t) == "2026-11-21T05:40:39.123Z");
    CHECK(parse_rfc3339("2026-11-21T13:40:39+08:00") == parse_rfc3339("2026-11-21T05:40:39Z"));
    CHECK_FALSE(parse_rfc3339("2026-11-21"));
    CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2026-11-21T05:40:39"));
    CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
}
