#pragma once
// The server's log: one JSON line per answered request on stdout (the access log) and error
// lines on stderr. Both go through one mutex, so that lines never interleave. stdout is left
// buffered and flushed by a LogFlusher a few times a second (and at stop), instead of one
// write(2) per request, like nginx's `access_log ... flush=`.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string_view>
#include <thread>

#include "http/request.h"

namespace orderly::http {

// Writes `line` and a newline to `out` (stdout or stderr) under the log mutex.
void write_log_line(std::FILE* out, std::string_view line);

// The access log line of one answered request, on stdout.
void log_request(const Request& req, const Response& res, double secs);

// Flushes stdout every `every` on its own thread, and once more at stop().
class LogFlusher {
  public:
    explicit LogFlusher(std::chrono::milliseconds every = std::chrono::milliseconds(200))
        : every_(every) {}
    ~LogFlusher() { stop(); }
    LogFlusher(const LogFlusher&) = delete;
    LogFlusher& operator=(const LogFlusher&) = delete;

    void start();  // no-op when running
    void stop();   // joins, then flushes stdout; idempotent

  private:
    std::chrono::milliseconds every_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
};

}  // namespace orderly::http
