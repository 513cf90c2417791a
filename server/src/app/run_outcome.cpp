#include "app/run_outcome.h"

#include <signal.h>

namespace orderly {

namespace {

const char* signal_name(int sig) {
    switch (sig) {
        case SIGHUP:
            return "SIGHUP";
        case SIGINT:
            return "SIGINT";
        case SIGQUIT:
            return "SIGQUIT";
        case SIGILL:
            return "SIGILL";
        case SIGABRT:
            return "SIGABRT";
        case SIGBUS:
            return "SIGBUS";
        case SIGFPE:
            return "SIGFPE";
        case SIGKILL:
            return "SIGKILL";
        case SIGSEGV:
            return "SIGSEGV";
        case SIGPIPE:
            return "SIGPIPE";
        case SIGALRM:
            return "SIGALRM";
        case SIGTERM:
            return "SIGTERM";
        default:
            return "a signal";
    }
}

// The end of a run that the runner did not stop: exit code 0 succeeded, anything else failed.
void ended_on_its_own(const integrations::ProcessResult& res, storage::ExecutionEnd& end) {
    if (res.exit_code && *res.exit_code == 0) {
        end.status = "succeeded";
        end.message = "exited with code 0";
    } else if (res.exit_code) {
        end.status = "failed";
        end.message = "exited with code " + std::to_string(*res.exit_code);
    } else {
        end.status = "failed";
        end.message = std::string("killed by ") + signal_name(res.signal.value_or(0)) + " (" +
                      std::to_string(res.signal.value_or(0)) + ")";
    }
}

}  // namespace

RunOutcome describe_outcome(const integrations::ProcessResult& res, int64_t timeout_s,
                            const std::function<std::string()>& cancelled_by) {
    RunOutcome out;
    storage::ExecutionEnd& end = out.end;
    auto line = [&](const std::string& s) { out.tail += "[orderly] " + s + "\n"; };
    if (!res.spawned) {
        end = {"failed", std::nullopt, std::nullopt, "could not start: " + res.spawn_error};
        line(end.message);
        return out;
    }
    end.exit_code = res.exit_code;
    end.signal = res.signal;
    switch (res.terminated_by) {
        case integrations::Termination::timeout:
            end.status = "timed_out";
            end.message = "timed out after " + std::to_string(timeout_s) +
                          " s; its process group was terminated";
            break;
        case integrations::Termination::cancel: {
            const std::string by = cancelled_by();
            end.status = "cancelled";
            end.message = "cancelled" + (by.empty() ? std::string() : " by " + by) +
                          "; its process group was terminated";
            break;
        }
        case integrations::Termination::shutdown:
            end.status = "interrupted";
            end.message =
                "interrupted: the server was shut down while it ran; its process group was "
                "terminated";
            break;
        case integrations::Termination::none:
            ended_on_its_own(res, end);
            break;
    }
    if (end.status != "succeeded" && end.status != "failed") line(end.message);
    if (res.leftovers_terminated) {
        end.message += "; processes it left running were terminated";
        line("the task left processes running in its process group; they were terminated");
    }
    if (res.group_survived)
        line("warning: some processes of its group were still there after SIGKILL");
    return out;
}

}  // namespace orderly
