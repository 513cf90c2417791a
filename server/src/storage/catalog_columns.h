#pragma once
// The JSON columns of the catalog tables (argv, option lists, template parts). What is stored
// there was written by these functions, so a malformed column is a bug (or tampering), reported
// as an exception rather than silently dropped. Internal to the catalog stores.
#include <string>
#include <vector>

#include "core/json.h"
#include "domain/catalog.h"

namespace orderly::storage {

json::Document parse_column(const std::string& text, const char* what);
std::string strings_json(const std::vector<std::string>& v);
std::vector<std::string> strings_from(const json::Value& v);
std::string options_json(const std::vector<domain::Option>& opts);
std::vector<domain::Option> options_from(const json::Value& v);

}  // namespace orderly::storage
