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

#include <optional>
#include <vector>
#include "core/error.h"

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

// RapidJSON's writer with one addition: a string that needs no escaping is copied as it is.
class TextWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
  public:
    using rapidjson::Writer<rapidjson::StringBuffer>::Writer;
    // Writes "s" (a key or a string value) when every byte of s is printable ASCII other than
    // '"' and '\\' and returns true; returns false, writing nothing, otherwise.
    bool PlainString(std::string_view s);
};

// Output: a streaming writer with helpers for the types Orderly uses.
class Writer {
  public:
    Writer() : w_(buf_) {}
    // Reserves room for a document of about this size up front, so that a large response does
    // not grow its buffer step by step.
    explicit Writer(size_t reserve) : buf_(nullptr, reserve), w_(buf_) {}
    Writer& start_object() {
        w_.StartObject();
        return *this;
    }
    Writer& end_object() {
        w_.EndObject();
        return *this;
    }
    Writer& start_array() {
        w_.StartArray();
        return *this;
    }
    Writer& end_array() {
        w_.EndArray();
        return *this;
    }
    // Keys and strings: most are plain ASCII and copied as they are; the rest are made valid
    // UTF-8 (utf8_safe) and escaped.
    Writer& key(std::string_view k) {
        if (!w_.PlainString(k)) escaped(k);
        return *this;
    }
    Writer& str(std::string_view v) {
        if (!w_.PlainString(v)) escaped(v);
        return *this;
    }
    Writer& num(int64_t v) {
        w_.Int64(v);
        return *this;
    }
    Writer& dbl(double v) {
        w_.Double(v);
        return *this;
    }
    Writer& boolean(bool v) {
        w_.Bool(v);
        return *this;
    }
    Writer& null() {
        w_.Null();
        return *this;
    }
    Writer& time(int64_t ms);
    Writer& opt_time(const std::optional<int64_t>& ms) { return ms ? time(*ms) : null(); }
    Writer& opt_str(const std::optional<std::string>& s) { return s ? str(*s) : null(); }
    // Embeds a JSON text that is already valid (e.g. stored JSON) without re-parsing its values.
    Writer& raw(std::string_view json_text);
    Writer& value(const Value& v);
    Writer& strings(const std::vector<std::string>& items) {
        start_array();
        for (const auto& s : items) str(s);
        return end_array();
    }
    // key + value in one call
    template <typename T>
    Writer& kv(std::string_view k, T&& v);
    std::string take() { return std::string(buf_.GetString(), buf_.GetSize()); }
    std::string_view view() const { return {buf_.GetString(), buf_.GetSize()}; }

  private:
    void escaped(std::string_view s);
    rapidjson::StringBuffer buf_;
    TextWriter w_;
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
