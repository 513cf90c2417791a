#pragma once
// The single exception boundary of the HTTP server: whatever a request's handling throws becomes
// a problem response here, and only an error's public message reaches the client.
#include <string>
#include <string_view>

#include "http/request.h"

namespace orderly::http {

// Call only inside a catch block: turns the exception being handled into a problem response.
// An ErrorException is answered with its Error; any other std::exception is logged and answered
// 500, or 503 when its text says the database is busy.
Response problem_for_current_exception(const std::string& request_id, std::string_view route);

}  // namespace orderly::http
