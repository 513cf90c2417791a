#pragma once
// The ops catalog of seed 000 as plain values and pure rules: environments and purposes, config
// entries and their revisions, variables with their option lists, task templates, and what a
// submission of a template must satisfy. Standard library only: storage reads and writes these
// values, http renders them.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace orderly::domain {

// What a secret looks like wherever it is shown: responses, revisions, diffs, audit events.
inline constexpr const char* kMasked = "******";

// True for a variable or internal-variable name usable as a {placeholder}:
// [A-Za-z_][A-Za-z0-9_]{0,63}.
bool valid_variable_name(const std::string& name);
// True for a config key usable as {config.KEY}: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool valid_config_key(const std::string& key);

// ---- environments and purposes

// Environments and purposes have the same shape and live in two tables.
enum class CategoryKind { environment, purpose };

// An environment (PROD, STAGE) or a purpose (DeployGit): both are keyed, named and ordered.
struct Category {
    std::string key;
    std::string name;  // display name, any language
    std::string description;
    int64_t sort_order = 0;  // lists are ordered by sort_order, then key
    int64_t version = 1;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    bool protected_env = false;  // environments only: executing there needs a confirmation
};

// A template as lists of what refers to something show it.
struct TemplateRef {
    int64_t id = 0;
    std::string name;
};

// ---- config center

struct ConfigEntry {
    std::string env;
    std::string key;
    std::string value;  // clear text; for a secret only config.read holders and executions see it
    bool secret = false;
    std::string description;
    int64_t revision = 0;  // the revision that set the current value
    int64_t version = 1;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    std::optional<std::string> updated_by;
};

// One change of a config key. Revisions are numbered 1, 2, ... per (env, key) and never change.
struct ConfigRevision {
    int64_t revision = 0;
    std::string action;                // "set" | "delete" | "rollback"
    std::optional<std::string> value;  // clear text; nullopt for "delete"
    bool secret = false;
    std::string description;
    std::optional<int64_t> rollback_of;  // the revision a rollback restored
    std::optional<std::string> actor;
    TimeMs at = 0;
};

// A line of a diff: op is ' ' (kept), '-' (only in the old text) or '+' (only in the new text).
struct DiffLine {
    char op = ' ';
    std::string text;
};
// A line diff of two texts (longest common subsequence of lines). Texts too large for that
// (over 4 million line pairs) come back as "all removed, all added".
std::vector<DiffLine> line_diff(const std::string& from, const std::string& to);

// ---- variables and their option lists

// One choice offered to a submitter: value reaches the command, label is what the form shows.
struct Option {
    std::string value;
    std::string label;
    bool operator==(const Option&) const = default;
};

inline constexpr size_t kMaxOptions = 5000;
inline constexpr size_t kMaxOptionValueBytes = 4096;  // far below Linux's 128 KiB per argument
inline constexpr size_t kMaxOptionLabelBytes = 4096;

// Checks an option list (from an admin, an API client or a script): at most kMaxOptions, every
// value non-empty, at most kMaxOptionValueBytes, without NUL (it could never reach a program as
// one argument) and not repeated; labels at most kMaxOptionLabelBytes. field names the list in
// the error, e.g. "body" gives "body[3]". nullopt when the list is fine.
std::optional<FieldError> option_problem(const std::vector<Option>& options,
                                         const std::string& field);
std::vector<std::string> option_values(const std::vector<Option>& options);

enum class VariableSource { static_list, script };
const char* to_string(VariableSource s);  // "static" | "script"

struct Variable {
    std::string name;
    std::string label;
    std::string description;
    bool multiple = false;  // several values may be chosen; they reach the command joined by ","
    bool secret = false;    // values are masked in logs and shown argument vectors
    bool hosts = false;     // values are the hosts a run addresses (listed in run previews)
    VariableSource source = VariableSource::static_list;
    std::vector<Option> options;  // static: the list
    // script: the command (split once into argv when saved, run without a shell)
    std::string command;
    std::vector<std::string> argv;
    int64_t timeout_s = 10;
    int64_t cache_s = 300;                      // how long a fetched list is fresh
    std::optional<std::vector<Option>> cached;  // script: the last good list
    std::optional<TimeMs> cached_at;
    std::optional<std::string> last_error;  // script: why the last run failed (English)
    std::string last_error_code;            // its ProblemCode; empty when last_error is null
    std::string last_error_params = "{}";   // the code's params, a JSON object
    std::optional<TimeMs> last_error_at;
    int64_t version = 1;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
};

// The list submitters choose from now: the static list, or the script's last good list
// (nullopt when the script has never produced one).
std::optional<std::vector<Option>> current_options(const Variable& v);
// A script-fed variable's cached list is fresh for cache_s after it was fetched.
bool cache_fresh(const Variable& v, TimeMs now);
// Splits a script-fed variable's command: argv, no placeholders. 400 naming "command".
Result<std::vector<std::string>> script_argv(const std::string& command);

