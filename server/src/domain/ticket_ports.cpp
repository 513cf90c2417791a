#include "domain/ticket_ports.h"

#include <stdexcept>

namespace orderly::domain {

TicketFlow ticket_flow(WorkflowVersions& versions, const Ticket& t) {
    // Built once and never destroyed: a worker thread may still read it while the process
    // exits.
    static const auto& direct = *new std::shared_ptr<const WorkflowDef>(
        std::make_shared<const WorkflowDef>(direct_execution_flow()));
    if (!t.workflow_version_id) return {direct, std::nullopt, std::nullopt};
    auto v = versions.version(*t.workflow_version_id);
    if (!v) throw std::runtime_error("ticket's workflow version is missing");
    TicketFlow f{std::shared_ptr<const WorkflowDef>(v, &v->def), v->workflow_id, v->version};
    if (t.template_id) f.def_ptr = std::make_shared<const WorkflowDef>(with_execute_step(v->def));
    return f;
}

}  // namespace orderly::domain
