#include "integrations/run_command.h"

#include "integrations/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace orderly::integrations {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> reduced_environment() {
    std::vector<std::string> env;
    for (const char* name : {"PATH", "HOME", "LANG", "LC_ALL", "TZ"})
        if (const char* v = std::getenv(name)) env.push_back(std::string(name) + "=" + v);
    bool has_path = false;
    for (const auto& e : env) has_path = has_path || e.rfind("PATH=", 0) == 0;
    if (!has_path) env.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
    return env;
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// True once the child has exited, without reaping it: while the zombie holds its pid, the
// process group id cannot be reused, so killing the group afterwards is safe.
bool has_exited(pid_t pid) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return info.si_pid == pid;
}

}  // namespace

// Long on purpose: like run_process, one poll loop that owns the child's pipes and deadline.
CommandResult run_command(const std::vector<std::string>& argv, int timeout_ms, size_t max_output) {
    CommandResult res;
    if (argv.empty()) {
        res.exit_code = 127;
        res.err = "no command";
        return res;
    }
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        res.err = std::string("pipe: ") + std::strerror(errno);
        return res;
    }
    OwnedFd out_r{out_pipe[0]}, out_w{out_pipe[1]};
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        res.err = std::string("pipe: ") + std::strerror(errno);
        return res;
    }
    OwnedFd err_r{err_pipe[0]}, err_w{err_pipe[1]};

    SpawnRequest sr;
    sr.exe = argv[0];
    sr.search_path = true;
    sr.argv = argv;
    sr.env = reduced_environment();
    sr.out_fd = out_w.fd;
    sr.err_fd = err_w.fd;
    pid_t pid = -1;
    const int rc = spawn_isolated(sr, pid);
    out_w.close();
    err_w.close();
    if (rc != 0) {
        res.exit_code = 127;
        res.err = "cannot run " + argv[0] + ": " + std::strerror(rc);
        return res;
    }

    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    std::optional<Clock::time_point> drain_until;
    bool exited = false, killed = false;
    auto kill_group = [&] {
        if (!killed) ::kill(-pid, SIGKILL);
        killed = true;
    };
    char buf[16384];
    for (;;) {
        auto now = Clock::now();
        if (!exited && now >= deadline) {
            res.timed_out = true;
            kill_group();
            break;
        }
        if (exited && (now >= *drain_until || (out_r.fd < 0 && err_r.fd < 0))) break;
        pollfd fds[2];
        OwnedFd* owners[2];
        nfds_t n = 0;
        for (OwnedFd* f : {&out_r, &err_r})
            if (f->fd >= 0) {
                fds[n] = {f->fd, POLLIN, 0};
                owners[n++] = f;
            }
        auto until = exited ? *drain_until : deadline;
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
        int pr = ::poll(fds, n, static_cast<int>(std::clamp<int64_t>(wait, 0, 50)));
        if (pr < 0 && errno != EINTR) break;
        for (nfds_t i = 0; pr > 0 && i < n; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                owners[i]->close();
                continue;
            }
            std::string& sink = owners[i] == &out_r ? res.out : res.err;
            size_t room = max_output > sink.size() ? max_output - sink.size() : 0;
            sink.append(buf, std::min(room, static_cast<size_t>(got)));
            if (static_cast<size_t>(got) > room) {
                res.truncated = true;
                kill_group();
            }
        }
        if (res.truncated) break;
        if (!exited && has_exited(pid)) {
            exited = true;
            // What it left running in its group would only hold the pipes open.
            kill_group();
            drain_until = Clock::now() + std::chrono::milliseconds(200);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    res.exit_code = exit_code_of(status);
    return res;
}

}  // namespace orderly::integrations
