// The stream filter between a task's output and its stored log: valid UTF-8 out whatever comes
// in, and secrets masked even when a read splits them.
#include <catch2/catch.hpp>

#include <random>

#include "app/execution_engine.h"
#include "domain/command.h"

using orderly::LogFilter;

namespace {

std::string run(LogFilter& f, const std::vector<std::string>& pieces) {
    std::string out;
    for (const auto& p : pieces) out += f.feed(p);
    return out + f.finish();
}

bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80           ? 1
                   : (c >> 5) == 6    ? 2
                   : (c >> 4) == 0xE  ? 3
                   : (c >> 3) == 0x1E ? 4
                                      : 0;
        if (!n || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

}  // namespace

TEST_CASE("valid UTF-8 passes unchanged, also when a character is split across reads",
          "[process][log]") {
    LogFilter f({});
    CHECK(run(f, {"h\xC3", "\xA9llo \xE4\xB8", "\xAD\xE6\x96\x87 \xF0\x9F", "\x98", "\x80!"}) ==
          "h\xC3\xA9llo \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80!");
}

TEST_CASE("invalid bytes become U+FFFD", "[process][log]") {
    const std::string R = "\xEF\xBF\xBD";
    LogFilter a({});
    CHECK(run(a, {"a\xFF"
                  "b"}) == "a" + R + "b");
    LogFilter b({});
    CHECK(run(b, {"\xC0\xAF"}) == R + R);  // overlong
    LogFilter c({});
    CHECK(run(c, {"\xED\xA0\x80"}) == R + R + R);  // a surrogate
    LogFilter d({});
    CHECK(run(d, {"ok\xE4\xB8"}) == "ok" + R + R);  // cut off at the end of the stream
    LogFilter e({});
    CHECK(run(e, {"\xE4", "x"}) == R + "x");  // a sequence interrupted by a new character
    LogFilter g({});
    CHECK(run(g, {std::string("nul\0in", 6)}) == std::string("nul\0in", 6));
}

TEST_CASE("secrets are masked, also when split across reads", "[process][log]") {
    LogFilter f({"hunter2", "s3cr3t-token"});
    CHECK(run(f, {"pw=hun", "ter2 tok=s3cr3t", "-token end"}) == "pw=****** tok=****** end");
    LogFilter g({"abc"});
    CHECK(run(g, {"a", "b", "c", "ab", "x", "abcabc"}) == "******abx************");
    // A prefix left at the end of the stream is not a secret: it is written as it is.
    LogFilter h({"secret"});
    CHECK(run(h, {"the sec"}) == "the sec");
}

TEST_CASE("the longest secret wins where secrets overlap", "[process][log]") {
    LogFilter f({"pass", "password123"});
    CHECK(run(f, {"password12", "3 and pass and password"}) == "****** and ****** and ******word");
    LogFilter empty({"", "x"});
    CHECK(run(empty, {"axb"}) == "a******b");
}

TEST_CASE("secrets that are not ASCII are masked across a split character", "[process][log]") {
    LogFilter f({"密码123"});
    std::string s = "x=密码123;";
    CHECK(run(f, {s.substr(0, 3), s.substr(3, 2), s.substr(5)}) == "x=******;");
}

TEST_CASE("random splits give the same text as masking the whole output at once",
          "[process][log]") {
    std::mt19937 rng(42);
    const std::vector<std::string> secrets = {"TOPSECRET", "k3y", "\xE5\xAF\x86\xE9\x92\xA5"};
    std::string text;
    const std::vector<std::string> words = {
        "log ",         "TOPSECRET", "k3y",  "k",       "3", "TOP", "\xE5\xAF\x86\xE9\x92\xA5",
        "\xE5\xAF\x86", "\n",        "\xFF", "\xC3\xA9"};
    for (int i = 0; i < 4000; ++i) text += words[rng() % words.size()];
    LogFilter whole(secrets);
    std::string expected = whole.feed(text);  // two statements: feed must run before finish
    expected += whole.finish();
    CHECK(expected.find("TOPSECRET") == std::string::npos);
    CHECK(valid_utf8(expected));
    for (int round = 0; round < 20; ++round) {
        LogFilter f(secrets);
        std::string out;
        size_t i = 0;
        while (i < text.size()) {
            size_t n = 1 + rng() % 17;
            out += f.feed(text.substr(i, n));
            i += n;
        }
        out += f.finish();
        REQUIRE(out == expected);
    }
    // Without invalid bytes, it is exactly what domain::mask_secrets does on the whole text.
    std::string clean;
    for (int i = 0; i < 2000; ++i) clean += words[rng() % 9];
    LogFilter f(secrets);
    std::string masked = f.feed(clean);
    masked += f.finish();
    CHECK(masked == orderly::domain::mask_secrets(clean, secrets));
}
