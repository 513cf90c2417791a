#include "http/boundary.h"

#include <cstdio>

#include "core/codes.h"
#include "core/json.h"
#include "http/access_log.h"

namespace orderly::http {

namespace {

void log_cause(const std::string& request_id, std::string_view route, const char* msg,
               std::string_view detail) {
    json::Writer w;
    w.start_object().kv("level", "error").kv("request_id", request_id);
    if (!route.empty()) w.kv("route", route);
    w.kv("msg", msg).kv("detail", detail).end_object();
    write_log_line(stderr, w.view());
}

}  // namespace

Response problem_for_current_exception(const std::string& request_id, std::string_view route) {
    try {
        throw;
    } catch (const ErrorException& e) {
        if (e.error.kind == ErrorKind::internal)
            log_cause(request_id, route, "internal error", e.error.log_detail);
        return problem(e.error, request_id);
    } catch (const StorageError& e) {
        log_cause(request_id, route, "storage failure", e.what());
        Error unavailable;
        if (e.failure() == StorageFailure::busy)
            unavailable = Error::Unavailable("the database is busy; retry shortly")
                              .with(codes::database_busy);
        else if (e.failure() == StorageFailure::connection_lost)
            // The database server is down or restarting: the pool reconnects by itself. A write
            // cut off while committing may or may not have been saved; the client looks before
            // it retries one that is not idempotent.
            unavailable = Error::Unavailable(
                              "the database cannot be reached; retry shortly (a change that was "
                              "being saved may or may not have been saved)")
                              .with(codes::database_unavailable);
        else
            return problem(Error::Internal(e.what()), request_id);
        unavailable.retry_after_s = 1;
        return problem(unavailable, request_id);
    } catch (const std::exception& e) {
        log_cause(request_id, route, "unhandled exception", e.what());
        return problem(Error::Internal(e.what()), request_id);
    }
}

}  // namespace orderly::http
