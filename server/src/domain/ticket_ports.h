#pragma once
// The ticket as an entity, and the ports the ticket engine (app/ticket_engine.h) needs: the
// repositories it reads and writes through, all inside one unit of work (one transaction) that
// the caller opens. storage/ implements them over SQL; tests/support/fake_ticket_ports.h in
// memory. Nothing here does I/O.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/accounts.h"
#include "domain/action_link.h"
#include "domain/change_window.h"
#include "domain/notification.h"
#include "domain/ticket.h"
#include "domain/workflow.h"

namespace orderly::domain {

struct Ticket {
    int64_t id = 0;
    std::string sn;
    std::string title;
    TicketStatus status = TicketStatus::in_progress;
    std::optional<int64_t> service_id;
    std::optional<int64_t> template_id;
    std::optional<int64_t> workflow_version_id;  // nullopt: a template without a workflow
    std::optional<std::string> business;
    std::optional<std::string> environment;
    std::optional<std::string> purpose;
    int64_t creator_id = 0;
    std::string creator;       // username
    std::string creator_name;  // display name
    FieldValues fields;
    std::string variables_json = "{}";
    std::optional<std::string> template_snapshot;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    std::optional<TimeMs> finished_at;
    int64_t version = 1;
    std::optional<ChangeWindow> window;  // planned_start and planned_end
};

// A deployed workflow version: its definition never changes once deployed.
struct WorkflowVersion {
    WorkflowDef def;
    int64_t workflow_id = 0;
    int64_t version = 0;  // the version number
};

// The flow a ticket runs on: its frozen workflow version (a template's ticket gets an execute
// step when the workflow has none), or submit -> execute -> end for a template without one.
struct TicketFlow {
    // Shared with the cached version it came from when the ticket runs on it unchanged: a read
    // of a ticket copies no definition.
    std::shared_ptr<const WorkflowDef> def_ptr;
    std::optional<int64_t> workflow_id;
    std::optional<int64_t> workflow_version;  // the version number
    const WorkflowDef& def() const { return *def_ptr; }
};

// What a notification about a ticket says, captured when it happens; the outbox renders and
// addresses it (one email per recipient, webhooks per subscription).
struct TicketEvent {
    std::string event;  // "node.waiting" | "ticket.approved" | "ticket.rejected" |
                        // "ticket.withdrawn" | "ticket.transferred" | "execution.finished" |
                        // "node.reminder" | "ticket.missed" | "ticket.mentioned"
    int64_t ticket_id = 0;
    std::string ticket_sn;  // "CHG-20261121-0001"
    std::string title;
    std::string status;     // ticket status after the event
    std::string node_name;  // e.g. "变更审核" (the node waiting / acted on)
    std::string actor;      // username who acted, empty for the system
    std::string reason;     // rejection reason, comment, execution result...
    std::optional<int64_t> workflow_id;
    std::optional<std::string> environment;  // the ticket's environment key
    std::optional<ChangeWindow> window;
    std::vector<int64_t> recipients;    // user ids
    std::vector<std::string> channels;  // the workflow's notify.channels; empty = {"email"}
    // node.waiting at an approval node: the activation, and a one-click link per recipient
    // (when the engine mints them), stored with the notifications in the same transaction.
    std::optional<int64_t> node_id;
    struct Link {
        int64_t user_id = 0;
        MintedLink minted;
        TimeMs expires_at = 0;
    };
    std::vector<Link> links;
    // The same for the event's group chat messages: a link per recipient that works only for
    // them, signed in (everyone in the chat can read it); minted when the event goes to a chat.
    std::vector<Link> chat_links;
};

// A node entered by a ticket (one activation: a node entered again is a new one).
struct NewActivation {
    int64_t ticket_id = 0;
    std::string node_key;
    std::string node_name;
    NodeType node_type = NodeType::approval;
    bool done = false;  // the submit node is passed by submitting: recorded as already done
    TimeMs at = 0;
    std::optional<int64_t> remind_every_ms;
    std::optional<TimeMs> remind_at;
};

// One line of a ticket's timeline.
struct NewStep {
    int64_t ticket_id = 0;
    std::optional<std::string> node_key;
    std::optional<std::string> node_name;
    std::string action;
    std::optional<int64_t> actor_id;  // nullopt = the system
    std::string comment;
    std::optional<std::string> fields_json;
    std::optional<std::string> detail_json;
    TimeMs at = 0;
};

// An active node whose reminder is due.
struct DueReminder {
    int64_t activation_id = 0;
    int64_t ticket_id = 0;
    int64_t every_ms = 0;
    std::string node_name;
};

// Tickets, their node activations, operators and timeline.
class TicketRepository {
  public:
    virtual ~TicketRepository() = default;
    virtual std::optional<Ticket> find(int64_t id) = 0;
    // Where the ticket stands: its active activation with its operators, the nodes it
    // completed, everyone who ever was an operator.
    virtual TicketState state_of(const Ticket& t) = 0;
    // PREFIX-YYYYMMDD-NNNN, from a counter per prefix and UTC day.
    virtual std::string next_serial(const std::string& prefix, TimeMs now) = 0;
    // Inserts the ticket (status in_progress, created_at = updated_at) and returns its id.
    virtual int64_t insert(const Ticket& t) = 0;
    // nullopt when the ticket already has an active activation (a concurrent change won).
    virtual std::optional<int64_t> open_activation(const NewActivation& a) = 0;
    virtual void add_assignee(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                              AssigneeState state, TimeMs at) = 0;
    // Makes the user a pending operator of the activation (again, if they were one).
    virtual void assign_pending(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                                TimeMs at) = 0;
    // Records a pending operator's decision; false when they were no longer pending.
    virtual bool decide_assignee(int64_t activation_id, int64_t user_id, AssigneeState state,
                                 TimeMs at) = 0;
    // Ends the active activation with state ("done", "rejected", "returned", "withdrawn") and
    // closes its pending operators; false when it was no longer active.
    virtual bool close_activation(int64_t activation_id, const std::string& state, TimeMs at) = 0;
    // Stores the ticket's fields and refreshes its search entry.
    virtual void save_fields(const Ticket& t) = 0;
    // Stores status (finished_at when terminal) and updated_at; bumps the version if asked.
    virtual void save_status(const Ticket& t, TimeMs now, bool bump_version) = 0;
    virtual void add_step(const NewStep& s) = 0;
    // Adds or refreshes the ticket's search entry (serial, title, field values).
    virtual void index(const Ticket& t) = 0;
    // Active nodes whose reminder time has come, soonest first.
    virtual std::vector<DueReminder> due_reminders(TimeMs now, int limit) = 0;
    virtual std::vector<int64_t> pending_operators(int64_t activation_id) = 0;
    virtual void set_remind_at(int64_t activation_id, TimeMs at) = 0;
};

// Who may act: users by id or name, role members, members of a business in a role.
class People {
  public:
    virtual ~People() = default;
    virtual std::optional<User> user(int64_t id) = 0;
    virtual std::optional<User> user_named(const std::string& username) = 0;
    virtual std::vector<int64_t> with_role(const std::string& role) = 0;
    virtual std::vector<int64_t> business_role_members(const std::string& business,
                                                       const std::string& role) = 0;
    // Whether the user may read the ticket, as GET /tickets/{id} decides for them.
    virtual bool may_read(const Ticket& t, int64_t user_id) = 0;
};

// Deployed workflow versions; nullptr when there is no such version.
class WorkflowVersions {
  public:
    virtual ~WorkflowVersions() = default;
    virtual std::shared_ptr<const WorkflowVersion> version(int64_t version_id) = 0;
};

// Notifications to send once the unit of work commits (the outbox is a table: a rolled-back
// change notifies nobody).
class Outbox {
  public:
    virtual ~Outbox() = default;
    // `notices` says where links point and which time zones readers see times in.
    virtual void ticket_event(const TicketEvent& ev, const NoticeSettings& notices, TimeMs now) = 0;
};

class AuditTrail {
  public:
    virtual ~AuditTrail() = default;
    virtual void append(const AuditEvent& e) = 0;
};

// The flow the ticket runs on (see TicketFlow). Throws when its workflow version is missing.
TicketFlow ticket_flow(WorkflowVersions& versions, const Ticket& t);

// The repositories of one unit of work.
struct TicketPorts {
    TicketRepository& tickets;
    People& people;
    WorkflowVersions& versions;
    Outbox& outbox;
    AuditTrail& audit;
};

}  // namespace orderly::domain
