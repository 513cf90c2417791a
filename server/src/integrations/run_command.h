#pragma once
// Runs a short command to completion and collects its output: the options scripts of
// script-fed variables. No shell is involved: argv[0] is looked up in PATH and the arguments
// reach the program exactly as given. (Executions use their own streaming runner.)
#include <cstddef>
#include <string>
#include <vector>

namespace orderly::integrations {

struct CommandResult {
    int exit_code = -1;      // the exit status; 128 + signal when killed; -1 when it never ran
    bool timed_out = false;  // killed because it ran longer than timeout_ms
    std::string out;         // standard output, at most max_output bytes
    std::string err;         // standard error, at most max_output bytes
    bool truncated = false;  // an output went over max_output (the process group was killed)
};

// Runs argv in a process group of its own, with standard input from /dev/null, no inherited file
// descriptors, default signal dispositions and an environment reduced to PATH, HOME, LANG,
// LC_ALL and TZ (the server's own variables, e.g. ORDERLY_ADMIN_PASSWORD, never leak).
// On timeout, or when an output exceeds max_output, the whole group gets SIGKILL, so neither a
// slow script nor its children can hang the caller. A program that cannot be started gives
// exit_code 127 and the reason in err.
// Blocking: call it from a worker thread, never from a reactor thread. Thread-safe.
// REQUIRES: argv is not empty.
CommandResult run_command(const std::vector<std::string>& argv, int timeout_ms, size_t max_output);

}  // namespace orderly::integrations
