#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/test_database.h"

namespace orderly::test {

std::string temp_dir() {
    char tmpl[] = "/tmp/orderly-proc-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
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
        pollfd p{err_fd_, POLLIN, 0};
        poll(&p, 1, 100);
        char buf[4096];
        ssize_t n = read(err_fd_, buf, sizeof buf);
        if (n > 0) err_.append(buf, static_cast<size_t>(n));
        auto pos = err_.find("serving on http://127.0.0.1:");
        if (pos != std::string::npos) {
            auto start = pos + std::strlen("serving on http://127.0.0.1:");
            auto end = err_.find(' ', start);
            if (end != std::string::npos) {
                port_ = static_cast<uint16_t>(std::stoi(err_.substr(start, end - start)));
                return;
            }
        }
        if (n == 0) break;
    }
    throw std::runtime_error("orderly did not start: " + err_);
}

ServerProcess::~ServerProcess() {
    if (!reaped_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (err_fd_ >= 0) close(err_fd_);
}

void ServerProcess::signal(int sig) {
    kill(pid_, sig);
}

int ServerProcess::wait(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        char buf[4096];
        ssize_t n = read(err_fd_, buf, sizeof buf);
        if (n > 0) err_.append(buf, static_cast<size_t>(n));
        int st = 0;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            reaped_ = true;
            while ((n = read(err_fd_, buf, sizeof buf)) > 0)
                err_.append(buf, static_cast<size_t>(n));
            return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1000;
}

CliResult run_orderly(const std::string& args, const std::string& prefix) {
    CliResult out;
    FILE* p = popen((prefix + ORDERLY_BINARY + " " + args + " 2>&1").c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.output.append(buf, n);
    const int st = pclose(p);
    out.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

}  // namespace orderly::test
