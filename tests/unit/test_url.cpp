// Decoding of request targets; the cases marked as found by fuzzing came from tests/fuzz/fuzz_url.
#include <catch2/catch.hpp>

#include <string>

#include "http/url.h"

using orderly::http::percent_decode;
using orderly::http::split_path;
using orderly::http::valid_utf8;
using namespace std::string_literals;

TEST_CASE("percent_decode decodes escapes and '+' in query strings", "[url]") {
    CHECK(percent_decode("/a%2Fb%20c", false) == "/a/b c");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("a+b%2B", true) == "a b+");
    CHECK(percent_decode("%e4%B8%ad", true) == "\xE4\xB8\xAD");
}

TEST_CASE("percent_decode refuses malformed escapes", "[url]") {
    CHECK_FALSE(percent_decode("%", false));
    CHECK_FALSE(percent_decode("a%4", false));
    CHECK_FALSE(percent_decode("%4g", false));
    CHECK_FALSE(percent_decode("%00", true));
}

TEST_CASE("percent_decode refuses a raw NUL as well as an encoded one (found by fuzzing)",
          "[url]") {
    CHECK_FALSE(percent_decode("/api\0/v1"s, false));
    CHECK_FALSE(percent_decode("q=\0"s, true));
}

TEST_CASE("valid_utf8 accepts well-formed UTF-8 only", "[url]") {
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("plain ascii"));
    CHECK(valid_utf8("\xC3\xA9t\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x9A\x80"));
    CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    CHECK_FALSE(valid_utf8("\x80"));
    CHECK_FALSE(valid_utf8("\xC3"));
    CHECK_FALSE(valid_utf8("\xE4\xB8"));
    CHECK_FALSE(valid_utf8("\xFF"));
}

TEST_CASE(
    "valid_utf8 refuses overlong forms, surrogates and code points above U+10FFFF "
    "(found by fuzzing)",
    "[url]") {
    CHECK_FALSE(valid_utf8("\xF0\x8F\x9A\x80"));  // overlong 4-byte form of U+F680
    CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(valid_utf8("\xC0\x80"));          // overlong NUL
    CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong '/'
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // U+D800, a surrogate
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // U+110000
    CHECK_FALSE(valid_utf8("ok \xF5\x80\x80\x80 ok"));
}

TEST_CASE("split_path drops empty segments", "[url]") {
    CHECK(split_path("/api//v1/tickets/") == std::vector<std::string>{"api", "v1", "tickets"});
    CHECK(split_path("/").empty());
}
