#include "http/boundary.h"

#include <cstdio>

#include "core/codes.h"
#include "core/json.h"
#include "http/access_log.h"

namespace orderly::http {

Response problem_for_current_exception(const std::string& request_id, std::string_view route) {
    try {
        throw;
    } catch (const ErrorException& e) {
        if (e.error.kind == ErrorKind::internal) {
            json::Writer w;
            w.start_object()
                .kv("level", "error")
                .kv("request_id", request_id)
                .kv("msg", "internal error")
                .end_object();
            write_log_line(stderr, w.view());
        }
        return problem(e.error, request_id);
    } catch (const std::exception& e) {
        json::Writer w;
        w.start_object().kv("level", "error").kv("request_id", request_id);
        if (!route.empty()) w.kv("route", route);
        w.kv("msg", "unhandled exception").kv("detail", e.what()).end_object();
        write_log_line(stderr, w.view());
        std::string what = e.what();
        if (what.find("database is locked") != std::string::npos ||
            what.find("busy") != std::string::npos) {
            Error busy = Error::Unavailable("the database is busy; retry shortly")
                             .with(codes::database_busy);
            busy.retry_after_s = 1;
            return problem(busy, request_id);
        }
        return problem(Error::Internal(what), request_id);
    }
}

}  // namespace orderly::http
