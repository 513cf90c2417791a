#pragma once
// The one header that includes RapidJSON. Its assertions throw instead of aborting, so that a
// misuse on untrusted input becomes a handled error rather than a crash.
#include <stdexcept>
#include <string>
#include <string_view>

namespace orderly::json_detail {
struct AssertionFailed : std::logic_error {
    using std::logic_error::logic_error;
};
}  // namespace orderly::json_detail

#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x) \
    ((x) ? (void)0 : throw ::orderly::json_detail::AssertionFailed("rapidjson: " #x))
#endif
#define RAPIDJSON_HAS_STDSTRING 1
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstring>

#include <optional>
#include <utility>
#include <vector>

#include "core/error.h"

namespace orderly::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;

constexpr size_t kMaxDepth = 64;

// Parses an untrusted body: iterative parser (no recursion), UTF-8 validated, nesting limited to
// kMaxDepth. Errors are 400 problems that say where the body is wrong.
Result<void> parse_untrusted(std::string_view body, Document& doc);

// `s` when it is valid UTF-8; otherwise a copy in `scratch` with each invalid byte replaced by
// U+FFFD, so that everything Writer emits (responses, the access log) is valid JSON whatever
// bytes a client sent.
std::string_view utf8_safe(std::string_view s, std::string& scratch);

// Whether every byte of s is printable ASCII other than '"' and '\\': a JSON string that holds
// s needs no escaping.
bool plain_ascii(std::string_view s);

// Output: a streaming writer of compact JSON with helpers for the types Orderly uses. It writes
// what RapidJSON's Writer would (the tests compare them) straight into its buffer; the only
// state is whether the next value needs a comma before it.
class Writer {
  public:
    Writer() = default;
    // Reserves room for a document of about this size up front, so that a large response does
    // not grow its buffer step by step.
    explicit Writer(size_t reserve) { out_.resize(reserve); }
    Writer& start_object() { return open('{'); }
    Writer& end_object() { return close('}'); }
    Writer& start_array() { return open('['); }
    Writer& end_array() { return close(']'); }
    // Keys and strings: most are plain ASCII and copied as they are; the rest are made valid
    // UTF-8 (utf8_safe) and escaped.
    Writer& key(std::string_view k) {
        string(k);
        put(':');
        first_ = true;
        return *this;
    }
    Writer& str(std::string_view v) {
        string(v);
        return *this;
    }
    Writer& num(int64_t v);
    Writer& dbl(double v);
    Writer& boolean(bool v) { return literal(v ? std::string_view("true") : "false"); }
    Writer& null() { return literal("null"); }
    Writer& time(int64_t ms);
    Writer& opt_time(const std::optional<int64_t>& ms) { return ms ? time(*ms) : null(); }
    Writer& opt_str(const std::optional<std::string>& s) { return s ? str(*s) : null(); }
    // Embeds a JSON text that is already valid (e.g. stored JSON) without re-parsing its values.
    Writer& raw(std::string_view json_text) { return literal(json_text); }
    Writer& value(const Value& v);
    Writer& strings(const std::vector<std::string>& items) {
        start_array();
        for (const auto& s : items) str(s);
        return end_array();
    }
    // key + value in one call
    template <typename T>
    Writer& kv(std::string_view k, T&& v);
    // The document; the writer is empty afterwards.
    std::string take() {
        out_.resize(used_);
        used_ = 0;
        return std::exchange(out_, std::string());
    }
    std::string_view view() const { return {out_.data(), used_}; }

  private:
    // The comma before a value or key that is not the first of its object or array.
    // n bytes of the buffer to write into. The buffer's size is its capacity (the bytes past
    // used_ are scratch), so appending is a bounds check and a copy.
    char* room(size_t n) {
        if (out_.size() - used_ < n) grow(n);
        char* at = out_.data() + used_;
        used_ += n;
        return at;
    }
    void grow(size_t n);
    void put(char c) { *room(1) = c; }
    void put(std::string_view s) {
        if (!s.empty()) std::memcpy(room(s.size()), s.data(), s.size());
    }
    void separate() {
        if (!first_) put(',');
        first_ = false;
    }
    Writer& open(char c) {
        separate();
        put(c);
        first_ = true;
        return *this;
    }
    Writer& close(char c) {
        put(c);
        first_ = false;
        return *this;
    }
    Writer& literal(std::string_view text) {
        separate();
        put(text);
        return *this;
    }
    template <typename Int>
    Writer& integer(Int v);
    void string(std::string_view s);
    // "plain", for text that needs no escaping.
    void quoted(std::string_view plain);
    void escaped(std::string_view s);
    std::string out_;
    size_t used_ = 0;    // bytes of out_ written
    bool first_ = true;  // nothing written yet in the current object or array, or after a key
};

template <typename T>
Writer& Writer::kv(std::string_view k, T&& v) {
    key(k);
    using D = std::decay_t<T>;
    if constexpr (std::is_same_v<D, bool>)
        return boolean(v);
    else if constexpr (std::is_integral_v<D>)
        return num(static_cast<int64_t>(v));
    else if constexpr (std::is_floating_point_v<D>)
        return dbl(v);
    else if constexpr (std::is_same_v<D, std::optional<std::string>>)
        return opt_str(v);
    else if constexpr (std::is_same_v<D, std::vector<std::string>>)
        return strings(v);
    else
        return str(std::string_view(v));
}

// Serialises a Value to compact JSON text.
std::string to_string(const Value& v);

// Typed access to an already-validated object. Absent or null members give nullopt.
std::optional<std::string> get_string(const Value& obj, const char* name);
std::optional<int64_t> get_int(const Value& obj, const char* name);
std::optional<bool> get_bool(const Value& obj, const char* name);
std::optional<std::vector<std::string>> get_strings(const Value& obj, const char* name);
bool has(const Value& obj, const char* name);
bool is_null_member(const Value& obj, const char* name);

// Writes `key` and the object of problem or result parameters (numbers as numbers).
void write_params(Writer& w, std::string_view key, const Params& params);
// The same object as JSON text, for a column that stores it.
std::string params_json(const Params& params);

}  // namespace orderly::json
