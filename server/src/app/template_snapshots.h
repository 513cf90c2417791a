#pragma once
// Task templates as tickets use them: turning a submission of a template into the snapshot a
// ticket keeps, and turning that snapshot into the argument vector an execution runs. Also the
// catalog look-ups the template handlers share with these rules. Everything reads the catalog
// through `catalog`, inside the caller's transaction (storage::SqlCatalogReader over its
// Connection).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/submitter.h"
#include "core/error.h"
#include "core/json.h"
#include "domain/catalog.h"
#include "domain/catalog_ports.h"

namespace orderly::app {

// The template with this id; throws 404 (template.not_found) when there is none.
domain::Template load_template(domain::CatalogReader& catalog, int64_t id);

// Every registered variable by name, and a look-up over them for the domain rules (the map must
// outlive the look-up).
using VariableMap = std::map<std::string, domain::Variable>;
VariableMap load_variables(domain::CatalogReader& catalog);
domain::VariableLookup lookup_in(const VariableMap& vars);

// Whether `who` may submit template `t` (admins always may; an empty submit_roles means anyone
// holding ticket.submit). Activeness is not looked at.
bool may_submit(const domain::Template& t, const Submitter& who);

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
// submitter may not submit it; 400 naming "variables.X" for an unknown name, a missing required
// value, several values for a single-choice variable, a repeated value or a value not in the
// list; 422 when a script-fed variable has no list yet ("reload the form"). A script-fed
// variable's cached list is used as it is: no script runs here, so this is safe inside a write
// transaction.
Result<std::string> snapshot_template_submission(domain::CatalogReader& catalog,
                                                 int64_t template_id, const json::Value& variables,
                                                 const Submitter& submitter);

// At execution time: re-checks every value of a snapshot against its variable's current list
// (422 naming "variables.X" when a value is no longer allowed, the variable was deleted or a
// script-fed one has no list; choices of the template are checked against the list kept in the
// snapshot), resolves {config.KEY} from the snapshot's environment with `secret_key` decrypting
// secret values (422 naming "command" when a key is not set), substitutes placeholders
// (domain::substitute: one argument stays one argument) and returns the argument vector to run.
// When secrets_out is given, appends the clear secrets to mask in logs: every secret config
// value of the environment and every value of a secret variable (and their joined form).
Result<std::vector<std::string>> revalidate_snapshot(domain::CatalogReader& catalog,
                                                     const std::string& secret_key,
                                                     const std::string& snapshot_json,
                                                     std::vector<std::string>* secrets_out);

// What submitting template `template_id` with `variables` now would run, whoever submits it
// and whether or not the template is active: the snapshot's checks and the execution-time
// checks, in that order, with the same errors (thrown).
struct TemplatePreview {
    std::vector<std::string> argv;     // clear text: mask `secrets` before showing it
    std::vector<std::string> secrets;  // as revalidate_snapshot appends them
    std::map<std::string, std::vector<std::string>> values;  // every variable of the form
    std::vector<std::string> secret_vars;                    // variables whose values are secret
    std::optional<std::string> environment;                  // the template's environment key
};
// A catalog manager (submitter null) previews any template, as the template editor does;
// anyone else only one they may submit, with the values they chose (the submit page's
// confirmation before "submit and execute"): the errors of snapshot_template_submission.
TemplatePreview preview_template(domain::CatalogReader& catalog, const std::string& secret_key,
                                 int64_t template_id, const json::Value& variables,
                                 const Submitter* submitter);

}  // namespace orderly::app
