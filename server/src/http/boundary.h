#pragma once
// The single exception boundary of the HTTP server: whatever a request's handling throws becomes
// a problem response here, and only an error's public message reaches the client.
#include <string>
#include <string_view>

#include "http/request.h"

namespace orderly::http {

// Call only inside a catch block: turns the exception being handled into a problem response.
// - ErrorException: its Error as is. An internal one's cause (Error::log_detail) is logged.
// - StorageError: by the kind storage classified it as, never by its text: busy is 503
//   `database.busy`, a lost connection to the database server 503 `database.unavailable`, both
//   with Retry-After: 1; anything else 500. Its message is logged.
// - any other std::exception: 500, its what() logged.
// The log line goes to stderr as JSON with the request id (and the route when one matched), so
// that the id a client reports finds the cause; the response carries the id, never the cause.
Response problem_for_current_exception(const std::string& request_id, std::string_view route);

}  // namespace orderly::http
