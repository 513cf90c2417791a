#pragma once
// What a run would do, as the confirmation before executing in a protected environment shows it:
// the environment, the argument vector and the machines it addresses, secrets masked.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/catalog.h"

namespace orderly::storage {
class Connection;
}

namespace orderly::app {

struct RunPreview {
    std::optional<domain::Category> environment;  // none without one (or an unknown key)
    std::vector<std::string> argv;                // secrets masked as ******
    // The chosen values of the registered variables marked `hosts`, by variable name, secrets
    // masked.
    std::vector<std::string> hosts;
};

// `values` are the chosen values by variable, unmasked; `secrets` the clear secrets
// app::revalidate_snapshot gave. Reads the environment and the variables through `c`.
RunPreview run_preview(storage::Connection& c, const std::optional<std::string>& environment,
                       const std::vector<std::string>& argv, std::vector<std::string> secrets,
                       const std::map<std::string, std::vector<std::string>>& values);

}  // namespace orderly::app
