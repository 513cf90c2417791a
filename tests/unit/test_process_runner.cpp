// The process runner on real processes: literal arguments, clean environment, one ordered
// output stream, exit codes and signals, timeout and cancel of the whole process group, nothing
// left behind.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "integrations/process_runner.h"
#include "support/process.h"

using namespace orderly::integrations;
using namespace std::chrono_literals;

namespace {

// What a run reported. `out` may be read once run_process has returned; while it runs, other
// threads ask has().
struct Collect : ProcessObserver {
    std::string out;
    std::atomic<pid_t> pid{-1};
    std::atomic<bool> cancel{false};
    // Cancels at the first poll after the output contains this (empty: never).
    std::string cancel_after;
    int polls = 0;
    void started(pid_t p) override { pid = p; }
    void output(std::string_view b) override {
        std::lock_guard lock(mu_);
        out.append(b);
    }
    StopRequest poll() override {
        ++polls;
        if (!cancel_after.empty() && has(cancel_after)) cancel = true;
        return cancel ? StopRequest::cancel : StopRequest::none;
    }
    bool has(std::string_view text) {
        std::lock_guard lock(mu_);
        return out.find(text) != std::string::npos;
    }

  private:
    std::mutex mu_;
};

ProcessSpec sh(const std::string& script) {
    ProcessSpec s;
    s.argv = {"sh", "-c", script};
    s.env = {"PATH=/usr/bin:/bin"};
    s.work_dir = "/tmp";
    return s;
}

// Waits until no process of the group is left (its zombies are reaped by init).
bool group_gone(pid_t pgid, std::chrono::milliseconds within = 5000ms) {
    return orderly::test::wait_until([&] { return kill(-pgid, 0) != 0 && errno == ESRCH; }, within);
}

}  // namespace

TEST_CASE("arguments arrive literally, one argument each, no shell", "[process]") {
    ProcessSpec s;
    s.argv = {"printf", "[%s]\\n", "x\"; rm -rf / #", "$(id)", "a b", "*", "`id`", "{x}", ""};
    s.env = {"PATH=/usr/bin:/bin"};
    Collect c;
    auto r = run_process(s, c);
    REQUIRE(r.spawned);
    CHECK(r.exit_code == 0);
    CHECK(c.out == "[x\"; rm -rf / #]\n[$(id)]\n[a b]\n[*]\n[`id`]\n[{x}]\n[]\n");
}

