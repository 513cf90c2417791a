#pragma once
// The JSON of tickets: one ticket as its reader sees it, the rows of lists, an execution
// preview, and the answer to execute / retry.
#include <string>
#include <vector>

#include "app/tickets.h"
#include "core/json.h"
#include "domain/ticket_views.h"

namespace orderly::http {

void write_ticket(json::Writer& w, const app::TicketView& v);
std::string ticket_json(const app::TicketView& v);

// A page of GET /tickets (and /todo): `rows` holds up to limit + 1 of them.
std::string ticket_page_json(const std::vector<domain::TicketSummary>& rows, int limit);

std::string execution_preview_json(const app::ExecutionPreview& p);

// The 202 answer of execute and retry: the execution queued and the ticket's status.
std::string execution_started_json(int64_t ticket_id, const app::ActResult& r);

}  // namespace orderly::http
