#pragma once
// A validator for the draft-04 JSON Schemas that scripts/gen_embedded.py derives from the
// OpenAPI spec. It supports the keywords the spec uses (type, properties, required,
// additionalProperties, items, enum, min/maxLength, minimum/maximum, min/maxItems, uniqueItems,
// pattern, format: date-time, min/maxProperties) and reports the first problems with the
// field path, so a client learns exactly which field is wrong.
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace orderly::http {

class SchemaValidator {
  public:
    // REQUIRES: schema_json is a valid JSON Schema document (generated at build time).
    explicit SchemaValidator(std::string_view schema_json);
    // Returns every violation found (at most a handful), empty when valid.
    std::vector<FieldError> validate(const json::Value& v) const;

  private:
    void check(const json::Value& schema, const json::Value& v, const std::string& path,
               std::vector<FieldError>& out) const;
    void compile_patterns(const json::Value& s);
    const std::regex* regex_for(const std::string& pattern) const;
    json::Document schema_;
    // Compiled once at construction; read-only afterwards, so validate() is thread-safe.
    std::unordered_map<std::string, std::unique_ptr<std::regex>> regexes_;
};

}  // namespace orderly::http
