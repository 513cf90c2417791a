#pragma once
// The OpenAPI document and the route table derived from it at build time
// (scripts/gen_embedded.py from api-spec/openapi.yaml).
#include <string_view>
#include <vector>

namespace orderly::spec {

struct RouteSpec {
    std::string_view method;      // "GET", "POST", ...
    std::string_view path;        // "/api/v1/users/{id}"
    std::string_view permission;  // "public", "authenticated" or a permission name
    std::string_view operation_id;
    std::string_view body_schema;  // draft-04 JSON Schema of the JSON body, empty when none
    // The body is required: requestBody.required, or its schema requires members.
    bool body_required;
    // The query (and path) parameters as one draft-04 object schema, a member each; empty when
    // the operation has none.
    std::string_view query_schema;
    std::string_view path_schema;
};

std::string_view openapi_json();
const std::vector<RouteSpec>& routes();

}  // namespace orderly::spec
