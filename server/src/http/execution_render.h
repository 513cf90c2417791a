#pragma once
// JSON renderings of executions: one (domain::write_execution_json), a ticket's list, a page of
// the log.
#include <string>
#include <vector>

#include "app/executions.h"
#include "core/json.h"
#include "domain/execution.h"

namespace orderly::http {

std::string execution_json(const domain::ExecutionRow& e);

// The executions of a ticket (app::executions_of_ticket) as a JSON array, oldest first: the
// "executions" member of a ticket.
void write_executions(json::Writer& w, const std::vector<domain::ExecutionRow>& rows);

// GET /executions/{id}/log: the slice, where the next read starts, and whether the log is
// complete.
std::string execution_log_json(const app::LogPage& page);

}  // namespace orderly::http
