#pragma once
// The JSON form of catalog entities, as responses show them and audit events record them:
// option lists, environments and purposes, config entries, task templates, variables (their
// audit record), catalog directories and services. Storage keeps option lists in this form too.
#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "domain/catalog.h"
#include "domain/workflow.h"

namespace orderly::domain {

// [{"value","label"}, ...].
void write_options(json::Writer& w, const std::vector<Option>& options);

// A template's variables ([{"name","required","default","multiple","label"}, ...]) and its
// choices ({"<name>": [options]}), as responses show them and storage keeps them.
void write_template_variables(json::Writer& w, const std::vector<TemplateVariable>& vars);
void write_choices(json::Writer& w, const std::map<std::string, std::vector<Option>>& choices);

// An environment or a purpose ("protected" for environments only).
void write_category(json::Writer& w, const Category& c, CategoryKind kind);
std::string category_json(const Category& c, CategoryKind kind);

// clear: show a secret's value (config.read holders); otherwise it is masked (kMasked).
void write_config_entry(json::Writer& w, const ConfigEntry& e, bool clear);
std::string config_entry_json(const ConfigEntry& e, bool clear);

// The members of a template from "id" to "updated_at", without the braces, so that a response
// can add what a viewer sees (can_submit, form). internal: include internal_vars (catalog.manage
// holders and audit records).
void write_template_members(json::Writer& w, const Template& t, bool internal);
// The audit record of a template: every member, internal_vars included.
std::string template_audit_json(const Template& t);

// The audit record of a variable: never a secret variable's options, never huge lists (those
// are counted only).
std::string variable_audit_json(const Variable& v);

void write_catalog_dir(json::Writer& w, const CatalogDir& d);
std::string catalog_dir_json(const CatalogDir& d);

// A service with what its bound workflow version asks the submitter (the start node's fields).
void write_service(json::Writer& w, const Service& s, const WorkflowDef& def);
std::string service_json(const Service& s, const WorkflowDef& def);

}  // namespace orderly::domain
