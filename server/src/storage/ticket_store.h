#pragma once
// SQL for tickets, and the engine that runs them through their flow: it loads a ticket's state,
// lets domain::decide() judge an action, and applies the result (operators' rows, node
// activations, fields, status, timeline, search index, notifications) in the caller's write
// transaction. Functions take a Connection already inside a transaction.
//
// Concurrency: every state change is a conditional UPDATE (on the ticket's version, the node
// activation still being active, the operator's row still pending) inside BEGIN IMMEDIATE, and
// at most one activation per ticket is active (a unique index): two operators deciding the same
// node at once decide it once; the second gets 409 and nothing changes.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "domain/ticket.h"
#include "domain/workflow.h"
#include "storage/sql.h"

namespace orderly::storage {

struct Ticket {
    int64_t id = 0;
    std::string sn;
    std::string title;
    domain::TicketStatus status = domain::TicketStatus::in_progress;
    std::optional<int64_t> service_id;
    std::optional<int64_t> template_id;
    std::optional<int64_t> workflow_version_id;  // nullopt: a template without a workflow
    std::optional<std::string> business;
    std::optional<std::string> environment;
    std::optional<std::string> purpose;
    int64_t creator_id = 0;
    std::string creator;       // username
    std::string creator_name;  // display name
    domain::FieldValues fields;
    std::string variables_json = "{}";
    std::optional<std::string> template_snapshot;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    std::optional<TimeMs> finished_at;
    int64_t version = 1;
};

// The flow a ticket runs on: its frozen workflow version (a template's ticket gets an execute
// step when the workflow has none), or submit -> execute -> end for a template without one.
struct TicketFlow {
    domain::WorkflowDef def;
    std::optional<int64_t> workflow_id;
    std::optional<int64_t> workflow_version;  // the version number
};
TicketFlow ticket_flow(Connection& c, const Ticket& t);

// A deployed workflow version's parsed definition. Versions never change (the table refuses
// UPDATE and DELETE), so this is cached per process with no staleness across processes.
// nullptr when there is no such version.
struct CachedVersion {
    domain::WorkflowDef def;
    int64_t workflow_id;
    int64_t version;
};
std::shared_ptr<const CachedVersion> cached_version(Connection& c, int64_t version_id);

// ---- creating

struct NewTicket {
    std::string title;
    std::optional<int64_t> service_id;
    std::optional<int64_t> template_id;
    std::optional<int64_t> workflow_version_id;  // nullopt = direct execution (template only)
    std::string serial_prefix;                   // domain::serial_prefix(type), "OPS" for templates
    std::optional<std::string> business;
    std::optional<std::string> environment;
    std::optional<std::string> purpose;
    int64_t creator_id = 0;
    domain::FieldValues fields;  // for the submit node; checked here (422 naming fields.<key>)
    std::string variables_json = "{}";
    std::optional<std::string> template_snapshot;
};
// Creates the ticket with its serial number (PREFIX-YYYYMMDD-NNNN, a daily counter in the
// database), passes the submit node and enters the next one. Returns the new id. 422 when the
// fields do not fit the submit node, when no transition leaves it, or when the next node has
// nobody who can act on it.
Result<int64_t> create_ticket(Connection& c, const NewTicket& t, TimeMs now);

// Idempotency-Key: the ticket a key of a user created, and whether request_hash matches.
struct IdempotencyHit {
    int64_t ticket_id = 0;
    bool same_request = false;
};
std::optional<IdempotencyHit> find_idempotency_key(Connection& c, int64_t user_id,
                                                   const std::string& key,
                                                   const std::string& request_hash);
void remember_idempotency_key(Connection& c, int64_t user_id, const std::string& key,
                              const std::string& request_hash, int64_t ticket_id, TimeMs now);

// ---- acting

struct ActionInput {
    domain::ActionRequest request;
    std::optional<int64_t> expected_version;  // body "version" or If-Match; stale -> 409
    // execute / retry: called in the transaction once the action is allowed; enqueues the
    // execution and returns its id.
    std::function<int64_t()> start_execution;
    // The ticket as the caller already read it in this same transaction (saves reading it
    // again); null = read it here.
    const Ticket* loaded = nullptr;
};
struct ActionOutcome {
    domain::TicketStatus before = domain::TicketStatus::in_progress;
    domain::TicketStatus after = domain::TicketStatus::in_progress;
    std::string node_name;  // of the node acted on
    std::optional<int64_t> execution_id;
    std::string summary;  // one line for the audit log
};
// Judges and applies one action (see domain::decide for the errors). REQUIRES: the ticket
// exists and the actor may read it.
Result<ActionOutcome> apply_ticket_action(Connection& c, int64_t ticket_id, const ActionInput& in,
                                          TimeMs now);

// Called by the execution engine, in its write transaction, when an execution of the ticket
// ends: success moves the ticket past its execute node (finished when an end node follows),
// failure makes it "failed" (its operators may retry). A ticket that is not executing any more
// (e.g. withdrawn) is left alone. Writes a timeline step and an audit event (actor: the system).
void on_execution_finished(Connection& c, int64_t ticket_id, int64_t execution_id, bool succeeded,
                           TimeMs now);

// Links in notification emails point at <base>/tickets/<id>. Set once at start-up.
void set_ticket_link_base_url(std::string base_url);

// Queues "node.reminder" notifications for nodes of workflows whose notify policy is "repeat"
// and that have waited repeat_minutes since they were entered or last reminded. Meant for the
// notifier's housekeeping. Returns how many nodes were reminded.
int enqueue_due_reminders(Connection& c, TimeMs now);

// ---- reading

std::optional<Ticket> find_ticket(Connection& c, int64_t id);
domain::TicketState load_ticket_state(Connection& c, const Ticket& t);
// Its creator, anyone who is or was an operator of one of its nodes, or read_all
// (ticket.read_all / audit.read).
bool can_read_ticket(Connection& c, const Ticket& t, int64_t user_id, bool read_all);

struct AssigneeView {
    int64_t user_id = 0;
    std::string username;
    std::string display_name;
    std::string state;  // domain::AssigneeState
};
struct NodeView {
    int64_t activation_id = 0;
    std::string key;
    std::string name;
    std::string type;
    TimeMs entered_at = 0;
    std::vector<AssigneeView> assignees;
};
// The node the ticket waits at (none when it is finished, rejected, ...).
std::optional<NodeView> current_node(Connection& c, int64_t ticket_id);

struct StepView {
    int64_t id = 0;
    std::optional<std::string> node_key;
    std::optional<std::string> node_name;
    std::string action;
    std::optional<std::string> actor;  // username; nullopt = the system
    std::optional<std::string> actor_name;
    std::string comment;
    std::optional<std::string> fields_json;
    std::optional<std::string> detail_json;
    TimeMs at = 0;
};
std::vector<StepView> ticket_steps(Connection& c, int64_t ticket_id);

struct TicketFilter {
    std::string view = "mine";  // todo | mine | involved | all
    int64_t user_id = 0;        // the caller
    std::optional<std::string> status, environment, purpose, business, creator, q;
    std::optional<int64_t> service_id, template_id;
    std::optional<TimeMs> from, to;  // created_at, [from, to)
    int64_t before_id = 0;           // cursor: newest first, ids below this (0 = newest)
    int limit = 50;
};
struct TicketSummary {
    int64_t id = 0;
    std::string sn;
    std::string title;
    std::string status;
    std::optional<int64_t> service_id;
    std::optional<int64_t> template_id;
    std::optional<std::string> business, environment, purpose;
    std::string creator;
    std::string creator_name;
    std::optional<std::string> node_key, node_name, node_type;  // where it waits
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
};
// Newest first. q: full-text over serial, title and field values (every word must match).
std::vector<TicketSummary> list_tickets(Connection& c, const TicketFilter& f);

}  // namespace orderly::storage
