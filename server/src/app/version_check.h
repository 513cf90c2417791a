#pragma once
// Optimistic concurrency: a change names the version it was made against (HTTP If-Match).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderly::app {

// The version an If-Match value names: 3, "3" or W/"3". 400 field_if_match on "If-Match"
// otherwise.
int64_t parse_version_tag(std::string_view tag);

// Checks the If-Match value a change was sent with (unset: no check) against the stored
// version, where the use case reaches that check: 400 when it names no version, 409
// request_version_conflict when it names another one.
void check_version(const std::optional<std::string>& if_match, int64_t current,
                   const std::string& what);

}  // namespace orderly::app
