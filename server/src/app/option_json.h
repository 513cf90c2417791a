#pragma once
// Option lists from JSON: what an admin, an API client or an options script sends (responses
// show them with domain::write_options). Shared by the catalog use cases and the option-script
// runs.
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "domain/catalog.h"

namespace orderly::app {

// Reads an option list: an array whose items are strings or {"value","label"} objects (label
// optional, defaults to the value). Errors name field[i] and have the given kind (400 for a
// request, 422 for a script's output). Also applies domain::option_problem.
Result<std::vector<domain::Option>> options_from_json(const json::Value& v,
                                                      const std::string& field, ErrorKind kind);

}  // namespace orderly::app
