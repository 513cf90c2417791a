#include "integrations/process_runner.h"

#include "integrations/spawn.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace orderly::integrations {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
// How long to wait for a group to disappear after SIGKILL before reporting it as surviving.
constexpr milliseconds kAfterKill{5000};
// While terminating, or once the main process ended, check the group this often.
constexpr milliseconds kFastTick{20};

std::string read_small_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct ProcStat {
    pid_t pgrp = 0;
    char state = '?';
    unsigned long long start_time = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may contain anything, so the fields
// are counted from the last ')'.
std::optional<ProcStat> read_stat(pid_t pid) {
    std::string s = read_small_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = s.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream in(s.substr(close + 1));
    std::vector<std::string> f;
    std::string tok;
    while (in >> tok) f.push_back(tok);
    // f[0] = state (field 3), f[2] = pgrp (field 5), f[19] = starttime (field 22)
    if (f.size() < 20) return std::nullopt;
    ProcStat st;
    st.state = f[0].empty() ? '?' : f[0][0];
    try {
        st.pgrp = static_cast<pid_t>(std::stol(f[2]));
        st.start_time = std::stoull(f[19]);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return st;
}

bool environ_has(pid_t pid, const std::string& entry) {
    std::string env = read_small_file("/proc/" + std::to_string(pid) + "/environ");
    size_t i = 0;
    while (i < env.size()) {
        size_t end = env.find('\0', i);
        if (end == std::string::npos) end = env.size();
        if (env.compare(i, end - i, entry) == 0) return true;
        i = end + 1;
    }
    return false;
}

std::vector<pid_t> all_pids() {
    std::vector<pid_t> out;
    DIR* d = opendir("/proc");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        char* end = nullptr;
        long v = std::strtol(e->d_name, &end, 10);
        if (end && *end == '\0' && v > 0) out.push_back(static_cast<pid_t>(v));
    }
    closedir(d);
    return out;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

std::string boot_id() {
    return trim(read_small_file("/proc/sys/kernel/random/boot_id"));
}

// Reaps the child if an observer callback throws, so that no process and no zombie is left.
struct ChildGuard {
    pid_t pid;
    bool reaped = false;
    ~ChildGuard() {
        if (reaped || pid <= 0) return;
        kill(-pid, SIGKILL);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
};

}  // namespace

std::optional<std::string> find_in_path(const std::string& name, const std::string& path_value) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) return name;
    size_t i = 0;
    while (i <= path_value.size()) {
        size_t end = path_value.find(':', i);
        if (end == std::string::npos) end = path_value.size();
        std::string dir = path_value.substr(i, end - i);
        i = end + 1;
        // Only absolute directories: an empty or relative PATH entry would run whatever the
        // working directory happens to contain.
        if (dir.empty() || dir.front() != '/') continue;
        std::string candidate = dir + "/" + name;
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

bool process_group_exists(pid_t pgid) {
    if (pgid <= 0) return false;
    return kill(-pgid, 0) == 0 || errno == EPERM;
}

// Long on purpose: spawn, the poll loop over output, cancel and timeout, and the reaping of the
// group share the child's descriptors and deadlines; the steps are commented in place.
ProcessResult run_process(const ProcessSpec& spec, ProcessObserver& observer) {
    ProcessResult res;
    const auto t0 = Clock::now();
    if (spec.argv.empty()) {
        res.spawn_error = "the command is empty";
        return res;
    }
    std::string path_value = kDefaultPath;
    for (const auto& e : spec.env)
        if (e.rfind("PATH=", 0) == 0) path_value = e.substr(5);
    auto exe = find_in_path(spec.argv[0], path_value);
    if (!exe) {
        res.spawn_error = spec.argv[0] + ": command not found (PATH=" + path_value + ")";
        return res;
    }

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        res.spawn_error = std::string("cannot create a pipe: ") + std::strerror(errno);
        return res;
    }
    OwnedFd rd{fds[0]}, wr{fds[1]};

    // Nothing of the server (sockets, the database, other executions' pipes) reaches the task.
    SpawnRequest sr;
    sr.exe = *exe;
    sr.argv = spec.argv;
    sr.env = spec.env;
    sr.work_dir = spec.work_dir;
    sr.out_fd = wr.fd;
    sr.err_fd = wr.fd;
    pid_t pid = -1;
    const int rc = spawn_isolated(sr, pid);
    if (rc != 0) {
        res.spawn_error =
            "cannot start " + spec.argv[0] + " (in " + spec.work_dir + "): " + std::strerror(rc);
        return res;
    }
    wr.close();
    ChildGuard guard{pid};
    res.spawned = true;
    res.pid = pid;
    fcntl(rd.fd, F_SETFL, fcntl(rd.fd, F_GETFL) | O_NONBLOCK);
    observer.started(pid);

    const auto deadline = spec.timeout.count() > 0 ? t0 + spec.timeout : Clock::time_point::max();
    auto next_poll = Clock::now() + spec.poll_interval;
    std::optional<Clock::time_point> term_sent, kill_sent;
    bool leader_done = false;
    bool pipe_open = true;
    char buf[64 * 1024];

    // Reads what is there now; at most `rounds` buffers so that the checks below keep running
    // while a process writes without pause.
    auto drain = [&](int rounds) {
        for (int i = 0; pipe_open && i < rounds; ++i) {
            ssize_t n = read(rd.fd, buf, sizeof buf);
            if (n > 0) {
                observer.output(std::string_view(buf, static_cast<size_t>(n)));
            } else if (n == 0) {
                pipe_open = false;
                rd.close();
            } else if (errno == EINTR) {
                continue;
            } else {
                break;  // EAGAIN: nothing more for now
            }
        }
    };

    for (;;) {
        auto now = Clock::now();
        milliseconds wait = std::chrono::duration_cast<milliseconds>(next_poll - now);
        if (leader_done || term_sent) wait = std::min(wait, kFastTick);
        if (deadline != Clock::time_point::max())
            wait = std::min(
                wait, std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1));
        wait = std::max(wait, milliseconds(0));
        if (pipe_open) {
            pollfd p{rd.fd, POLLIN, 0};
            poll(&p, 1, static_cast<int>(wait.count()));
            drain(16);
        } else if (wait.count() > 0) {
            std::this_thread::sleep_for(std::min(wait, kFastTick));
        }

        if (!leader_done) {
            int st = 0;
            pid_t r = waitpid(pid, &st, WNOHANG);
            if (r == pid) {
                leader_done = true;
                guard.reaped = true;
                res.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
                if (WIFEXITED(st))
                    res.exit_code = WEXITSTATUS(st);
                else if (WIFSIGNALED(st))
                    res.signal = WTERMSIG(st);
            }
        }

        now = Clock::now();
        if (now >= next_poll) {
            next_poll = now + spec.poll_interval;
            StopRequest s = observer.poll();
            if (res.terminated_by == Termination::none && !leader_done) {
                if (s == StopRequest::cancel) res.terminated_by = Termination::cancel;
                if (s == StopRequest::shutdown) res.terminated_by = Termination::shutdown;
            }
        }
        if (res.terminated_by == Termination::none && !leader_done && now >= deadline)
            res.terminated_by = Termination::timeout;

        bool group = process_group_exists(pid);
        if (!term_sent && group && (res.terminated_by != Termination::none || leader_done)) {
            if (leader_done) res.leftovers_terminated = true;
            kill(-pid, SIGTERM);
            term_sent = now;
        }
        if (term_sent && !kill_sent && group && now >= *term_sent + spec.kill_grace) {
            kill(-pid, SIGKILL);
            kill_sent = now;
        }
        if (leader_done && !group) break;
        if (leader_done && kill_sent && now >= *kill_sent + kAfterKill) {
            res.group_survived = true;
            break;
        }
    }
    // Whatever is still buffered in the pipe. A process outside the group (one that called
    // setsid) may hold the pipe open: never wait for its end of file.
    drain(64);  // at most 4 MiB: an escaped process may write on
    if (res.duration.count() == 0)
        res.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
    return res;
}

