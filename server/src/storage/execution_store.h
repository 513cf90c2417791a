#pragma once
// SQL for executions and their logs. Functions take a Connection already inside a
// transaction (Database::write / Database::read); "write" functions need the writer.
//
// Life of a row: enqueue_execution (queued) -> claim_next_execution (running, owned by one
// server process) -> set_execution_started / set_execution_pgid / append_execution_log ->
// finish_execution (succeeded | failed | timed_out | cancelled | interrupted). A queued row can
// also be finished directly (cancelled before it started).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "domain/execution.h"
#include "storage/sql.h"

namespace orderly::storage {

using ExecutionRow = domain::ExecutionRow;
using ExecutionEnd = domain::ExecutionEnd;
using ExecutionFilter = domain::ExecutionFilter;
using LogSlice = domain::LogSlice;
using domain::execution_result_code;
using domain::execution_statuses;
using domain::is_execution_status;

// What an execution records of its ticket when it is requested.
struct NewExecution {
    int64_t ticket_id = 0;
    std::string ticket_sn;
    std::optional<int64_t> ticket_creator_id;
    std::optional<int64_t> template_id;
    std::string template_name;
    std::string environment;
    std::optional<int64_t> executed_by;
    std::string variables_json = "{}";  // the ticket's values (secret ones already masked)
    TimeMs queued_at = 0;
};
// Inserts a queued execution; returns its id. (enqueue_execution fills NewExecution from the
// ticket; this is the part that does not read the tickets table.)
int64_t insert_execution(Connection& c, const NewExecution& e);

// CONTRACT (used by the ticket routes): inserts a `queued` execution of the ticket, requested by
// user_id, inside the caller's write transaction. The engine builds the argument vector from
// the ticket's template_snapshot when it starts it. Call app::UseCases::wake_executions after the
// commit so that it starts at once. Throws ErrorException 404 when the ticket does not exist.
int64_t enqueue_execution(Connection& c, int64_t ticket_id, int64_t user_id, TimeMs now);

// A ticket's executions, oldest first.
std::vector<ExecutionRow> list_ticket_executions(Connection& c, int64_t ticket_id);
// Starts list_ticket_executions ahead of its use (Stmt::send).
void send_ticket_executions(Connection& c, int64_t ticket_id);

// What the engine needs of the ticket to build the argument vector.
struct TicketSnapshot {
    std::string template_snapshot;  // JSON text
    std::string environment;
    std::string variables;  // JSON object text: the values as submitted
};
std::optional<TicketSnapshot> find_ticket_snapshot(Connection& c, int64_t ticket_id);

std::optional<ExecutionRow> find_execution(Connection& c, int64_t id);

// Claims the oldest queued execution for this server process, with a lease until
// `lease_until` (renewed by heartbeat_executions): one UPDATE ... WHERE status = 'queued' of a
// row picked with Dialect::skip_locked_rows, so that no two claimers get the same row and
// concurrent claimers on PostgreSQL take different rows at once. REQUIRES: writer.
std::optional<ExecutionRow> claim_next_execution(Connection& c, const std::string& owner,
                                                 const std::string& run_token, TimeMs now,
                                                 std::optional<TimeMs> lease_until = std::nullopt);

// Who holds a running execution: the owner process and the run token of its claim.
struct ExecutionClaim {
    std::string owner;
    std::string run_token;
};
// Whether the claim still holds execution `id` (running, same owner and run token), locking
// its row (Dialect::lock_rows) until the transaction ends: the owner's writes after this check
// cannot interleave with another node marking the row interrupted. REQUIRES: writer.
bool holds_execution(Connection& c, const ExecutionClaim& claim, int64_t id);
// Locks execution `id`'s row until the transaction ends (see holds_execution).
void lock_execution(Connection& c, int64_t id);
// Records what it runs with (masked), once the argument vector is built.
void set_execution_started(Connection& c, int64_t id, const std::string& argv_json,
                           const std::string& variables_json, int64_t timeout_s);
void set_execution_pgid(Connection& c, int64_t id, int64_t pgid);

// Appends bytes at `offset`, which must be the current log_size (a chunk is written once, by
// the owner). Returns the new log_size. Throws DbError (a constraint) when offset is not the end.
int64_t append_execution_log(Connection& c, int64_t id, int64_t offset, std::string_view data,
                             int64_t dropped_total);

// Ends a queued or running execution. Returns false (and changes nothing) when it had already
// ended, e.g. a recovery in another process got there first.
bool finish_execution(Connection& c, int64_t id, const ExecutionEnd& end, TimeMs now);

// Stores a cancel request for a running execution (the worker that runs it notices it). Returns
// false when it is not running.
bool request_execution_cancel(Connection& c, int64_t id, int64_t user_id, TimeMs now);

// Executions this server process runs that someone asked to cancel.
std::vector<int64_t> cancel_requested_executions(Connection& c, const std::string& owner);
// Marks this process's running executions as alive and renews their lease until
// `lease_until`. Returns the ids it renewed: a running execution of this process that is not
// among them has been taken from it (marked interrupted by another node).
std::vector<int64_t> heartbeat_executions(Connection& c, const std::string& owner, TimeMs now,
                                          std::optional<TimeMs> lease_until = std::nullopt);
// Every running execution (for the start-up and periodic recovery).
std::vector<ExecutionRow> running_executions(Connection& c);
int64_t count_executions(Connection& c, const std::string& status);

std::vector<ExecutionRow> list_executions(Connection& c, const ExecutionFilter& f);

// At most max_bytes of the log from offset, never splitting a UTF-8 character. REQUIRES:
// 0 <= offset <= log_size of the row.
LogSlice read_execution_log(Connection& c, int64_t id, int64_t offset, int64_t log_size,
                            size_t max_bytes);

}  // namespace orderly::storage
