#include "http/ticket_render.h"

#include "app/ticket_submission.h"
#include "domain/workflow_json.h"
#include "http/execution_render.h"
#include "http/render.h"
#include "http/run_preview.h"

namespace orderly::http {

namespace {

void opt_int(json::Writer& w, const char* key, const std::optional<int64_t>& v) {
    w.key(key);
    if (v)
        w.num(*v);
    else
        w.null();
}

void write_creator(json::Writer& w, const std::string& username, const std::string& name) {
    w.key("creator").start_object().kv("username", username).kv("display_name", name).end_object();
}

// Stored JSON text as it is, or null.
void opt_raw(json::Writer& w, const char* key, const std::optional<std::string>& text) {
    w.key(key);
    if (text)
        w.raw(*text);
    else
        w.null();
}

// A template snapshot as shown to catalog managers: everything but secret variables' values
// (the chosen ones and their option lists).
void write_snapshot(json::Writer& w, const std::string& text) {
    json::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) {
        w.null();
        return;
    }
    const auto secret = json::get_strings(d, "secret_vars").value_or(std::vector<std::string>{});
    w.start_object();
    for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) {
        const std::string name(m->name.GetString(), m->name.GetStringLength());
        w.key(name);
        if (name == "values" || name == "options")
            app::write_masked_values(w, m->value, secret);
        else
            w.value(m->value);
    }
    w.end_object();
}

// What a reader of the ticket needs to show it, without permissions on the catalog: the names of
// its service (and the service's catalog directories, root first), template and environment.
void write_ticket_names(json::Writer& w, const app::TicketView& v) {
    w.kv("service_name", v.names.service_name);
    w.kv("catalog_path", v.names.catalog_path);
    w.kv("template_name", v.names.template_name);
    w.kv("environment_key", v.ticket.environment);
    w.kv("environment_name", v.names.environment_name);
    w.key("environment_protected").boolean(v.names.environment_protected);
}

void write_current_node(json::Writer& w, const app::TicketView& v) {
    w.key("current_nodes").start_array();
    if (const auto& cur = v.current_node) {
        const domain::Node* def = v.flow.def().find(cur->key);
        w.start_object().kv("key", cur->key).kv("name", cur->name).kv("type", cur->type);
        w.key("entered_at").time(cur->entered_at);
        w.key("assignees").start_array();
        for (const auto& a : cur->assignees)
            w.start_object()
                .kv("username", a.username)
                .kv("display_name", a.display_name)
                .kv("state", a.state)
                .end_object();
        w.end_array();
        w.key("rule");
        domain::write_approval_rule(w, def ? def->rule : domain::ApprovalRule{});
        w.key("fields");
        domain::write_field_defs(w, def ? def->fields : std::vector<domain::FieldDef>{});
        w.kv("readonly_fields", def ? def->readonly_fields : std::vector<std::string>{});
        w.end_object();
    }
    w.end_array();
}

void write_steps(json::Writer& w, const std::vector<domain::StepView>& steps) {
    w.key("steps").start_array();
    for (const auto& s : steps) {
        w.start_object()
            .kv("id", s.id)
            .kv("node", s.node_key)
            .kv("node_name", s.node_name)
            .kv("action", s.action)
            .kv("actor", s.actor)
            .kv("actor_name", s.actor_name)
            .kv("comment", s.comment);
        opt_raw(w, "fields", s.fields_json);
        opt_raw(w, "detail", s.detail_json);
        w.key("at").time(s.at);
        w.end_object();
    }
    w.end_array();
}

void write_summary(json::Writer& w, const domain::TicketSummary& t) {
    w.start_object().kv("id", t.id).kv("sn", t.sn).kv("title", t.title).kv("status", t.status);
    opt_int(w, "service_id", t.service_id);
    opt_int(w, "template_id", t.template_id);
    w.kv("business", t.business).kv("environment", t.environment).kv("purpose", t.purpose);
    write_creator(w, t.creator, t.creator_name);
    w.key("current_node");
    if (t.node_key)
        w.start_object()
            .kv("key", *t.node_key)
            .kv("name", t.node_name.value_or(""))
            .kv("type", t.node_type.value_or(""))
            .end_object();
    else
        w.null();
    w.key("created_at").time(t.created_at);
    w.key("updated_at").time(t.updated_at);
    w.kv("version", t.version);
    w.key("planned_start").opt_time(t.planned_start);
    w.key("planned_end").opt_time(t.planned_end);
    w.kv("conflicts", t.conflicts);
    w.end_object();
}

void write_window(json::Writer& w, const std::optional<domain::ChangeWindow>& window) {
    w.key("planned_start").opt_time(window ? std::optional(window->start) : std::nullopt);
    w.key("planned_end").opt_time(window ? std::optional(window->end) : std::nullopt);
}

