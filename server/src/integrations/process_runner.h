#pragma once
// Runs one task process safely: posix_spawn (no shell, so no argument is ever re-parsed), its own
// process group, a clean environment, a working directory, standard output and standard error
// through one pipe (so they stay in the order the process wrote them), a timeout, and a way to
// stop it. Stopping (timeout, cancel, shutdown) sends SIGTERM to the whole group and SIGKILL after
// a grace period; when the main process ends on its own, whatever it left running in its group is
// terminated the same way, so a run never leaves processes behind.
//
// Thread safety: run_process() is reentrant; run as many as you like from different threads. It
// reaps only the pid it spawned (never waitpid(-1)).
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderly::integrations {

struct ProcessSpec {
    // argv[0] is a path (relative ones are relative to work_dir) or a bare name looked up in the
    // PATH of env. REQUIRES: non-empty.
    std::vector<std::string> argv;
    // The complete environment, "NAME=value"; nothing is inherited from the server.
    std::vector<std::string> env;
    // Working directory. REQUIRES: exists.
    std::string work_dir = "/";
    // Ends the run with Termination::timeout after this long; zero = no limit.
    std::chrono::milliseconds timeout{0};
    // Time between SIGTERM to the group and SIGKILL.
    std::chrono::milliseconds kill_grace{5000};
    // How often the observer is polled for a stop request.
    std::chrono::milliseconds poll_interval{100};
};

// Why the run was stopped from outside, if it was.
enum class Termination { none, timeout, cancel, shutdown };

// A stop request returned by ProcessObserver::poll.
enum class StopRequest { none, cancel, shutdown };

struct ProcessResult {
    bool spawned = false;
    std::string spawn_error;       // when !spawned: why (e.g. "python: No such file or directory")
    pid_t pid = -1;                // also the process group id
    std::optional<int> exit_code;  // the main process exited with this code
    std::optional<int> signal;     // the main process was killed by this signal
    Termination terminated_by = Termination::none;
    // The main process ended on its own but left processes in its group; they were terminated.
    bool leftovers_terminated = false;
    // Some process of the group was still there 5 s after SIGKILL (uninterruptible sleep).
    bool group_survived = false;
    std::chrono::milliseconds duration{0};
};

// Receives what happens during a run; called on the thread that called run_process().
class ProcessObserver {
  public:
    virtual ~ProcessObserver() = default;
    // The process runs, as leader of process group `pid`.
    virtual void started(pid_t /*pid*/) {}
    // Output bytes in the order the process wrote them (stdout and stderr interleaved). Bytes are
    // raw: they may split UTF-8 sequences and contain anything.
    virtual void output(std::string_view bytes) = 0;
    // Called about every poll_interval while the run lasts (also when there is no output), e.g.
    // to flush buffers or notice a cancel request.
    virtual StopRequest poll() { return StopRequest::none; }
};

// Runs the process to its end and returns how it ended. Never throws for a process that fails to
// start: that is reported in ProcessResult::spawn_error.
ProcessResult run_process(const ProcessSpec& spec, ProcessObserver& observer);

// Finds an executable for a bare command name in a PATH value ("a:b:c"); a name with a slash is
// returned unchanged. nullopt when not found.
std::optional<std::string> find_in_path(const std::string& name, const std::string& path_value);

// True while some process (zombies included) still belongs to process group `pgid`.
bool process_group_exists(pid_t pgid);

// Kills a process group recorded by an earlier server process, if it is still there and is
// really that execution's: at least one of its members carries `marker` ("NAME=value") in its
// initial environment. Also kills processes outside the group that carry the marker (a child that
// called setsid). SIGKILL, no grace: the server that owned them is gone. Returns how many
// processes were signalled.
int kill_recorded_group(pid_t pgid, const std::string& marker);

// Who runs an execution, precisely enough to tell later whether that server process is still
// alive: "host|boot id|pid|start time". A pid alone is not enough (pids are reused, and the
// machine may have rebooted).
std::string self_identity();
enum class OwnerState { alive, gone, unknown /* another host: cannot tell from here */ };
OwnerState owner_state(const std::string& identity);

}  // namespace orderly::integrations
