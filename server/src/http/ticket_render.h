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

// id, sn, title and restricted of a ticket named beside another (a conflicting window, a row of
// the change calendar): a reader who may not read it sees null for the first three.
void write_ticket_identity(json::Writer& w, bool restricted, int64_t id, const std::string& sn,
                           const std::string& title);
std::string ticket_json(const app::TicketView& v);

// A page of GET /tickets (and /todo): `rows` holds up to limit + 1 of them.
std::string ticket_page_json(const std::vector<domain::TicketSummary>& rows, int limit);

std::string execution_preview_json(const app::ExecutionPreview& p);

// The 202 answer of execute and retry: the execution queued and the ticket's status.
std::string execution_started_json(int64_t ticket_id, const app::ActResult& r);

}  // namespace orderly::http
