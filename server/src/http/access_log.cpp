#include "http/access_log.h"

#include "core/json.h"
#include "core/time.h"

namespace orderly::http {

namespace {
std::mutex g_log_mu;
}  // namespace

void write_log_line(std::FILE* out, std::string_view line) {
    std::lock_guard lock(g_log_mu);
    std::fwrite(line.data(), 1, line.size(), out);
    std::fputc('\n', out);
}

void log_request(const Request& req, const Response& res, double secs) {
    json::Writer w(512);  // a line's usual size: the buffer is not grown on the way
    w.start_object()
        .key("ts")
        .time(SystemClock().now_ms())
        .kv("level", "info")
        .kv("msg", "request")
        .kv("request_id", req.request_id)
        .kv("method", req.method)
        .kv("path", req.path)
        .kv("route", req.route)
        .kv("status", res.status)
        .key("duration_ms")
        .dbl(secs * 1000.0);
    if (req.principal) w.kv("user", req.principal->username);
    w.kv("address", req.address).end_object();
    write_log_line(stdout, w.view());
}

void LogFlusher::start() {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] {
        std::unique_lock lock(mu_);
        while (!cv_.wait_for(lock, every_, [&] { return stop_; })) {
            std::lock_guard log_lock(g_log_mu);
            std::fflush(stdout);
        }
    });
}

void LogFlusher::stop() {
    if (thread_.joinable()) {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    std::lock_guard log_lock(g_log_mu);
    std::fflush(stdout);
}

}  // namespace orderly::http
