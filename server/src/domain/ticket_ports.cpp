#include "domain/ticket_ports.h"

#include <stdexcept>

namespace orderly::domain {

TicketFlow ticket_flow(WorkflowVersions& versions, const Ticket& t) {
    if (!t.workflow_version_id) return {direct_execution_flow(), std::nullopt, std::nullopt};
    auto v = versions.version(*t.workflow_version_id);
    if (!v) throw std::runtime_error("ticket's workflow version is missing");
    TicketFlow f{v->def, v->workflow_id, v->version};
    if (t.template_id) f.def = with_execute_step(std::move(f.def));
    return f;
}

}  // namespace orderly::domain
