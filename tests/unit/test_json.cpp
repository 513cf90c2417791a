#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include "core/codes.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/workflow_json.h"

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

TEST_CASE("untrusted JSON: a lone surrogate escape is refused, surrogate pairs and Hangul are not",
          "[json]") {
    json::Document d;
    // A low surrogate with no high one before it, in a value and in a key, alone or after text.
    for (const char* body : {R"({"a":"\uDEAE"})", R"({"\uDC00":1})", R"({"a":"x\uDFFFy"})",
                             R"(["ok","\uDC00\uD800"])"}) {
        INFO(body);
        auto r = json::parse_untrusted(body, d);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == codes::request_body_not_json);
        CHECK(r.error().message.find("surrogate") != std::string::npos);
    }
    // A pair is one character (U+1F600); U+D55C is Hangul, whose UTF-8 also starts with 0xED.
    REQUIRE(json::parse_untrusted(R"({"a":"\uD83D\uDE00","\uD55C":"\uD55C)"
                                  "\xED\x95\x9C"
                                  R"("})",
                                  d)
                .ok());
    CHECK(d["a"].GetString() == std::string("\xF0\x9F\x98\x80"));
    CHECK(d["\xED\x95\x9C"].GetString() == std::string("\xED\x95\x9C\xED\x95\x9C"));
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
    // An offset that carries the time out of the years 0000-9999 (UTC) is refused: it could not
    // be written back.
    CHECK(parse_rfc3339("0000-01-01T00:00:00Z"));
    CHECK(parse_rfc3339("9999-12-31T23:59:59.999Z"));
    CHECK_FALSE(parse_rfc3339("0000-01-01T07:00:03+08:00"));
    CHECK_FALSE(parse_rfc3339("9999-12-31T20:00:00-08:00"));
    for (const char* ok : {"0000-01-01T08:00:00+08:00", "9999-12-31T15:59:59-08:00"}) {
        INFO(ok);
        auto at = parse_rfc3339(ok);
        REQUIRE(at);
        CHECK(parse_rfc3339(format_rfc3339(*at)) == at);
    }
}

TEST_CASE("RFC 3339 formatting agrees with the C library across centuries", "[time]") {
    CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(format_rfc3339(951782400000) == "2000-02-29T00:00:00.000Z");   // a leap day
    CHECK(format_rfc3339(4107542399999) == "2100-02-28T23:59:59.999Z");  // 2100: no leap day
    // Spread over 1900..2300, negative times included.
    uint64_t x = 88172645463325252ull;
    int mismatches = 0;
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const int64_t span = 12'623'040'000'000;  // 400 years of milliseconds
        const TimeMs t = static_cast<int64_t>(x % static_cast<uint64_t>(span)) - 2'208'988'800'000;
        time_t secs = static_cast<time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
        int ms = static_cast<int>(t - static_cast<int64_t>(secs) * 1000);
        struct tm tmv {};
        gmtime_r(&secs, &tmv);
        char want[96];
        std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900,
                      tmv.tm_mon + 1, tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec, ms);
        if (format_rfc3339(t) != want && ++mismatches < 5)
            FAIL_CHECK(t << ": " << format_rfc3339(t) << " != " << want);
    }
    CHECK(mismatches == 0);
}

