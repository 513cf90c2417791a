#pragma once
// Runs the real build/orderly binary as a child process, for what only a process can show:
// signals, restarts, two servers on one database.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orderly::test {

class ServerProcess {
  public:
    // Starts `orderly serve --listen 127.0.0.1:0 --db db_path extra...` and waits until it
    // prints the port it serves on. env entries are "NAME=value". stdout (the access log) goes
    // to stdout_path when given, else nowhere.
    ServerProcess(const std::string& db_path, std::vector<std::string> extra = {},
                  std::vector<std::string> env = {}, const std::string& stdout_path = {});
    ~ServerProcess();
    uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    // Sends a signal; wait() reaps and returns the exit status (or -signal).
    void signal(int sig);
    int wait(int timeout_ms = 15000);
    // What the server wrote to stderr so far. A thread keeps reading it while the server runs,
    // so that a server logging a lot (say, while its database is down) never blocks on a full
    // pipe.
    std::string stderr_text() const;

  private:
    // Reads what is there to read from stderr now (waiting up to wait_ms for it); false at its
    // end.
    bool read_stderr(int wait_ms);
    void stop_draining();

    pid_t pid_ = -1;
    uint16_t port_ = 0;
    int err_fd_ = -1;
    mutable std::mutex err_mu_;
    std::string err_;
    bool reaped_ = false;
    std::atomic<bool> stop_drain_{false};
    std::thread drain_;
};

// A new directory under /tmp, removed with everything in it when the test binary exits.
std::string temp_dir();

struct CliResult {
    int status = -1;     // the exit status, -1 when killed by a signal
    std::string output;  // stdout and stderr together
};
// Runs `orderly args` through the shell and waits for it; `prefix` goes before the binary
// (environment assignments, a `timeout 20`).
CliResult run_orderly(const std::string& args, const std::string& prefix = "");
// Runs a shell command and waits for it.
CliResult run_command(const std::string& command);

// Polls pred until it holds or the timeout passes; returns its last value. The one place a
// test pauses between polls: a wait is a condition, never a fixed delay.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

}  // namespace orderly::test