void write_conflicts(json::Writer& w, const std::vector<domain::WindowConflict>& conflicts) {
    w.key("conflicts").start_array();
    for (const auto& x : conflicts) {
        w.start_object();
        write_ticket_identity(w, x.restricted, x.id, x.sn, x.title);
        w.kv("status", x.status);
        write_window(w, x.window);
        w.end_object();
    }
    w.end_array();
}

// The overlap's end is null when the freeze is open-ended (a lockdown until it is lifted).
void write_freezes(json::Writer& w, const std::vector<app::FreezeConflict>& freezes) {
    w.key("freezes").start_array();
    for (const auto& f : freezes) {
        w.start_object()
            .kv("freeze_id", f.window.id)
            .kv("name", f.window.name)
            .kv("kind", f.window.kind == domain::FreezeKind::hard ? "hard" : "soft")
            .kv("reason", f.window.reason);
        w.key("overlap_start").time(f.overlap.start);
        w.key("overlap_end")
            .opt_time(f.overlap.end == domain::kOpenEnd ? std::nullopt
                                                        : std::optional(f.overlap.end));
        w.end_object();
    }
    w.end_array();
}

}  // namespace

void write_ticket_identity(json::Writer& w, bool restricted, int64_t id, const std::string& sn,
                           const std::string& title) {
    if (restricted)
        w.key("id").null().key("sn").null().key("title").null();
    else
        w.kv("id", id).kv("sn", sn).kv("title", title);
    w.kv("restricted", restricted);
}

void write_ticket(json::Writer& w, const app::TicketView& v) {
    const domain::Ticket& t = v.ticket;
    w.start_object().kv("id", t.id).kv("sn", t.sn).kv("title", t.title);
    w.kv("status", domain::to_string(t.status));
    opt_int(w, "service_id", t.service_id);
    opt_int(w, "template_id", t.template_id);
    opt_int(w, "workflow_id", v.flow.workflow_id);
    opt_int(w, "workflow_version_id", t.workflow_version_id);
    opt_int(w, "workflow_version", v.flow.workflow_version);
    w.kv("business", t.business).kv("environment", t.environment).kv("purpose", t.purpose);
    write_ticket_names(w, v);
    w.kv("execution_result", v.execution_result);
    write_creator(w, t.creator, t.creator_name);
    w.key("fields");
    domain::write_field_values(w, t.fields);
    w.key("variables").raw(t.variables_json.empty() ? "{}" : t.variables_json);
    if (v.show_snapshot) {
        w.key("template_snapshot");
        if (t.template_snapshot)
            write_snapshot(w, *t.template_snapshot);
        else
            w.null();
    }
    w.key("nodes").start_array();
    for (const auto& n : v.flow.def().nodes)
        w.start_object()
            .kv("key", n.key)
            .kv("name", n.name)
            .kv("type", domain::to_string(n.type))
            .end_object();
    w.end_array();
    write_current_node(w, v);
    w.key("allowed_actions").start_array();
    for (auto a : v.allowed_actions) w.str(domain::to_string(a));
    w.end_array();
    write_steps(w, v.steps);
    w.key("executions");
    write_executions(w, v.executions);
    w.key("created_at").time(t.created_at);
    w.key("updated_at").time(t.updated_at);
    w.key("finished_at").opt_time(t.finished_at);
    w.kv("version", t.version);
    write_window(w, t.window);
    write_conflicts(w, v.conflicts);
    write_freezes(w, v.freezes);
    w.end_object();
}

std::string ticket_json(const app::TicketView& v) {
    json::Writer w(4096);
    write_ticket(w, v);
    return w.take();
}

std::string ticket_page_json(const std::vector<domain::TicketSummary>& rows, int limit) {
    return page_json(
        rows, limit, [](json::Writer& w, const auto& x) { write_summary(w, x); },
        [](const auto& x) { return x.id; }, NoHead{}, 32768);
}

std::string execution_preview_json(const app::ExecutionPreview& p) {
    json::Writer w;
    w.start_object().kv("ticket_id", p.ticket_id).kv("ticket_sn", p.ticket_sn);
    w.kv("action", p.retry ? "retry" : "execute");
    w.key("variables").start_object();
    for (const auto& v : p.variables) {
        w.key(v.name);
        if (v.list)
            w.strings(v.values);
        else if (!v.values.empty())
            w.str(v.values.front());
        else
            w.null();
    }
    w.end_object();
    write_run_preview(w, p.run);
    w.end_object();
    return w.take();
}

std::string execution_started_json(int64_t ticket_id, const app::ActResult& r) {
    json::Writer w;
    w.start_object()
        .kv("execution_id", r.execution_id)
        .kv("ticket_id", ticket_id)
        .kv("status", domain::to_string(r.status))
        .end_object();
    return w.take();
}

}  // namespace orderly::http
