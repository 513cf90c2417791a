#pragma once
// Checks the use cases of several areas share.
#include <cstdint>
#include <optional>
#include <string>

#include "app/caller.h"
#include "app/submitter.h"

namespace orderly::app {

// Checks the version a caller sent (If-Match) against the stored one: 409
// (request.version_conflict) when they differ; nothing when none was sent.
void check_version(const std::optional<int64_t>& sent, int64_t current, const std::string& what);

// The principal as the submit rules see it.
Submitter submitter(const Principal& p);

}  // namespace orderly::app
