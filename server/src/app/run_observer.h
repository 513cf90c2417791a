#pragma once
// Receives a running task's output for the execution engine: filters it (LogFilter), caps it
// (ExecutionEngineOptions::max_log_bytes) and stores it in chunks, and tells the process runner
// when the execution is cancelled, the engine stops or this process no longer holds the
// execution (every write checks the claim first: see ExecutionEngine's fencing).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/log_filter.h"
#include "integrations/process_runner.h"
#include "storage/execution_store.h"

namespace orderly {

class ExecutionEngine;

class RunObserver final : public integrations::ProcessObserver {
  public:
    RunObserver(ExecutionEngine& engine, int64_t id, storage::ExecutionClaim claim,
                std::vector<std::string> secrets);

    void started(pid_t pid) override;
    void output(std::string_view raw) override;
    integrations::StopRequest poll() override;

    // What is still pending (held-back bytes included), then `tail` (the engine's own lines).
    // The caller stores it in the transaction that records the end.
    std::string take_rest(const std::string& tail);
    int64_t dropped() const { return static_cast<int64_t>(dropped_); }

  private:
    void add(const std::string& text);
    void flush();

    ExecutionEngine& engine_;
    int64_t id_;
    storage::ExecutionClaim claim_;
    LogFilter filter_;
    std::string pending_;
    int64_t stored_ = 0;  // log bytes in the database
    size_t kept_ = 0;     // output bytes accepted into the log
    size_t dropped_ = 0;
    bool capped_ = false;
    char last_ = '\n';  // the last output byte kept
    std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace orderly
