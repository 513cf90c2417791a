#pragma once
// Checks the use cases of several areas share.
#include <cstdint>
#include <optional>
#include <string>

#include "app/caller.h"
#include "app/submitter.h"
#include "app/version_check.h"

namespace orderly::app {

// The principal as the submit rules see it.
Submitter submitter(const Principal& p);

}  // namespace orderly::app
