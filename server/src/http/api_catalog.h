#pragma once
// The ops catalog as the ticket and execution code uses it: turning a submission of a task
// template into the snapshot a ticket keeps, and turning that snapshot into the argument vector
// an execution runs. Also the few helpers the catalog handlers (api_catalog.cpp,
// api_config.cpp, api_variables.cpp) share.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "domain/catalog.h"
#include "http/app.h"
#include "http/request.h"
#include "storage/sql.h"

namespace orderly::http {

// Checks a submission of template `template_id` by `submitter` and returns the snapshot the
// ticket keeps, so that editing the template later never changes the ticket:
//   {"template_id":1,"template_version":3,"name":"Deploy app01","environment":"PROD",
//    "purpose":"DeployGit","command":"python main_deploy_git.py ...","argv":["python",...],
//    "internal_vars":{"GitProjName":"app01"},"values":{"AnsibleHosts":["host1","host2"]},
//    "options":{"AnsibleHosts":["host1","host2","host3"]},"secret_vars":[],"workflow_id":null,
//    "timeout_s":600,"sources":{"AnsibleHosts":"static"}}
// values holds every variable of the template's form (left-out optional ones as []), options the
// list each was chosen from, secret_vars the variables whose values must be masked, sources where
// each list came from ("static" | "script" | "choices").
// variables is the "variables" member of the request (an object of name -> string or array of
// strings; Null when absent). Errors: 404 no such template; 422 template not active; 403 the
// submitter may not submit it (admins always may; an empty submit_roles means anyone holding
// ticket.submit); 400 naming "variables.X" for an unknown name, a missing required value, several
// values for a single-choice variable, a repeated value or a value not in the list; 422 when a
// script-fed variable has no list yet ("reload the form"). A script-fed variable's cached list
// is used as it is: no script runs here, so this is safe inside a write transaction.
Result<std::string> snapshot_template_submission(storage::Connection& c, const App& app,
                                                 int64_t template_id, const json::Value& variables,
                                                 const Principal& submitter);

// At execution time: re-checks every value of a snapshot against its variable's current list
// (422 naming "variables.X" when a value is no longer allowed, the variable was deleted or a
// script-fed one has no list; choices of the template are checked against the list kept in the
// snapshot), resolves {config.KEY} from the snapshot's environment (422 naming "command" when a
// key is not set), substitutes placeholders (domain::substitute: one argument stays one
// argument) and returns the argument vector to run. When secrets_out is given, appends the clear
// secrets to mask in logs: every secret config value of the environment and every value of a
// secret variable (and their joined form).
Result<std::vector<std::string>> revalidate_snapshot(storage::Connection& c, const App& app,
                                                     const std::string& snapshot_json,
                                                     std::vector<std::string>* secrets_out);

// What a run would do, as the confirmation before executing in a protected environment shows
// it; the members a ticket's execution preview and a template's preview share: "environment"
// ({key, name, protected}, or null without one), "confirmation_required" (the environment is
// protected: executing needs "confirm": true), "argv" (secrets masked as ******) and "hosts"
// (the chosen values of the variables marked `hosts`, secrets masked). `values` are the chosen
// values by variable, unmasked; `secrets` the clear secrets revalidate_snapshot gave.
void write_run_preview(json::Writer& w, storage::Connection& c,
                       const std::optional<std::string>& environment,
                       const std::vector<std::string>& argv, std::vector<std::string> secrets,
                       const std::map<std::string, std::vector<std::string>>& values);

// ---- shared by the catalog handlers

// Reads an option list: an array whose items are strings or {"value","label"} objects (label
// optional, defaults to the value). Errors name field[i] and have the given kind (400 for a
// request, 422 for a script's output). Also applies domain::option_problem.
Result<std::vector<domain::Option>> options_from_json(const json::Value& v,
                                                      const std::string& field, ErrorKind kind);
void write_options(json::Writer& w, const std::vector<domain::Option>& options);

}  // namespace orderly::http
