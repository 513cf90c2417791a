#pragma once
// Optimistic concurrency for use cases that change a versioned object: the version the client
// last read (an If-Match header) against the stored one.
#include <cstdint>
#include <optional>
#include <string>

namespace orderly::app {

// 409 (request.version_conflict) when `sent` is given and differs from `current_version`;
// `what` names the object in the message ("template 3").
void check_version(std::optional<int64_t> sent, int64_t current_version, const std::string& what);

}  // namespace orderly::app
