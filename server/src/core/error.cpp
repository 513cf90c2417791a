#include "core/error.h"

namespace orderly {

int http_status(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::bad_request:
            return 400;
        case ErrorKind::unauthorized:
            return 401;
        case ErrorKind::forbidden:
            return 403;
        case ErrorKind::not_found:
            return 404;
        case ErrorKind::method_not_allowed:
            return 405;
        case ErrorKind::conflict:
            return 409;
        case ErrorKind::gone:
            return 410;
        case ErrorKind::payload_too_large:
            return 413;
        case ErrorKind::unprocessable:
            return 422;
        case ErrorKind::too_many_requests:
            return 429;
        case ErrorKind::unavailable:
            return 503;
        case ErrorKind::internal:
            return 500;
    }
    return 500;
}

const char* error_title(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::bad_request:
            return "Bad Request";
        case ErrorKind::unauthorized:
            return "Unauthorized";
        case ErrorKind::forbidden:
            return "Forbidden";
        case ErrorKind::not_found:
            return "Not Found";
        case ErrorKind::method_not_allowed:
            return "Method Not Allowed";
        case ErrorKind::conflict:
            return "Conflict";
        case ErrorKind::gone:
            return "Gone";
        case ErrorKind::payload_too_large:
            return "Payload Too Large";
        case ErrorKind::unprocessable:
            return "Unprocessable Content";
        case ErrorKind::too_many_requests:
            return "Too Many Requests";
        case ErrorKind::unavailable:
            return "Service Unavailable";
        case ErrorKind::internal:
            return "Internal Server Error";
    }
    return "Internal Server Error";
}

const char* default_code(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::bad_request:
            return "bad_request";
        case ErrorKind::unauthorized:
            return "unauthorized";
        case ErrorKind::forbidden:
            return "forbidden";
        case ErrorKind::not_found:
            return "not_found";
        case ErrorKind::method_not_allowed:
            return "method_not_allowed";
        case ErrorKind::conflict:
            return "conflict";
        case ErrorKind::gone:
            return "gone";
        case ErrorKind::payload_too_large:
            return "payload_too_large";
        case ErrorKind::unprocessable:
            return "unprocessable";
        case ErrorKind::too_many_requests:
            return "too_many_requests";
        case ErrorKind::unavailable:
            return "unavailable";
        case ErrorKind::internal:
            return "internal";
    }
    return "internal";
}

std::string current_exception_text() {
    try {
        throw;
    } catch (const ErrorException& e) {
        return e.error.message +
               (e.error.log_detail.empty() ? "" : " (" + e.error.log_detail + ")");
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace orderly
