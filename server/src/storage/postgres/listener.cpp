#include "storage/postgres/listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "storage/postgres/connection.h"

namespace orderly::storage::postgres {

namespace {

constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kMaxRetry{5000};

void log_line(const char* level, const std::string& msg) {
    std::fprintf(stderr, "{\"level\":\"%s\",\"component\":\"change-feed\",\"msg\":\"%s\"}\n", level,
                 msg.c_str());
}

// Only for the log line: quotes and control characters would break its JSON.
std::string plain(std::string s) {
    for (char& ch : s)
        if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    return s;
}

class PgListener final : public ChangeFeed {
  public:
    PgListener(std::string uri, ChangeHandlers handlers)
        : uri_(std::move(uri)), handlers_(std::move(handlers)) {
        if (pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
        thread_ = std::thread([this] { run(); });
    }
    ~PgListener() override {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
        thread_.join();
        for (int fd : wake_)
            if (fd >= 0) close(fd);
    }
    bool connected() const override { return connected_.load(); }

  private:
    void run();
    // Listens on a fresh connection until it drops or the feed stops.
    void listen_on(PgConnection& c);
    void deliver(PGconn* conn);
    // Waits `d` unless the feed stops first; false when it stops.
    bool pause(std::chrono::milliseconds d) {
        std::unique_lock lock(mu_);
        return !cv_.wait_for(lock, d, [&] { return stop_; });
    }
    bool stopping() {
        std::lock_guard lock(mu_);
        return stop_;
    }

    std::string uri_;
    ChangeHandlers handlers_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::atomic<bool> connected_{false};
    int wake_[2] = {-1, -1};  // a byte written to [1] ends a wait on the socket
    std::thread thread_;
};

void PgListener::run() {
    auto retry = kFirstRetry;
    bool failing = false;
    while (!stopping()) {
        try {
            PgConnection c(uri_);
            c.exec_script("SET application_name = '" + listener_application_name() + "'; LISTEN " +
                          kLogChannel);
            if (failing) log_line("info", "listening again for changes of other processes");
            failing = false;
            retry = kFirstRetry;
            connected_ = true;
            // What was committed while nobody listened is found by reading again.
            if (handlers_.resync) handlers_.resync();
            listen_on(c);
            connected_ = false;
            if (stopping()) return;
            if (handlers_.resync) handlers_.resync();  // waiters fall back to polling now
            log_line("warn", "the change feed's connection dropped; polling until it is back");
        } catch (const std::exception& e) {
            connected_ = false;
            if (!failing)
                log_line("warn", "the change feed cannot connect: " + plain(e.what()) +
                                     "; polling until it is back");
        }
        failing = true;
        if (!pause(retry)) return;
        retry = std::min(retry * 2, kMaxRetry);
    }
}

void PgListener::listen_on(PgConnection& c) {
    PGconn* conn = c.handle();
    while (!stopping()) {
        pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_[0], POLLIN, 0}};
        int n = ::poll(fds, wake_[0] >= 0 ? 2 : 1, 1000);
        if (n < 0 && errno != EINTR) return;
        if (n <= 0) continue;
        if (fds[0].revents == 0) continue;  // woken to stop
        if (!PQconsumeInput(conn) || PQstatus(conn) == CONNECTION_BAD) return;
        deliver(conn);
    }
}

void PgListener::deliver(PGconn* conn) {
    while (PGnotify* note = PQnotifies(conn)) {
        int64_t id = 0;
        const char* extra = note->extra;
        const char* end = extra + std::strlen(extra);
        const bool ok = std::strcmp(note->relname, kLogChannel) == 0 &&
                        std::from_chars(extra, end, id).ec == std::errc() && id > 0;
        PQfreemem(note);
        if (ok && handlers_.log_changed) handlers_.log_changed(id);
    }
}

}  // namespace

std::string listener_application_name() {
    return "orderly-listener-" + std::to_string(getpid());
}

std::unique_ptr<ChangeFeed> listen(const std::string& uri, ChangeHandlers handlers) {
    return std::make_unique<PgListener>(uri, std::move(handlers));
}

}  // namespace orderly::storage::postgres
