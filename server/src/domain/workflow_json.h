#pragma once
// The JSON form of workflow definitions and field values: the form the API takes and shows and
// the form in which they are stored.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "domain/workflow.h"
#include "domain/workflow_records.h"

namespace orderly::domain {

// ---- codecs

// A workflow definition from its JSON form. Shapes the request schema cannot express are
// checked here, as 400s naming the field: `rule` ("any" | "all" | {"at_least": N}, N >= 1) and
// a condition's `value` (string, number, boolean or a list of strings/numbers).
Result<WorkflowDef> workflow_def_from_json(const json::Value& v);
// Writes the canonical JSON object of a definition (every member, defaults filled in).
void write_workflow_def_members(json::Writer& w, const WorkflowDef& def);
std::string workflow_def_json(const WorkflowDef& def);
// Pieces of it, for the ticket and service views.
// A workflow's draft with its bookkeeping, as the API shows it (and the audit log keeps it).
void write_workflow_record(json::Writer& w, const WorkflowRecord& r);
std::string workflow_record_json(const WorkflowRecord& r);

void write_approval_rule(json::Writer& w, const ApprovalRule& r);
void write_field_defs(json::Writer& w, const std::vector<FieldDef>& fields);
// REQUIRES: text was written by workflow_def_json (a stored definition); throws otherwise.
WorkflowDef parse_stored_workflow_def(std::string_view text);

// A field value from JSON: null, boolean, number, string, or a list of strings. 400 naming
// `field` for objects and lists of anything else.
Result<FieldValue> field_value_from_json(const json::Value& v, const std::string& field);
// Every member of an object; keys are checked by the caller (check_fields).
Result<FieldValues> field_values_from_json(const json::Value& obj, const std::string& prefix);
void write_field_value(json::Writer& w, const FieldValue& v);
void write_field_values(json::Writer& w, const FieldValues& values);
std::string field_values_json(const FieldValues& values);
FieldValues parse_stored_field_values(std::string_view text);

}  // namespace orderly::domain
