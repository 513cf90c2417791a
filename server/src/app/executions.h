#pragma once
// Executions as the API sees them: the history, one execution, its log (by offsets, with a
// bounded long-poll), cancel. Whoever may read a ticket may read its executions and their logs;
// cancelling is for the person who ran it, the ticket's creator and admins.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "core/time.h"
#include "domain/execution.h"

namespace orderly::storage {
class Database;
class Connection;
}  // namespace orderly::storage

namespace orderly::app {

// What the use cases need of the execution engine (app/execution_engine.h); OrderlyApp
// connects it. Functions are empty when no engine runs.
struct ExecutionEngineLink {
    // A cancel request was stored for a running execution.
    std::function<void(int64_t execution_id)> cancel_requested;
    // Holds a log reader until the execution may have output past log_size or has ended, or
    // until the deadline; false at once when too many readers wait already.
    std::function<bool(int64_t execution_id, int64_t log_size,
                       std::chrono::steady_clock::time_point deadline)>
        wait_for_log;
    // The ticket's hook, called in the transaction that ends an execution (a queued execution
    // cancelled before it started ends in the request's transaction).
    std::function<void(storage::Connection& c, int64_t ticket_id, int64_t execution_id,
                       bool succeeded, TimeMs now)>
        on_finished;
};

// GET /executions: the filter as parsed (visible_to and executed_by are set by the use case)
// and the username of who ran them.
struct ExecutionQuery {
    domain::ExecutionFilter filter;
    std::optional<std::string> user;
};

struct LogRequest {
    int64_t execution_id = 0;
    int64_t offset = 0;
    int64_t max_bytes = 0;
    // With a wait, a reader at the end of a running execution's log is held until output or
    // the end arrives, or this long.
    std::chrono::seconds wait{0};
};

struct LogPage {
    domain::ExecutionRow execution;  // as it was when the slice was read
    domain::LogSlice slice;
    bool busy = false;  // it was not held: too many readers wait already
};

class Executions {
  public:
    Executions(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    // Set once, before the server serves requests.
    void connect(ExecutionEngineLink engine) { engine_ = std::move(engine); }

    // Newest first, the executions the caller may see, fetched with the filter's limit.
    std::vector<domain::ExecutionRow> list(const Caller& who, ExecutionQuery q) const;
    // 404 when it does not exist or the caller may not see it.
    domain::ExecutionRow get(const Caller& who, int64_t id) const;
    // 404 as get; 400 on "offset" past the end of the log. May block up to the wait.
    LogPage read_log(const Caller& who, const LogRequest& r) const;
    // A queued execution ends at once (the ticket moves on in the same transaction); a running
    // one gets a cancel request its worker acts on. 404 as get, 403 for others than the one
    // who ran it, the ticket's creator and admins, 409 when it has ended. Returns it as stored.
    domain::ExecutionRow cancel(const Caller& who, int64_t id);

  private:
    storage::Database& db_;
    const Clock& clock_;
    ExecutionEngineLink engine_;
};

// The ticket's executions, oldest first, in the caller's transaction (for the ticket view:
// render them with http::write_executions).
std::vector<domain::ExecutionRow> executions_of_ticket(storage::Connection& c, int64_t ticket_id);

}  // namespace orderly::app
