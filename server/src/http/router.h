#pragma once
// Routing: the routes registered from the spec, the decoding of a request target into a path and
// query parameters, the choice of a route for a path and method, and the checks of path and
// query parameters against the operation's schemas.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/request.h"
#include "http/spec.h"
#include "http/validator.h"

namespace orderly::http {

struct RouteEntry {
    std::string method;
    std::string path;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    HandlerFn fn;
    bool blocking = false;
    std::string permission;
    std::shared_ptr<SchemaValidator> validator;
    bool body_required = false;
    std::shared_ptr<ParamsValidator> query_validator;  // null: the operation takes no query
    std::shared_ptr<ParamsValidator> path_validator;
};

// A route for the spec's operation `spec`. Every method but GET and HEAD is blocking.
RouteEntry make_route(const spec::RouteSpec& spec, const std::string& method,
                      const std::string& path, HandlerFn fn, bool blocking);

// Decodes the request target into req.path and req.query (a fragment is dropped). Throws a 400
// problem for a path or query parameter that is not valid percent-encoding or UTF-8 (req.path
// then holds the raw path, for the access log).
void decode_target(std::string_view target, Request& req);

struct RouteMatch {
    const RouteEntry* route = nullptr;  // null: none for this method
    bool path_matched = false;          // some route has this path (then the answer is 405)
    std::vector<std::string> allowed;   // the methods of the routes with this path
};
// Where the routes of a table are, by their number of segments and their segment at one place
// (the third: the resource after /api/v1; the last of a shorter path), so that a match looks at
// the few routes that can have a path instead of at all of them.
class RouteIndex {
  public:
    // Adds the route at `position` of the table (positions are added in increasing order).
    void add(const RouteEntry& route, size_t position);
    // The positions of the routes that may match `segments`: those with the same segment there,
    // and those with a parameter there; each list in increasing order.
    struct Candidates {
        const std::vector<size_t>* same = nullptr;
        const std::vector<size_t>* parameter = nullptr;
    };
    Candidates candidates(const std::vector<std::string>& segments) const;

  private:
    struct Bucket {
        std::unordered_map<std::string, std::vector<size_t>> by_segment;
        std::vector<size_t> parameter;
    };
    std::vector<Bucket> by_count_;
};

// The route with the most literal segments wins (/tickets/stats over /tickets/{id}); an exact
// method beats GET standing in for HEAD; between equals, the one registered first.
RouteMatch match_route(const std::vector<RouteEntry>& routes, const RouteIndex& index,
                       const std::string& method, const std::vector<std::string>& segments);

// Fills req.params from the path's segments, by the route's "{name}" segments.
void bind_path_params(const RouteEntry& route, const std::vector<std::string>& segments,
                      Request& req);

// Path and query parameters against the spec. A path parameter that its schema refuses (an id
// of 0, -1 or beyond the spec's maximum) names nothing: 404, as an unknown id would be.
void validate_params(const Request& req, const RouteEntry& route);

// 400 naming the first problem (and how many more) when there are any.
void fail_on(std::vector<FieldError> errs, const char* code);

}  // namespace orderly::http
