#pragma once
// A validator for the draft-04 JSON Schemas that scripts/gen_embedded.py derives from the
// OpenAPI spec. It supports the keywords the spec uses (type, allOf, anyOf/oneOf told apart by
// type, properties, required,
// additionalProperties, items, enum, min/maxLength, minimum/maximum, min/maxItems, uniqueItems,
// pattern, format: date-time, min/maxProperties) and reports the first problems with the
// field path, so a client learns exactly which field is wrong. "integer" means a JSON integer
// that fits in int64 (as everything behind the API reads it); minimum/maximum compare integers
// exactly. RapidJSON's own draft-04 validator (rapidjson/schema.h) was weighed and not used:
// docs/DEVELOPING.md says why.
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>
#include <utility>
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

// Validates query (or path) parameters, which arrive as strings, against the object schema that
// scripts/gen_embedded.py builds from an operation's parameters (one member per parameter).
// Each value is read as its parameter's type first (integer: an int64 in decimal; number;
// boolean: true/false/1/0; string as is); a parameter the operation does not declare is an
// error too. Errors name the parameter.
class ParamsValidator {
  public:
    // REQUIRES: schema_json is an object schema with "properties" (generated at build time).
    explicit ParamsValidator(std::string_view schema_json);
    std::vector<FieldError> validate(
        const std::vector<std::pair<std::string, std::string>>& params) const;
    // True when validate() would find nothing, decided without building a document, for the
    // common case of integer parameters within bounds (a path's ids); false means "ask
    // validate()", not "invalid".
    bool quickly_valid(const std::unordered_map<std::string, std::string>& params) const;

  private:
    struct Param {
        std::string type;  // its JSON type
        // An integer whose schema says no more than its bounds: checked without the schema.
        bool plain_integer = false;
        int64_t minimum = INT64_MIN;
        int64_t maximum = INT64_MAX;
    };
    SchemaValidator schema_;
    std::unordered_map<std::string, Param> params_;
    std::vector<std::string> required_;
    bool quick_ = false;  // the object's schema says no more than properties and required
};

// The same as SchemaValidator(schema_json).validate(value): one call, for tests and fuzzers.
// REQUIRES: schema_json is a valid JSON Schema document.
std::vector<FieldError> validate(std::string_view schema_json, const json::Value& value);

}  // namespace orderly::http