int kill_recorded_group(pid_t pgid, const std::string& marker) {
    if (pgid <= 1) return 0;
    const pid_t self = getpid();
    const pid_t self_group = getpgrp();
    int signalled = 0;
    bool group_is_ours = false;
    std::vector<pid_t> members, strays;
    for (pid_t p : all_pids()) {
        if (p == self) continue;
        auto st = read_stat(p);
        if (!st || st->state == 'Z' || st->state == 'X') continue;  // dead already
        bool marked = environ_has(p, marker);
        if (st->pgrp == pgid) {
            members.push_back(p);
            if (marked) group_is_ours = true;
        } else if (marked && st->pgrp != self_group) {
            strays.push_back(p);
        }
    }
    if (group_is_ours && pgid != self_group) {
        if (kill(-pgid, SIGKILL) == 0) signalled += static_cast<int>(members.size());
    }
    for (pid_t p : strays)
        if (kill(p, SIGKILL) == 0) ++signalled;
    return signalled;
}

std::string self_identity() {
    auto st = read_stat(getpid());
    return host_name() + "|" + boot_id() + "|" + std::to_string(getpid()) + "|" +
           std::to_string(st ? st->start_time : 0);
}

OwnerState owner_state(const std::string& identity) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (true) {
        size_t end = identity.find('|', i);
        parts.push_back(identity.substr(i, end == std::string::npos ? end : end - i));
        if (end == std::string::npos) break;
        i = end + 1;
    }
    if (parts.size() != 4) return OwnerState::gone;
    if (parts[0] != host_name()) return OwnerState::unknown;
    if (parts[1] != boot_id()) return OwnerState::gone;
    pid_t pid = 0;
    unsigned long long start = 0;
    try {
        pid = static_cast<pid_t>(std::stol(parts[2]));
        start = std::stoull(parts[3]);
    } catch (const std::exception&) {
        return OwnerState::gone;
    }
    auto st = read_stat(pid);
    if (!st || st->start_time != start || st->state == 'Z') return OwnerState::gone;
    return OwnerState::alive;
}

}  // namespace orderly::integrations
