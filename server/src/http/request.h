#pragma once
// The request and response types every API handler sees. They carry no Pistache types, so
// handlers stay thin: read input here, call storage/domain, write JSON.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/caller.h"
#include "core/error.h"
#include "core/json.h"

namespace orderly::http {

// Who is calling. Filled by the server from the bearer token before a handler runs.
using Principal = app::Principal;

struct Request {
    std::string method;
    std::string path;   // decoded path, without query
    std::string route;  // the route template that matched, e.g. /api/v1/users/{id}
    std::string request_id;
    std::string address;  // peer IP
    std::string body;
    std::unordered_map<std::string, std::string> params;     // path parameters
    std::vector<std::pair<std::string, std::string>> query;  // decoded query parameters
    std::unordered_map<std::string, std::string> headers;    // lowercased names
    json::Document json;  // the parsed body when the route takes JSON ({} when empty)
    std::optional<Principal> principal;

    const Principal& user() const;  // REQUIRES: an authenticated route
    std::optional<std::string> header(const std::string& lower_name) const;
    // The token of "Authorization: Bearer <token>"; nullopt without the header, a 401 problem
    // for another scheme.
    std::optional<std::string> bearer_token() const;

    // Path parameter that must be a positive integer id; 400 naming it otherwise.
    int64_t id_param(const std::string& name = "id") const;
    const std::string& str_param(const std::string& name) const;

    std::optional<std::string> query_str(const std::string& name) const;
    // Integer query parameter within [min, max]; 400 naming it when malformed or out of range.
    std::optional<int64_t> query_int(const std::string& name, int64_t min, int64_t max) const;
    std::optional<bool> query_bool(const std::string& name) const;
    // RFC 3339 query parameter; 400 when malformed.
    std::optional<int64_t> query_time(const std::string& name) const;
    // limit (1..500, default 50)
    int limit() const;
    // If-Match as an object version, when given; 400 when it is not a version number.
    std::optional<int64_t> if_match() const;

    // The address of the body value, for building objects (json is always an object when the
    // route's schema says so).
    const json::Value& body_obj() const { return json; }
};

struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;

    static Response json(int status, std::string body) {
        Response r;
        r.status = status;
        r.body = std::move(body);
        return r;
    }
    static Response ok(std::string body) { return json(200, std::move(body)); }
    static Response created(std::string body) { return json(201, std::move(body)); }
    static Response no_content() {
        Response r;
        r.status = 204;
        r.content_type.clear();
        return r;
    }
    Response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

// Renders an Error as RFC 9457 problem JSON.
Response problem(const Error& e, const std::string& request_id);

using HandlerFn = std::function<Response(Request&)>;

// A cursor over id-ordered lists: opaque to clients, a decimal id inside.
std::string encode_cursor(int64_t last_id);
// A cursor over a list ordered by a text key: the last key itself.
inline std::string encode_cursor(const std::string& last_key) {
    return last_key;
}
// 400 naming "cursor" when malformed.
int64_t decode_cursor(const std::optional<std::string>& cursor);

// An RFC 3339 date-time sent as `name` (a query parameter or a body member): 400 naming it when
// malformed; nullopt when not sent.
std::optional<int64_t> time_field(const std::string& name, const std::optional<std::string>& s);

}  // namespace orderly::http
