#pragma once
// The option list a form offers for a variable. A script-fed variable's list comes from its
// command, run here when the cached list is stale (or when a catalog manager asks for a
// refresh); its result, or why it failed, is stored with the variable.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/catalog.h"
#include "domain/catalog_ports.h"
#include "integrations/run_command.h"

namespace orderly::app {

// The variable with this name; throws 404 (variable.not_found) when there is none.
domain::Variable load_variable(domain::CatalogReader& catalog, const std::string& name);

struct VariableOptions {
    domain::Variable variable;  // as stored after any run: domain::current_options is the list
    bool cached = false;        // the list was not fetched by this call
};

// Runs an options script to completion: integrations::run_command in production.
using OptionsScriptRunner = std::function<integrations::CommandResult(
    const std::vector<std::string>& argv, int timeout_ms, size_t max_output)>;

// The variable `name` with the list to offer now. A static list is returned as it is. A
// script-fed one is returned from its cache while fresh (domain::cache_fresh at clock's now)
// unless `refresh`; otherwise its command runs through `run` (one run at a time per variable in
// this process: a concurrent call gets the stale list when there is one, else waits for that run
// and uses its result). Errors: 403 when `refresh` and not `may_refresh` (catalog.manage), 404
// no such variable, 422 naming "options" when the script fails (timeout, too much output, exit
// code, output that is not a valid list); the failure is stored as the variable's last_error.
// Blocking (the script runs here, up to the variable's timeout_s): never on a reactor thread.
// Opens its own units of work on `catalog`: do not call it inside one.
VariableOptions variable_options(domain::CatalogTransactions& catalog,
                                 const OptionsScriptRunner& run, const Clock& clock,
                                 const std::string& name, bool refresh, bool may_refresh);

}  // namespace orderly::app
