// run_command: the small runner of options scripts. No shell, its own process group, a timeout
// and an output cap.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>

#include "integrations/run_command.h"

using orderly::integrations::run_command;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

TEST_CASE("run_command: output, exit code and standard error are collected", "[run_command]") {
    auto ok = run_command({"printf", "%s", R"(["host1","host2"])"}, 5000, 1 << 20);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out == R"(["host1","host2"])");
    CHECK_FALSE(ok.timed_out);
    auto bad = run_command({"sh", "-c", "echo oops >&2; exit 3"}, 5000, 1 << 20);
    CHECK(bad.exit_code == 3);
    CHECK(bad.err == "oops\n");
    auto missing = run_command({"/no/such/program"}, 5000, 1 << 20);
    CHECK(missing.exit_code == 127);
    CHECK_FALSE(missing.err.empty());
}

TEST_CASE("run_command: every argument reaches the program as given, no shell", "[run_command]") {
    const std::vector<std::string> hostile = {"; rm -rf /", "$(touch /tmp/orderly-pwned)",
                                              "`id`",       "a | b",
                                              "a && b",     "line1\nline2",
                                              "-rf",        "主机 ✓",
                                              "{Other}",    "*"};
    std::vector<std::string> argv = {"printf", "%s\\0"};
    argv.insert(argv.end(), hostile.begin(), hostile.end());
    auto r = run_command(argv, 5000, 1 << 20);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> got;
    size_t start = 0;
    for (size_t i = 0; i < r.out.size(); ++i)
        if (r.out[i] == '\0') {
            got.push_back(r.out.substr(start, i - start));
            start = i + 1;
        }
    CHECK(got == hostile);
}

TEST_CASE("run_command: a slow command is killed with its whole group at the timeout",
          "[run_command]") {
    auto t0 = Clock::now();
    auto r = run_command({"sh", "-c", "sleep 30 & sleep 30"}, 300, 1 << 20);
    CHECK(r.timed_out);
    CHECK(seconds_since(t0) < 5);
    // A command that exits but leaves a child holding the pipes does not hang the caller.
    t0 = Clock::now();
    auto left = run_command({"sh", "-c", "sleep 30 & echo '[\"a\"]'"}, 10000, 1 << 20);
    CHECK_FALSE(left.timed_out);
    CHECK(left.exit_code == 0);
    CHECK(left.out == "[\"a\"]\n");
    CHECK(seconds_since(t0) < 5);
}

TEST_CASE("run_command: output beyond the cap stops the command", "[run_command]") {
    auto t0 = Clock::now();
    auto r = run_command({"yes"}, 10000, 4096);
    CHECK(r.truncated);
    CHECK(r.out.size() == 4096);
    CHECK(seconds_since(t0) < 5);
}

TEST_CASE("run_command: a clean environment and default signals", "[run_command]") {
    setenv("ORDERLY_ADMIN_PASSWORD", "must-not-leak", 1);
    auto env = run_command({"env"}, 5000, 1 << 20);
    CHECK(env.exit_code == 0);
    CHECK(env.out.find("must-not-leak") == std::string::npos);
    CHECK(env.out.find("PATH=") != std::string::npos);
    unsetenv("ORDERLY_ADMIN_PASSWORD");

    // The server blocks SIGTERM in every thread; the command must not inherit that.
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    auto t0 = Clock::now();
    auto r = run_command({"sh", "-c", "kill -TERM $$; sleep 10"}, 8000, 1 << 20);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    CHECK(r.exit_code == 128 + SIGTERM);
    CHECK(seconds_since(t0) < 5);
}
