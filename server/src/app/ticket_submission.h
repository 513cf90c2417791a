#pragma once
// The rules of submitting a ticket, through a service or a task template: who may submit
// through the workflow, the business it needs, the template's snapshot, and whether it may run
// on submit. What is left to the caller: the idempotency key, creating the ticket
// (TicketEngine::create), executing it, and the audit record.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/submitter.h"
#include "app/ticket_engine.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/ticket.h"

namespace orderly::storage {
class Connection;
}

namespace orderly::app {

struct TicketRequest {
    std::optional<int64_t> service_id;   // exactly one of service_id and template_id
    std::optional<int64_t> template_id;  // ...
    std::string title;
    std::optional<std::string> business;     // nullopt when not given (or given empty)
    domain::FieldValues fields;              // for the submit node
    const json::Value* variables = nullptr;  // the request's "variables"; Null or absent: none
    bool execute = false;                    // run at once (a template without a workflow only)
    std::optional<TimeMs> planned_start;     // the change window, both or neither
    std::optional<TimeMs> planned_end;
};

struct PreparedTicket {
    NewTicket ticket;     // ready for TicketEngine::create
    bool direct = false;  // a template without a workflow: it runs without approvals
};

// Checks a submission by `who` and returns the ticket to create. Through a service: 422
// "service_id" when there is no such service, 403 when `who` may not submit through its
// workflow, the business checks, 422 "variables" when the service runs no template but values
// were sent, then its template's snapshot. Through a template: the snapshot's checks
// (app::snapshot_template_submission), then for a template with a workflow 422 "template_id"
// when the workflow has no deployed version, 403 when `who` may not submit through it, and the
// business checks. The business checks: 422 "business" when the workflow needs one and none was
// given, or when it names no business. Then 422 "execute" when `execute` is asked of anything
// but a template without a workflow. Last the change window: domain::check_window, and 422
// "planned_start" (window.required) when the service or template requires one and none was sent.
// Throws; call it inside the submit's write transaction.
PreparedTicket prepare_ticket(storage::Connection& c, const Submitter& who,
                              const TicketRequest& req);

// Writes an object's members, with the values of the secret variables replaced by "******"
// (a list by as many of them).
void write_masked_values(json::Writer& w, const json::Value& values,
                         const std::vector<std::string>& secret);

}  // namespace orderly::app