TEST_CASE("the environment is exactly the one given, in the working directory", "[process]") {
    auto dir =
        std::filesystem::temp_directory_path() / ("orderly-runner-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    ProcessSpec s;
    s.argv = {"sh", "-c", "env | sort; pwd"};
    s.env = {"PATH=/usr/bin:/bin", "ORDERLY_EXECUTION_ID=7", "ORDERLY_ENV=PROD"};
    s.work_dir = dir.string();
    setenv("ORDERLY_SECRET_OF_THE_SERVER", "leak", 1);
    Collect c;
    auto r = run_process(s, c);
    unsetenv("ORDERLY_SECRET_OF_THE_SERVER");
    CHECK(r.exit_code == 0);
    CHECK(c.out.find("ORDERLY_ENV=PROD\n") != std::string::npos);
    CHECK(c.out.find("ORDERLY_EXECUTION_ID=7\n") != std::string::npos);
    CHECK(c.out.find("SECRET_OF_THE_SERVER") == std::string::npos);
    CHECK(c.out.find("HOME=") == std::string::npos);
    CHECK(c.out.find(dir.string() + "\n") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("signals are at their defaults and no server descriptor leaks", "[process]") {
    // The server ignores SIGPIPE and blocks SIGTERM; neither may reach the task.
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    Collect c;
    auto r = run_process(sh("grep -E '^(SigIgn|SigBlk)' /proc/self/status; ls /proc/self/fd"), c);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_DFL);
    CHECK(r.exit_code == 0);
    auto mask = [&](const std::string& name) {
        auto at = c.out.find(name + ":\t");
        REQUIRE(at != std::string::npos);
        return std::stoull(c.out.substr(at + name.size() + 2, 16), nullptr, 16);
    };
    // Signals 1..31; glibc keeps its two internal real-time signals (32, 33) to itself.
    CHECK((mask("SigBlk") & 0x7fffffffULL) == 0);
    CHECK((mask("SigIgn") & 0x7fffffffULL) == 0);
    // 0, 1, 2 and the one ls opens to read the directory.
    CHECK(c.out.find("\n0\n1\n2\n3\n") != std::string::npos);
    CHECK(c.out.find("\n4\n") == std::string::npos);
}

TEST_CASE("stdout and stderr arrive in the order they were written", "[process]") {
    Collect c;
    auto r = run_process(sh("echo one; echo two >&2; echo three; echo four >&2"), c);
    CHECK(r.exit_code == 0);
    CHECK(c.out == "one\ntwo\nthree\nfour\n");
}

TEST_CASE("exit codes and signals are reported", "[process]") {
    Collect a, b;
    CHECK(run_process(sh("exit 3"), a).exit_code == 3);
    auto r = run_process(sh("kill -SEGV $$"), b);
    CHECK_FALSE(r.exit_code);
    CHECK(r.signal == SIGSEGV);
}

TEST_CASE("a command that cannot start is reported, not thrown", "[process]") {
    ProcessSpec s;
    s.argv = {"no-such-command-orderly"};
    s.env = {"PATH=/usr/bin:/bin"};
    Collect c;
    auto r = run_process(s, c);
    CHECK_FALSE(r.spawned);
    CHECK(r.spawn_error.find("no-such-command-orderly: command not found") != std::string::npos);

    s.argv = {"/bin/true"};
    s.work_dir = "/no/such/directory";
    auto r2 = run_process(s, c);
    CHECK_FALSE(r2.spawned);
    CHECK(r2.spawn_error.find("/no/such/directory") != std::string::npos);

    s.argv = {"./relative-name"};
    s.work_dir = "/tmp";
    CHECK_FALSE(run_process(s, c).spawned);

    CHECK(find_in_path("sh", "relative:/usr/bin:/bin") ==
          std::optional<std::string>("/usr/bin/sh"));
    CHECK_FALSE(find_in_path("sh", ".:relative"));
}

TEST_CASE("a timeout terminates the whole group", "[process]") {
    Collect c;
    auto s = sh("sleep 1000 & echo started; wait");
    s.timeout = 300ms;
    s.kill_grace = 1000ms;
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_process(s, c);
    CHECK(r.terminated_by == Termination::timeout);
    CHECK(c.out == "started\n");
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    CHECK(group_gone(r.pid));
}

TEST_CASE("cancel: SIGTERM to the group, SIGKILL after the grace period", "[process]") {
    Collect c;
    // Both the script and its child ignore SIGTERM: only SIGKILL ends them.
    auto s = sh("trap '' TERM; sleep 1000 & echo started; wait; wait");
    s.kill_grace = 500ms;
    c.cancel_after = "started";
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_process(s, c);
    CHECK(r.terminated_by == Termination::cancel);
    CHECK(r.signal == SIGKILL);
    CHECK(std::chrono::steady_clock::now() - t0 < 4s);
    CHECK(group_gone(r.pid));
    CHECK(c.polls > 0);
}

TEST_CASE("processes the task leaves behind in its group are terminated", "[process]") {
    Collect c;
    auto s = sh("sleep 1000 & echo done");
    s.kill_grace = 1000ms;
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_process(s, c);
    CHECK(r.exit_code == 0);
    CHECK(r.leftovers_terminated);
    CHECK(c.out == "done\n");
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    CHECK(group_gone(r.pid));
}

TEST_CASE("a process that escapes the group does not hold the run open, the marker finds it",
          "[process]") {
    std::string marker = "ORDERLY_RUN_ID=test-" + std::to_string(getpid());
    Collect c;
    // The shell waits until the escaped process has written its pid, i.e. has already left the
    // group (setsid runs before the inner shell), so the runner's clean-up of leftovers in the
    // group cannot catch it first.
    std::string flag = "/tmp/orderly-escape-" + std::to_string(getpid());
    std::remove(flag.c_str());
    auto s = sh("setsid sh -c 'echo $$ > " + flag + "; exec sleep 1000' & while [ ! -s " + flag +
                " ]; do sleep 0.01; done; echo out");
    s.env.push_back(marker);
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_process(s, c);
    CHECK(r.exit_code == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    // The escaped sleep carries the marker in its environment and is found by it.
    CHECK(kill_recorded_group(r.pid, marker) >= 1);
    // SIGKILL is delivered asynchronously; then nothing carries the marker any more.
    CHECK(orderly::test::wait_until([&] { return kill_recorded_group(r.pid, marker) == 0; }, 2s));
    std::remove(flag.c_str());
}

TEST_CASE("kill_recorded_group kills a group only when it carries the marker", "[process]") {
    std::string marker = "ORDERLY_RUN_ID=grp-" + std::to_string(getpid());
    Collect c;
    // Once "started" is out, the shell has forked the sleep, which carries the marker.
    auto s = sh("sleep 1000 & echo started; wait");
    s.env.push_back(marker);
    ProcessResult r;
    std::thread t([&] { r = run_process(s, c); });
    REQUIRE(orderly::test::wait_until([&] { return c.has("started"); }));
    CHECK(kill_recorded_group(c.pid, "ORDERLY_RUN_ID=someone-else") == 0);
    CHECK(process_group_exists(c.pid));
    CHECK(kill_recorded_group(c.pid, marker) >= 2);
    t.join();
    CHECK(r.signal == SIGKILL);
    CHECK(group_gone(r.pid));
}

TEST_CASE("the identity of a server process tells whether it is alive", "[process]") {
    auto me = self_identity();
    CHECK(owner_state(me) == OwnerState::alive);
    auto first = me.find('|'), second = me.find('|', first + 1), third = me.find('|', second + 1);
    std::string other_pid = me.substr(0, second + 1) + "999999" + me.substr(third);
    CHECK(owner_state(other_pid) == OwnerState::gone);
    std::string other_start = me.substr(0, third + 1) + "1";
    CHECK(owner_state(other_start) == OwnerState::gone);
    CHECK(owner_state("elsewhere" + me.substr(first)) == OwnerState::unknown);
    CHECK(owner_state("garbage") == OwnerState::gone);
}
