#include "support/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/test_database.h"

namespace orderly::test {

namespace {
// The directories temp_dir() made, removed when the test binary exits: by then every server
// process that used one has been stopped by its test.
struct TempDirs {
    std::mutex mu;
    std::vector<std::string> paths;
    ~TempDirs() {
        for (const auto& p : paths) {
            std::error_code ec;
            std::filesystem::remove_all(p, ec);
        }
    }
};
TempDirs& temp_dirs() {
    static TempDirs dirs;
    return dirs;
}
}  // namespace

std::string temp_dir() {
    char tmpl[] = "/tmp/orderly-proc-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    auto& dirs = temp_dirs();
    std::lock_guard lock(dirs.mu);
    dirs.paths.push_back(tmpl);
    return tmpl;
}

ServerProcess::ServerProcess(const std::string& db_path, std::vector<std::string> extra,
                             std::vector<std::string> env, const std::string& stdout_path) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> args = {ORDERLY_BINARY, "serve", "--listen",
                                     "127.0.0.1:0",  "--db",  db_path};
    args.insert(args.end(), extra.begin(), extra.end());
    // A PostgreSQL test database's key file and work directory first: env may override them.
    auto defaults = database_env(db_path);
    env.insert(env.begin(), defaults.begin(), defaults.end());
    pid_ = fork();
    if (pid_ == 0) {
        dup2(fds[1], 2);
        int out = stdout_path.empty()
                      ? open("/dev/null", O_WRONLY)
                      : open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        dup2(out, 1);
        close(fds[0]);
        close(fds[1]);
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(fds[1]);
    err_fd_ = fds[0];
    fcntl(err_fd_, F_SETFL, O_NONBLOCK);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        const bool open = read_stderr(100);
        const std::string err = stderr_text();
        auto pos = err.find("serving on http://127.0.0.1:");
        if (pos != std::string::npos) {
            auto start = pos + std::strlen("serving on http://127.0.0.1:");
            auto end = err.find(' ', start);
            if (end != std::string::npos) {
                port_ = static_cast<uint16_t>(std::stoi(err.substr(start, end - start)));
                drain_ = std::thread([this] {
                    while (!stop_drain_ && read_stderr(100)) {
                    }
                });
                return;
            }
        }
        if (!open) break;
    }
    throw std::runtime_error("orderly did not start: " + stderr_text());
}

ServerProcess::~ServerProcess() {
    if (!reaped_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    stop_draining();
    if (err_fd_ >= 0) close(err_fd_);
}

bool ServerProcess::read_stderr(int wait_ms) {
    pollfd p{err_fd_, POLLIN, 0};
    poll(&p, 1, wait_ms);
    for (;;) {
        char buf[4096];
        const ssize_t n = read(err_fd_, buf, sizeof buf);
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        std::lock_guard lock(err_mu_);
        err_.append(buf, static_cast<size_t>(n));
    }
}

void ServerProcess::stop_draining() {
    stop_drain_ = true;
    if (drain_.joinable()) drain_.join();
}

std::string ServerProcess::stderr_text() const {
    std::lock_guard lock(err_mu_);
    return err_;
}

void ServerProcess::signal(int sig) {
    kill(pid_, sig);
}

int ServerProcess::wait(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        int st = 0;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            reaped_ = true;
            // What it wrote last: the drain thread stops, the rest is read here.
            stop_draining();
            read_stderr(0);
            return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1000;
}

CliResult run_orderly(const std::string& args, const std::string& prefix) {
    return run_command(prefix + ORDERLY_BINARY + " " + args);
}

CliResult run_command(const std::string& command) {
    CliResult out;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.output.append(buf, n);
    const int st = pclose(p);
    out.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

}  // namespace orderly::test
