#include "app/ticket_submission.h"

#include <algorithm>

#include "app/freeze_calendar.h"
#include "app/template_snapshots.h"
#include "core/codes.h"
#include "domain/workflow.h"
#include "storage/accounts_store.h"
#include "storage/catalog_ports.h"
#include "storage/catalog_store.h"
#include "storage/sql.h"
#include "storage/ticket_store.h"
#include "storage/window_store.h"
#include "storage/workflow_store.h"

namespace orderly::app {

namespace {

// Admin holds every permission, which includes submitting anything.
bool may_submit(storage::Connection& c, const Submitter& who, const domain::WorkflowDef& def,
                const std::optional<std::string>& business) {
    if (who.admin) return true;
    const domain::Node* start = def.start();
    return start && storage::may_submit(c, *start, who.user_id, who.username, who.roles, business);
}

void check_business(storage::Connection& c, const domain::WorkflowDef& def,
                    const std::optional<std::string>& business) {
    if (def.business_required && !business)
        fail(Error::UnprocessableField("business", "this workflow needs a business",
                                       codes::business_required));
    if (business && !storage::find_business(c, *business))
        fail(Error::UnprocessableField("business", "no business \"" + *business + "\"",
                                       codes::business_unknown, {{"key", *business}}));
}

// Freezes template `template_id` into the ticket: the snapshot (internal variables and all),
// the submitter's values with secret ones masked (shown as the ticket's "variables"), and the
// environment and purpose as columns to filter on. Returns the template's workflow.
std::optional<int64_t> take_snapshot(storage::Connection& c, const Submitter& who,
                                     int64_t template_id, const json::Value& variables,
                                     NewTicket& nt) {
    storage::SqlCatalogReader catalog(c);
    auto snapshot = unwrap(snapshot_template_submission(catalog, template_id, variables, who));
    json::Document d;
    d.Parse(snapshot.data(), snapshot.size());
    if (d.HasParseError() || !d.IsObject())
        fail(Error::Internal("the template snapshot is not a JSON object").with(codes::internal));
    nt.template_id = template_id;
    nt.environment = json::get_string(d, "environment");
    nt.purpose = json::get_string(d, "purpose");
    const auto secret = json::get_strings(d, "secret_vars").value_or(std::vector<std::string>{});
    json::Writer w;
    const json::Value none;
    auto it = d.FindMember("values");
    write_masked_values(w, it != d.MemberEnd() ? it->value : none, secret);
    nt.variables_json = w.take();
    auto workflow_id = json::get_int(d, "workflow_id");
    nt.template_snapshot = std::move(snapshot);
    return workflow_id;
}

}  // namespace

PreparedTicket prepare_ticket(storage::Connection& c, const Submitter& who,
                              const TicketRequest& req) {
    static const json::Value no_variables;
    const json::Value& variables = req.variables ? *req.variables : no_variables;
    const bool has_variables = variables.IsObject() && variables.MemberCount() > 0;
    const auto& business = req.business;
    PreparedTicket out;
    NewTicket& nt = out.ticket;
    nt.title = req.title;
    nt.business = business;
    nt.creator_id = who.user_id;
    nt.fields = req.fields;
    if (req.service_id) {
        auto sv = storage::find_service(c, *req.service_id);
        if (!sv)
            fail(
                Error::UnprocessableField("service_id", "no such service", codes::service_unknown));
        auto v = storage::cached_version(c, sv->workflow_version_id);
        if (!v) fail(Error::Internal("service bound to a missing version").with(codes::internal));
        if (!may_submit(c, who, v->def, business))
            fail(Error::Forbidden("you may not submit service \"" + sv->name + "\"")
                     .with(codes::service_submit_denied, {{"name", sv->name}}));
        check_business(c, v->def, business);
        if (has_variables && !sv->template_id)
            fail(Error::UnprocessableField("variables", "this service runs no task template",
                                           codes::service_no_template));
        // The service's workflow version decides the flow, not the template's.
        if (sv->template_id) take_snapshot(c, who, *sv->template_id, variables, nt);
        nt.service_id = sv->id;
        nt.workflow_version_id = sv->workflow_version_id;
        nt.serial_prefix = domain::serial_prefix(v->def.type);
    } else {
        auto workflow_id = take_snapshot(c, who, *req.template_id, variables, nt);
        nt.serial_prefix = "OPS";
        if (workflow_id) {
            auto v = storage::latest_workflow_version(c, *workflow_id);
            if (!v)
                fail(Error::UnprocessableField("template_id",
                                               "the template's workflow " +
                                                   std::to_string(*workflow_id) +
                                                   " has no deployed version; deploy it first",
                                               codes::workflow_version_unknown));
            if (!may_submit(c, who, v->def, business))
                fail(Error::Forbidden("you may not submit through workflow \"" + v->def.name + "\"")
                         .with(codes::ticket_workflow_submit_denied, {{"name", v->def.name}}));
            check_business(c, v->def, business);
            nt.workflow_version_id = v->id;
        } else {
            out.direct = true;
            check_business(c, domain::direct_execution_flow(), business);
        }
    }
    if (req.execute && !out.direct)
        fail(Error::UnprocessableField("execute",
                                       "only a task template without a workflow runs on submit",
                                       codes::template_not_runnable_on_submit));
    nt.window = unwrap(domain::check_window(req.planned_start, req.planned_end));
    if (!nt.window)
        if (auto what = storage::window_required_by(c, nt.service_id, nt.template_id))
            fail(Error::UnprocessableField("planned_start",
                                           "this " + *what +
                                               " requires a change window: send planned_start "
                                               "and planned_end",
                                           codes::window_required, {{"what", *what}}));
    // A window on a hard freeze of the environment is refused (422 freeze.conflict); a soft
    // freeze lets it through, and the ticket shows it to its approvers (TicketView::freezes).
    if (nt.window) check_planned_change(c, nt.environment, nt.window->start, nt.window->end);
    return out;
}

void write_masked_values(json::Writer& w, const json::Value& values,
                         const std::vector<std::string>& secret) {
    w.start_object();
    if (values.IsObject()) {
        for (auto m = values.MemberBegin(); m != values.MemberEnd(); ++m) {
            const std::string name(m->name.GetString(), m->name.GetStringLength());
            w.key(name);
            if (std::find(secret.begin(), secret.end(), name) == secret.end())
                w.value(m->value);
            else if (m->value.IsArray())
                w.strings(std::vector<std::string>(m->value.Size(), "******"));
            else
                w.str("******");
        }
    }
    w.end_object();
}

}  // namespace orderly::app
