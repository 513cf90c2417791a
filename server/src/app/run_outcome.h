#pragma once
// How a finished run is recorded: the execution's end (status, exit code or signal, message)
// and the lines the engine adds to its log, from what the process runner reports.
#include <cstdint>
#include <functional>
#include <string>

#include "integrations/process_runner.h"
#include "storage/execution_store.h"

namespace orderly {

struct RunOutcome {
    storage::ExecutionEnd end;
    std::string tail;  // "[orderly] ..." lines for the end of the log; empty when none
};

// `timeout_s` is the limit the run had; `cancelled_by` names who asked for a cancel ("" when
// unknown) and is only called when the run was cancelled.
RunOutcome describe_outcome(const integrations::ProcessResult& res, int64_t timeout_s,
                            const std::function<std::string()>& cancelled_by);

}  // namespace orderly