// ---- task templates

// A variable as a template uses it.
struct TemplateVariable {
    std::string name;
    bool required = false;
    std::optional<std::vector<std::string>> default_values;
    // Only for variables defined by the template's choices (a registered variable brings its
    // own): several values may be chosen; the label the form shows.
    std::optional<bool> multiple;
    std::string label;
};

struct Template {
    int64_t id = 0;
    std::string name;
    std::string environment;
    std::string purpose;
    std::string description;
    std::string command;
    std::vector<std::string> argv;                     // the command split when saved
    std::map<std::string, std::string> internal_vars;  // static, hidden from submitters
    std::vector<TemplateVariable> variables;
    // Admin-defined variables of this template only: name -> the list to choose from.
    std::map<std::string, std::vector<Option>> choices;
    std::optional<int64_t> workflow_id;     // null = no approval
    std::vector<std::string> submit_roles;  // empty = anyone holding ticket.submit
    int64_t timeout_s = 600;
    bool active = true;
    bool window_required = false;  // every ticket needs a change window
    int64_t version = 1;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
};

// Which templates a list shows.
struct TemplateFilter {
    std::optional<std::string> environment;
    std::optional<std::string> purpose;
    std::optional<bool> active;
    std::optional<std::string> q;  // substring of the name
    int64_t after_id = 0;
    int limit = 50;
};

// Finds a registered variable by name; nullptr when there is none.
using VariableLookup = std::function<const Variable*(const std::string& name)>;

// Checks a template before it is saved and returns the command's argument vector:
// - internal_vars, variables and choices use valid, distinct names (an internal variable cannot
//   also be a variable);
// - every entry of variables is a key of choices or a registered variable (422 otherwise), and
//   no key of choices is a registered variable (422);
// - choices lists are valid and non-empty; defaults are single unless multiple, and are in the
//   list when the list is static;
// - the command splits (quotes and backslashes as a POSIX shell reads them, no shell operators),
//   does not start with a placeholder, and every {placeholder} is provided (config.* always is).
// Errors are 400s naming the field (e.g. "command", "variables[1].default", "choices.Mode").
Result<std::vector<std::string>> check_template(const Template& t, const VariableLookup& vars);

// Names of registered variables a template refers to.
std::set<std::string> registered_variables_of(const Template& t, const VariableLookup& vars);

enum class FieldSource { choices, static_list, script };
const char* to_string(FieldSource s);  // "choices" | "static" | "script"

// A variable as the submit form of one template shows it.
struct FormField {
    std::string name;
    std::string label;
    bool multiple = false;
    bool required = false;
    bool secret = false;
    std::optional<std::vector<std::string>> default_values;
    FieldSource source = FieldSource::static_list;
    // The list to choose from; nullopt for a script-fed variable that has no list yet.
    std::optional<std::vector<Option>> options;
};

// The form of a template: its variables in order, then choices keys it does not list
// (required, single choice). Choices are the template's own variables: their names are not
// registered variables (check_template refuses that), and a variable registered later under the
// same name does not change them.
std::vector<FormField> form_fields(const Template& t, const VariableLookup& vars);

// One submitted value: a JSON string, or a JSON array of strings.
struct Submitted {
    bool array = false;
    std::vector<std::string> values;
};

struct ChosenValues {
    std::map<std::string, std::vector<std::string>> values;   // every field, [] when left out
    std::map<std::string, std::vector<std::string>> options;  // the list each was chosen from
    std::vector<std::string> secret_vars;
};

// Checks submitted values against a template's form: every name is a field (400 naming
// "variables.X" otherwise), required ones are present (left-out ones take their default), a
// single-choice field gets one value, no value repeats, every value is in the field's list
// (byte for byte; 400), and a script-fed field without a list is 422 ("reload the form").
Result<ChosenValues> choose_values(const std::vector<FormField>& fields,
                                   const std::map<std::string, Submitted>& submitted);

// Whether a user may submit a template: admins always; otherwise one of submit_roles, or, when
// submit_roles is empty, the ticket.submit permission.
bool may_submit(const Template& t, const std::vector<std::string>& roles, bool is_admin,
                bool has_ticket_submit);

// ---- the service catalog: directories and the services filed in them

struct CatalogDir {
    int64_t id = 0;
    std::string name;
    std::optional<int64_t> parent_id;  // nullopt = under the root
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
};

// A service: a workflow version to submit tickets through, optionally with a task template.
struct Service {
    int64_t id = 0;
    std::string name;
    std::optional<int64_t> catalog_id;
    int64_t workflow_version_id = 0;
    std::optional<int64_t> template_id;
    std::string description;
    bool window_required = false;  // every ticket needs a change window
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
    // Of the bound version:
    int64_t workflow_id = 0;
    int64_t workflow_version = 0;
    std::string workflow_name;
    std::string workflow_type;
};

}  // namespace orderly::domain
