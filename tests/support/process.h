#pragma once
// Runs the real build/orderly binary as a child process, for what only a process can show:
// signals, restarts, two servers on one database.
#include <sys/types.h>

#include <string>
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
    const std::string& stderr_text() const { return err_; }

  private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    int err_fd_ = -1;
    std::string err_;
    bool reaped_ = false;
};

std::string temp_dir();

}  // namespace orderly::test
