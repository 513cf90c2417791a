#include "core/json.h"

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/codes.h"
#include "core/time.h"
#include "core/word_scan.h"

namespace orderly::json {

namespace {
// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, surrogates or values
// above U+10FFFF), 0 when there is none.
size_t utf8_seq(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    return n;
}
}  // namespace

std::string_view utf8_safe(std::string_view s, std::string& scratch) {
    size_t i = 0;
    while (i < s.size()) {
        const size_t n = utf8_seq(s, i);
        if (n == 0) break;
        i += n;
    }
    if (i == s.size()) return s;
    scratch.assign(s.substr(0, i));
    while (i < s.size()) {
        const size_t n = utf8_seq(s, i);
        if (n == 0) {
            scratch.append("\xEF\xBF\xBD");
            ++i;
        } else {
            scratch.append(s.substr(i, n));
            i += n;
        }
    }
    return scratch;
}

namespace {
// Counts nesting while the iterative parser runs, and refuses documents deeper than kMaxDepth
// before they are built, so no later recursive walk can overflow the stack.
struct DepthLimitedHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DepthLimitedHandler> {
    explicit DepthLimitedHandler(Document& d) : doc(d) {}
    Document& doc;
    size_t depth = 0;
    bool too_deep = false;
    bool lone_surrogate = false;
    bool Null() { return doc.Null(); }
    bool Bool(bool b) { return doc.Bool(b); }
    bool Int(int i) { return doc.Int(i); }
    bool Uint(unsigned u) { return doc.Uint(u); }
    bool Int64(int64_t i) { return doc.Int64(i); }
    bool Uint64(uint64_t u) { return doc.Uint64(u); }
    bool Double(double d) { return doc.Double(d); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool c) { return doc.RawNumber(s, n, c); }
    bool String(const char* s, rapidjson::SizeType n, bool c) {
        return whole_characters(s, n) && doc.String(s, n, c);
    }
    bool Key(const char* s, rapidjson::SizeType n, bool c) {
        return whole_characters(s, n) && doc.Key(s, n, c);
    }
    // RapidJSON 1.1 checks the bytes it reads but lets "\uDC00".."\uDFFF" without a high
    // surrogate before it through, as the bytes of a surrogate (ED B0..BF ..), which no UTF-8
    // text holds: the writer would then store U+FFFD instead. Such a string is refused, like an
    // unpaired high surrogate. Every surrogate starts with 0xED, so most strings cost one memchr.
    bool whole_characters(const char* s, rapidjson::SizeType n) {
        if (std::memchr(s, 0xED, n) == nullptr) return true;
        const std::string_view text(s, n);
        for (size_t i = 0; i < text.size();) {
            const size_t len = utf8_seq(text, i);
            if (len == 0) return lone_surrogate = true, false;
            i += len;
        }
        return true;
    }
    bool StartObject() {
        if (++depth > kMaxDepth) return too_deep = true, false;
        return doc.StartObject();
    }
    bool EndObject(rapidjson::SizeType n) {
        --depth;
        return doc.EndObject(n);
    }
    bool StartArray() {
        if (++depth > kMaxDepth) return too_deep = true, false;
        return doc.StartArray();
    }
    bool EndArray(rapidjson::SizeType n) {
        --depth;
        return doc.EndArray(n);
    }
};
}  // namespace

Result<void> parse_untrusted(std::string_view body, Document& doc) {
    if (body.empty())
        return Error::BadRequest("request body is empty; send a JSON value")
            .with(codes::request_body_empty);
    rapidjson::ParseResult result;
    bool too_deep = false;
    bool lone_surrogate = false;
    // Document::Populate moves the single root from the handler's stack into the document.
    auto generate = [&](Document& d) {
        DepthLimitedHandler h(d);
        rapidjson::Reader reader;
        rapidjson::MemoryStream ms(body.data(), body.size());
        rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
        constexpr unsigned flags =
            rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
        result = reader.Parse<flags>(is, h);
        too_deep = h.too_deep;
        lone_surrogate = h.lone_surrogate;
        return !result.IsError();
    };
    Document tmp;
    tmp.Populate(generate);
    if (lone_surrogate)
        return Error::BadRequest(
                   "request body is not valid JSON: a \\u escape names a low surrogate "
                   "(\\uDC00-\\uDFFF) with no high surrogate before it (at byte " +
                   std::to_string(result.Offset()) + ")")
            .with(codes::request_body_not_json,
                  {{"reason", "The surrogate in a \\u escape is invalid."},
                   {"offset", result.Offset()}});
    if (too_deep)
        return Error::BadRequest("request body is nested deeper than " + std::to_string(kMaxDepth) +
                                 " levels")
            .with(codes::request_body_too_deep, {{"max", kMaxDepth}});
    if (result.IsError()) {
        return Error::BadRequest(std::string("request body is not valid JSON: ") +
                                 rapidjson::GetParseError_En(result.Code()) + " (at byte " +
                                 std::to_string(result.Offset()) + ")")
            .with(codes::request_body_not_json,
                  {{"reason", rapidjson::GetParseError_En(result.Code())},
                   {"offset", result.Offset()}});
    }
    doc.Swap(tmp);
    return {};
}

namespace {
// The bytes a JSON string holds as they are: printable ASCII other than '"' and '\\'.
constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
    return t;
}();

// Whether any byte of the eight at p is outside kPlain.
bool needs_escape(const unsigned char* p) {
    using namespace word_scan;
    const uint64_t x = load(p);
    // One branch for the four tests.
    return (high_mask(x) | below_mask(x, 0x20) | equal_mask(x, '"') | equal_mask(x, '\\')) != 0;
}

// RapidJSON's escapes: the two-character forms it uses, "\u00XX" (upper-case hex) for the other
// control characters, nothing for any other byte of valid UTF-8.
constexpr std::array<char, 256> kEscape = [] {
    std::array<char, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = 'u';
    t['\b'] = 'b';
    t['\t'] = 't';
    t['\n'] = 'n';
    t['\f'] = 'f';
    t['\r'] = 'r';
    t['"'] = '"';
    t['\\'] = '\\';
    return t;
}();
}  // namespace

