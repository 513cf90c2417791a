#pragma once
// Optimistic concurrency: a change names the version it was made against (HTTP If-Match).
#include <cstdint>
#include <optional>
#include <string>

namespace orderly::app {

// 409 request_version_conflict when `sent` is set and differs from the stored version.
void check_version(std::optional<int64_t> sent, int64_t current, const std::string& what);

}  // namespace orderly::app
