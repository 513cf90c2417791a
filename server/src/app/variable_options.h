#pragma once
// The option list a form offers for a variable. A script-fed variable's list comes from its
// command, run here when the cached list is stale (or when a catalog manager asks for a
// refresh); its result, or why it failed, is stored with the variable.
#include <string>

#include "core/time.h"
#include "domain/catalog.h"
#include "storage/database.h"

namespace orderly::app {

// The variable with this name; throws 404 (variable.not_found) when there is none.
domain::Variable load_variable(storage::Connection& c, const std::string& name);

struct VariableOptions {
    domain::Variable variable;  // as stored after any run: domain::current_options is the list
    bool cached = false;        // the list was not fetched by this call
};

// The variable `name` with the list to offer now. A static list is returned as it is. A
// script-fed one is returned from its cache while fresh (domain::cache_fresh) unless `refresh`;
// otherwise its command runs (one run at a time per variable in this process: a concurrent call
// gets the stale list when there is one, else waits for that run and uses its result). Errors:
// 403 when `refresh` and not `may_refresh` (catalog.manage), 404 no such variable, 422 naming
// "options" when the script fails (timeout, too much output, exit code, output that is not a
// valid list); the failure is stored as the variable's last_error.
// Blocking (the script runs here, up to the variable's timeout_s): never on a reactor thread.
// Runs its own transactions: do not call it inside one.
VariableOptions variable_options(storage::Database& db, const Clock& clock, const std::string& name,
                                 bool refresh, bool may_refresh);

}  // namespace orderly::app