bool plain_ascii(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    if (s.size() >= 8) {
        // Whole words, the last one overlapping the one before when the size is not a multiple
        // of eight.
        for (size_t i = 0; i + 8 <= s.size(); i += 8)
            if (needs_escape(p + i)) return false;
        return s.size() % 8 == 0 || !needs_escape(p + s.size() - 8);
    }
    for (size_t i = 0; i < s.size(); ++i)
        if (!kPlain[p[i]]) return false;
    return true;
}

void Writer::grow(size_t n) {
    out_.resize(std::max({out_.size() * 2, used_ + n, size_t{256}}));
}

void Writer::quoted(std::string_view plain) {
    char* at = room(plain.size() + 2);
    at[0] = '"';
    if (!plain.empty()) std::memcpy(at + 1, plain.data(), plain.size());
    at[plain.size() + 1] = '"';
}

void Writer::string(std::string_view s) {
    separate();
    if (plain_ascii(s))
        quoted(s);
    else
        escaped(s);
}

void Writer::escaped(std::string_view s) {
    std::string fixed;
    s = utf8_safe(s, fixed);
    put('"');
    size_t run = 0;  // start of the bytes not yet copied
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const char e = kEscape[c];
        if (e == 0) continue;
        put(s.substr(run, i - run));
        run = i + 1;
        const char form[6] = {
            '\\', e, '0', '0', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 0xF]};
        put(std::string_view(form, e == 'u' ? 6 : 2));
    }
    put(s.substr(run));
    put('"');
}

template <typename Int>
Writer& Writer::integer(Int v) {
    char text[24];
    const auto end = std::to_chars(text, text + sizeof text, v).ptr;
    return literal(std::string_view(text, static_cast<size_t>(end - text)));
}

Writer& Writer::num(int64_t v) {
    return integer(v);
}

Writer& Writer::dbl(double v) {
    // RapidJSON's shortest form ("0.1", "1.0", "1e30"); it has none for NaN or infinity.
    if (!std::isfinite(v)) return null();
    char text[32];
    const char* end = rapidjson::internal::dtoa(v, text);
    return literal(std::string_view(text, static_cast<size_t>(end - text)));
}

Writer& Writer::time(int64_t ms) {
    Rfc3339Text text;
    format_rfc3339(ms, text);
    separate();
    quoted(std::string_view(text.data(), text.size()));
    return *this;
}

Writer& Writer::value(const Value& v) {
    // Values come from parse_untrusted (nested kMaxDepth deep at most) or from our own code.
    switch (v.GetType()) {
        case rapidjson::kNullType:
            return null();
        case rapidjson::kFalseType:
            return boolean(false);
        case rapidjson::kTrueType:
            return boolean(true);
        case rapidjson::kObjectType:
            start_object();
            for (const auto& m : v.GetObject()) {
                key(std::string_view(m.name.GetString(), m.name.GetStringLength()));
                value(m.value);
            }
            return end_object();
        case rapidjson::kArrayType:
            start_array();
            for (const auto& e : v.GetArray()) value(e);
            return end_array();
        case rapidjson::kStringType:
            return str(std::string_view(v.GetString(), v.GetStringLength()));
        case rapidjson::kNumberType:
            break;
    }
    if (v.IsDouble()) return dbl(v.GetDouble());
    if (v.IsInt64()) return num(v.GetInt64());
    return integer(v.GetUint64());
}

std::string to_string(const Value& v) {
    Writer w;
    w.value(v);
    return w.take();
}

std::optional<std::string> get_string(const Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
}
std::optional<int64_t> get_int(const Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
    return it->value.GetInt64();
}
std::optional<bool> get_bool(const Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsBool()) return std::nullopt;
    return it->value.GetBool();
}
std::optional<std::vector<std::string>> get_strings(const Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsArray()) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& v : it->value.GetArray())
        if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    return out;
}
bool has(const Value& obj, const char* name) {
    return obj.FindMember(name) != obj.MemberEnd();
}
bool is_null_member(const Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    return it != obj.MemberEnd() && it->value.IsNull();
}

namespace {
void write_params_object(Writer& w, const Params& params) {
    w.start_object();
    for (const auto& p : params) {
        if (p.value.is_number)
            w.kv(p.name, p.value.number);
        else
            w.kv(p.name, p.value.text);
    }
    w.end_object();
}
}  // namespace

void write_params(Writer& w, std::string_view key, const Params& params) {
    w.key(key);
    write_params_object(w, params);
}

std::string params_json(const Params& params) {
    Writer w;
    write_params_object(w, params);
    return w.take();
}

}  // namespace orderly::json
