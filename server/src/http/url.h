#pragma once
// Decoding of request targets: the path and the query parameters arrive percent-encoded and
// must decode to UTF-8 text without NUL before anything else sees them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderly::http {

// Percent-decodes; nullopt on a malformed escape or a NUL, raw or encoded. plus_is_space: '+'
// decodes to a space (query strings, application/x-www-form-urlencoded).
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s);

// The non-empty segments of a path, e.g. "/a//b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace orderly::http
