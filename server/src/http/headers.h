#pragma once
// Header helpers of the server, and the bytes of a response with the headers every response
// carries: X-Request-Id, the security headers, and for API responses Cache-Control: no-store
// and a Content-Security-Policy that forbids rendering or framing.
#include <string>
#include <string_view>

#include "http/request.h"

namespace orderly::http {

// ASCII only, as HTTP header names and tokens are; no locale lookups.
std::string ascii_lower(std::string s);

// Whether the response already has the header; `lower_name` is lower-case.
bool has_header(const Response& r, std::string_view lower_name);

// Request ids only need to be unique, not secret: 16 hex digits from a per-thread generator.
std::string random_request_id();
// A client's X-Request-Id is echoed when it is 1 to 64 of [A-Za-z0-9._-].
bool acceptable_request_id(const std::string& s);

// The response as HTTP/1.1 bytes, for `req` (HEAD leaves the body out); close = the connection
// closes after it.
std::string serialize_response(const Request& req, const Response& res, bool close);

}  // namespace orderly::http
