// Honest restarts: executions left `running` by a server process that is gone, or whose lease
// ran out, are marked `interrupted`, and what is left of a gone owner's process group is killed
// (see execution_engine.h).
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "app/execution_engine.h"
#include "integrations/process_runner.h"

namespace orderly {

namespace {

using SteadyClock = std::chrono::steady_clock;

// "the server process that ran it (pid 123 on host)", from an owner "host|boot id|pid|start".
std::string who_ran(const std::optional<std::string>& owner) {
    std::string who = "the server process that ran it";
    if (!owner) return who;
    const std::string& o = *owner;
    auto first = o.find('|');
    auto second = first == std::string::npos ? first : o.find('|', first + 1);
    auto third = second == std::string::npos ? second : o.find('|', second + 1);
    if (third != std::string::npos)
        who +=
            " (pid " + o.substr(second + 1, third - second - 1) + " on " + o.substr(0, first) + ")";
    return who;
}

}  // namespace

int ExecutionEngine::recover() {
    auto rows = db_.read([](storage::Connection& c) { return storage::running_executions(c); });
    int marked = 0;
    for (const auto& row : rows) {
        if (row.owner && *row.owner == identity_) continue;  // ours: its worker is on it
        auto state =
            row.owner ? integrations::owner_state(*row.owner) : integrations::OwnerState::gone;
        TimeMs now = clock_.now_ms();
        // A row without a lease (claimed before leases existed) ages by its heartbeat instead.
        const TimeMs renewed = row.heartbeat_at.value_or(0);
        const bool expired =
            row.lease_until ? now > *row.lease_until : now - renewed >= opts_.lease.count();
        if (state == integrations::OwnerState::alive && !row.lease_until) continue;
        if (state != integrations::OwnerState::gone && !expired) continue;
        std::string message = "interrupted: " + who_ran(row.owner) + " was lost: ";
        if (state == integrations::OwnerState::gone)
            message += "it stopped while it ran";
        else
            message += "its lease ran out (no heartbeat for " +
                       std::to_string((now - renewed) / 1000) + " s; " +
                       (state == integrations::OwnerState::alive
                            ? "it is frozen or cut off from the database"
                            : "its host stopped reporting") +
                       "; it stops the processes it ran if it comes back)";
        std::string tail = "\n[orderly] " + message + "\n";
        if (state == integrations::OwnerState::gone && row.pgid && row.run_token) {
            // Only processes carrying this execution's ORDERLY_RUN_ID are ever killed: the pid
            // may have been reused by now.
            int killed = integrations::kill_recorded_group(static_cast<pid_t>(*row.pgid),
                                                           "ORDERLY_RUN_ID=" + *row.run_token);
            if (killed > 0) {
                auto until = SteadyClock::now() + std::chrono::seconds(2);
                while (integrations::process_group_exists(static_cast<pid_t>(*row.pgid)) &&
                       SteadyClock::now() < until)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                message += "; " + std::to_string(killed) + " leftover process" +
                           (killed == 1 ? " was" : "es were") + " killed";
                tail = "\n[orderly] " + message + "\n";
            }
        }
        storage::ExecutionEnd end{"interrupted", std::nullopt, std::nullopt, message};
        bool done = false;
        auto record = [&](bool with_hook) {
            done = db_.write([&](storage::Connection& c) {
                // Locked, then compared: an owner that renewed its lease meanwhile keeps it.
                storage::lock_execution(c, row.id);
                auto cur = storage::find_execution(c, row.id);
                if (!cur || cur->status != "running" || cur->owner != row.owner ||
                    cur->lease_until != row.lease_until)
                    return false;
                storage::append_execution_log(c, row.id, cur->log_size, tail, cur->log_dropped);
                if (!storage::finish_execution(c, row.id, end, now)) return false;
                if (with_hook && on_finished_) on_finished_(c, row.ticket_id, row.id, false, now);
                return true;
            });
        };
        try {
            record(true);
        } catch (...) {
            log("error",
                "the ticket hook failed; recording the end without it: " + current_exception_text(),
                row.id);
            try {
                record(false);
            } catch (...) {
                log("error", "recording the end failed: " + current_exception_text(), row.id);
            }
        }
        if (done) {
            ++marked;
            notify_log(row.id);
            log("warn", message, row.id);
        }
    }
    return marked;
}

}  // namespace orderly
