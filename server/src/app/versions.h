#pragma once
// Optimistic concurrency: a change names the version it was made from (If-Match).
#include <cstdint>
#include <optional>
#include <string>

namespace orderly::app {

// 409 (request_version_conflict) when `sent` is given and is not `current`; `what` names the
// object in the message, e.g. "webhook subscription 3".
void check_version(std::optional<int64_t> sent, int64_t current, const std::string& what);

}  // namespace orderly::app