TEST_CASE("the writer turns invalid UTF-8 into U+FFFD, so its output is always valid JSON",
          "[json]") {
    json::Writer w;
    w.start_object()
        .kv("path", std::string("/a\xff\xfe/\xc3\xa9/\xe2\x82"))
        .kv(std::string("k\x80"), "ok")
        .end_object();
    const std::string out = w.take();
    json::Document d;
    REQUIRE(json::parse_untrusted(out, d).ok());  // validates UTF-8
    CHECK(std::string(d["path"].GetString()) ==
          "/a\xEF\xBF\xBD\xEF\xBF\xBD/\xc3\xa9/\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(d.HasMember("k\xEF\xBF\xBD"));
    // Valid text is left alone, overlong forms and surrogates are not valid.
    std::string scratch;
    CHECK(json::utf8_safe("h\xc3\xa9llo \xf0\x9f\x98\x80", scratch) ==
          "h\xc3\xa9llo \xf0\x9f\x98\x80");
    CHECK(json::utf8_safe("\xc0\xaf", scratch) == "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(json::utf8_safe("\xed\xa0\x80", scratch) == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("the writer's output is RapidJSON's, for plain and escaped keys and strings alike",
          "[json]") {
    // Plain ASCII is copied as it is; anything else takes RapidJSON's escaping: both must give
    // the same document, commas and colons included.
    const std::vector<std::string> texts = {
        "",      "id",      "a b/c?d=1", "say \"hi\"", "back\\slash", "tab\there",
        "nl\nx", "del\x7f", "\x01\x1f",  "扩容 app01", "~!@#$%^&*()"};
    json::Writer ours;
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> theirs(buf);
    ours.start_object();
    theirs.StartObject();
    for (const auto& t : texts) {
        ours.key(t).str(t);
        theirs.Key(t.data(), static_cast<rapidjson::SizeType>(t.size()));
        theirs.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
    }
    ours.key("list").start_array();
    theirs.Key("list");
    theirs.StartArray();
    for (const auto& t : texts) {
        ours.str(t);
        theirs.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
    }
    ours.end_array().end_object();
    theirs.EndArray();
    theirs.EndObject();
    CHECK(ours.take() == std::string(buf.GetString(), buf.GetSize()));
}

TEST_CASE("field values read, stored and read again keep every number exactly", "[json]") {
    // Long integers and large exponents: RapidJSON's fast number reading may round these
    // differently from their shortest written form; full precision reads both the same.
    for (
        const char* body :
        {R"({"n":7777777777777777777777777777777777777777777777777777777777777777777777777777777777715})",
         R"({"n":1.7976931348623157e308})", R"({"n":0.1})", R"({"n":123456789.987654321})",
         R"({"n":-2.2250738585072014e-308})", R"({"n":9007199254740993})"}) {
        INFO(body);
        json::Document d;
        REQUIRE(json::parse_untrusted(body, d).ok());
        auto fields = domain::field_values_from_json(d, "fields");
        REQUIRE(fields.ok());
        CHECK(domain::parse_stored_field_values(domain::field_values_json(*fields)) == *fields);
    }
}

TEST_CASE("a workflow stored and read again keeps every number of its conditions exactly",
          "[json]") {
    // The stored definition is read back with full precision too: a condition's value is a
    // field value.
    for (const char* value :
         {"7777777777777777777777777777777777777777777777777777777777777777777777777777777777715",
          "1.7976931348623157e308", "0.1", "123456789.987654321", "-2.2250738585072014e-308",
          "9007199254740993"}) {
        INFO(value);
        const std::string body =
            std::string(
                R"({"name":"w","nodes":[{"key":"s","type":"submit"},{"key":"e","type":"end"}],)") +
            R"("transitions":[{"from":"s","to":"e","when":{"field":"n","op":"<","value":)" + value +
            "}}]}";
        json::Document d;
        REQUIRE(json::parse_untrusted(body, d).ok());
        auto def = domain::workflow_def_from_json(d);
        REQUIRE(def.ok());
        const std::string stored = domain::workflow_def_json(*def);
        CHECK(domain::workflow_def_json(domain::parse_stored_workflow_def(stored)) == stored);
    }
}

TEST_CASE("the plain-string check looks at every byte, wherever it sits", "[json]") {
    // Each byte value, at each place in a 17-byte string (and a 5-byte one, shorter than a
    // word), must be taken as plain exactly when it is printable ASCII other than '"' and '\\';
    // and the string written must be what RapidJSON writes for its valid UTF-8 form.
    for (size_t size : {size_t{5}, size_t{17}})
        for (int b = 0; b < 256; ++b)
            for (size_t at = 0; at < size; ++at) {
                std::string s(size, 'a');
                s[at] = static_cast<char>(b);
                const bool plain = b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
                INFO("byte " << b << " at " << at << " of " << size);
                REQUIRE(json::plain_ascii(s) == plain);
                json::Writer ours;
                ours.str(s);
                std::string scratch;
                const std::string_view valid = json::utf8_safe(s, scratch);
                rapidjson::StringBuffer buf;
                rapidjson::Writer<rapidjson::StringBuffer> theirs(buf);
                theirs.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
                REQUIRE(ours.take() == std::string(buf.GetString(), buf.GetSize()));
            }
}

TEST_CASE("the writer's numbers, literals, raw text and values are RapidJSON's", "[json]") {
    json::Writer ours;
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> theirs(buf);
    ours.start_array();
    theirs.StartArray();
    for (int64_t n : {int64_t{0}, int64_t{-1}, int64_t{42}, std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max()}) {
        ours.num(n);
        theirs.Int64(n);
    }
    for (double d : {0.0, -0.0, 0.1, 1.0, -2.5, 1e21, 1e-7, 123456789.987654321,
                     1.7976931348623157e308, 5e-324}) {
        ours.dbl(d);
        theirs.Double(d);
    }
    ours.boolean(true).boolean(false).null().raw(R"({"a":[1,2]})").start_object().end_object();
    theirs.Bool(true);
    theirs.Bool(false);
    theirs.Null();
    theirs.RawValue(R"({"a":[1,2]})", 11, rapidjson::kObjectType);
    theirs.StartObject();
    theirs.EndObject();
    json::Document d;
    REQUIRE(
        json::parse_untrusted(
            R"({"s":"x\"y\u0001","n":[-7,18446744073709551615,2.5e-3,{}],"t":true,"z":null})", d)
            .ok());
    ours.value(d).time(0);
    d.Accept(theirs);
    theirs.String("1970-01-01T00:00:00.000Z");
    ours.end_array();
    theirs.EndArray();
    CHECK(ours.take() == std::string(buf.GetString(), buf.GetSize()));
    // A number JSON cannot hold (NaN, infinity) is written as null: the document stays valid.
    json::Writer w;
    w.start_array().dbl(std::numeric_limits<double>::quiet_NaN()).dbl(HUGE_VAL).end_array();
    CHECK(w.take() == "[null,null]");
}
