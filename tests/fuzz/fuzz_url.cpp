// libFuzzer target: the decoding of request targets (percent-decoding of the path and query,
// UTF-8 checking, path splitting) and the typed query readers that consume the result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.h"
#include "fuzz_check.h"
#include "http/request.h"
#include "http/url.h"

using namespace orderly;

namespace {

// A strict UTF-8 reference (RFC 3629 table 3-7), written differently from the server's: decode
// each sequence to its code point and check the ranges.
bool reference_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
        uint32_t cp;
        size_t n;
        if (b(0) < 0x80) {
            cp = b(0), n = 1;
        } else if ((b(0) & 0xE0) == 0xC0) {
            cp = b(0) & 0x1F, n = 2;
        } else if ((b(0) & 0xF0) == 0xE0) {
            cp = b(0) & 0x0F, n = 3;
        } else if ((b(0) & 0xF8) == 0xF0) {
            cp = b(0) & 0x07, n = 4;
        } else {
            return false;
        }
        if (i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k) {
            if ((b(k) & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (b(k) & 0x3F);
        }
        const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

std::string percent_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        out.push_back('%');
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
    return out;
}

// Runs a typed query reader; a rejection must be a 4xx naming the parameter.
template <typename F>
void read_query(const char* name, F f) {
    try {
        f();
    } catch (const ErrorException& e) {
        int status = http_status(e.error.kind);
        FUZZ_CHECK(status >= 400 && status < 500);
        FUZZ_CHECK(e.error.fields.empty() || e.error.fields[0].field == name);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const bool plus_is_space = data[0] & 1;
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

    auto decoded = http::percent_decode(in, plus_is_space);
    size_t escapes = 0, pluses = 0;
    for (char c : in) escapes += c == '%', pluses += c == '+';
    if (decoded) {
        // Every escape is three bytes that become one; nothing else changes length.
        FUZZ_CHECK(decoded->size() == in.size() - 2 * escapes);
        FUZZ_CHECK(decoded->find('\0') == std::string::npos);
        if (escapes == 0 && (!plus_is_space || pluses == 0)) FUZZ_CHECK(*decoded == in);
        // Encoding every byte and decoding again gives the same text back.
        auto again = http::percent_decode(percent_encode(*decoded), plus_is_space);
        FUZZ_CHECK(again && *again == *decoded);
    } else {
        FUZZ_CHECK(escapes > 0 || in.find('\0') != std::string_view::npos);
    }

    const std::string& text = decoded ? *decoded : std::string(in);
    FUZZ_CHECK(http::valid_utf8(text) == reference_utf8(text));

    size_t total = 0;
    for (const auto& seg : http::split_path(text)) {
        FUZZ_CHECK(!seg.empty() && seg.find('/') == std::string::npos);
        total += seg.size();
    }
    FUZZ_CHECK(total <= text.size());

    if (!decoded || !http::valid_utf8(*decoded)) return 0;
    http::Request req;
    req.query.emplace_back("v", *decoded);
    read_query("v", [&] {
        auto v = req.query_int("v", -5, 500);
        FUZZ_CHECK(v && *v >= -5 && *v <= 500);
    });
    read_query("v", [&] { FUZZ_CHECK(req.query_bool("v").has_value()); });
    read_query("v", [&] {
        auto t = req.query_time("v");
        FUZZ_CHECK(t.has_value());
        // A time that was accepted reads back as itself in the canonical form.
        FUZZ_CHECK(parse_rfc3339(format_rfc3339(*t)) == t);
    });
    read_query("cursor", [&] { FUZZ_CHECK(http::decode_cursor(*decoded) >= 0); });
    return 0;
}
