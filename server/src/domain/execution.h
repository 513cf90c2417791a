#pragma once
// Executions as plain values: one run of a ticket's task (its row, with the names joined from
// users), the history filter, a slice of its log, how it ends; the pure rules about them (the
// statuses, how a finished one ended as a result code) and its API object.
// storage/execution_store.h keeps them; app/execution_engine.h runs them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace orderly::json {
class Writer;
}

namespace orderly::domain {

struct ExecutionRow {
    int64_t id = 0;
    int64_t ticket_id = 0;
    std::string ticket_sn;
    std::optional<int64_t> ticket_creator_id;
    std::optional<int64_t> template_id;
    std::string template_name;
    std::string environment;
    std::optional<int64_t> executed_by;
    std::string executed_by_username;      // '' when unknown
    std::string executed_by_display_name;  // '' when unknown
    std::string status;
    std::optional<std::string> argv_json;  // masked
    std::string variables_json = "{}";     // masked
    std::optional<int64_t> timeout_s;
    std::optional<int64_t> exit_code;
    std::optional<int64_t> signal;
    std::string message;
    TimeMs queued_at = 0;
    std::optional<TimeMs> started_at;
    std::optional<TimeMs> finished_at;
    int64_t log_size = 0;
    int64_t log_dropped = 0;
    std::optional<std::string> owner;
    std::optional<TimeMs> heartbeat_at;
    std::optional<int64_t> pgid;
    std::optional<std::string> run_token;
    std::optional<TimeMs> cancel_requested_at;
    std::optional<int64_t> cancel_requested_by;
    std::string cancel_requested_by_username;  // '' when nobody asked or unknown
    std::optional<TimeMs> lease_until;         // while running: the owner's claim holds until then

    bool finished() const { return status != "queued" && status != "running"; }
};

// How a finished execution ended, as an ExecutionResultCode of api-spec/openapi.yaml
// ("exited", "cancelled", ...) with its parameters; nullopt while it is queued or running.
std::optional<std::string> execution_result_code(const ExecutionRow& e, Params& params);

// The statuses, in lifecycle order; is_execution_status checks a filter value.
const std::vector<std::string>& execution_statuses();
bool is_execution_status(const std::string& s);

struct ExecutionEnd {
    std::string status;  // succeeded | failed | timed_out | cancelled | interrupted
    std::optional<int64_t> exit_code;
    std::optional<int64_t> signal;
    std::string message;
};

struct ExecutionFilter {
    std::optional<int64_t> ticket_id, template_id;
    std::optional<std::string> environment, status;
    std::optional<int64_t> executed_by;
    std::optional<TimeMs> from, to;  // on queued_at: from inclusive, to exclusive
    // Restricts to executions this user ran, or of tickets they created or were an operator of.
    std::optional<int64_t> visible_to;
    int64_t before_id = 0;  // cursor: newest first, ids below this (0 = from the newest)
    int limit = 50;
};

struct LogSlice {
    int64_t offset = 0;  // where data starts (moved forward to a character boundary if needed)
    std::string data;    // whole UTF-8 characters only
    int64_t log_size = 0;
};

// The API object of an execution (GET /executions/{id}, items of GET /executions, the
// executions of a ticket).
void write_execution_json(json::Writer& w, const ExecutionRow& e);

}  // namespace orderly::domain
