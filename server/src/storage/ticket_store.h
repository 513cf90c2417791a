#pragma once
// SQL for tickets: reading them (one ticket, its current node, its timeline, lists and search)
// and the repositories through which the ticket engine (app/ticket_engine.h) changes them.
// Functions take a Connection already inside a transaction.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "domain/ticket.h"
#include "domain/ticket_ports.h"
#include "domain/ticket_views.h"
#include "domain/workflow.h"
#include "storage/sql.h"

namespace orderly::storage {

using Ticket = domain::Ticket;
using TicketFlow = domain::TicketFlow;
using CachedVersion = domain::WorkflowVersion;

// The flow a ticket runs on (domain::ticket_flow over the cached versions).
TicketFlow ticket_flow(Connection& c, const Ticket& t);

// A deployed workflow version's parsed definition. Versions never change (the table refuses
// UPDATE and DELETE), so this is cached per process with no staleness across processes.
// nullptr when there is no such version.
std::shared_ptr<const CachedVersion> cached_version(Connection& c, int64_t version_id);

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

// ---- reading

std::optional<Ticket> find_ticket(Connection& c, int64_t id);
// Starts the reads of ticket id that an action on it makes (find_ticket, ticket_progress;
// Stmt::send): in a write, call it before lock_ticket, whose round trip then carries them. The
// write's snapshot is taken by the first of them, so they read what they would after the lock.
void prefetch_ticket_state(Connection& c, int64_t id);
// Starts the reads of ticket id's view that need only its id (ticket_progress, ticket_steps,
// list_ticket_executions; Stmt::send), so that on a database server they travel with the next
// statement: a ticket's view in one round trip. Call it before find_ticket.
void prefetch_ticket_view(Connection& c, int64_t id);
// In a write transaction: holds the ticket's row until the transaction ends, so that writes to
// one ticket take turns (Dialect::lock_rows; nothing to do on SQLite).
void lock_ticket(Connection& c, int64_t id);
// The same, with the names it shows (domain::TicketNames) in `names`.
std::optional<Ticket> find_ticket(Connection& c, int64_t id, domain::TicketNames& names);
domain::TicketState load_ticket_state(Connection& c, const Ticket& t);
// Its creator, anyone who is or was an operator of one of its nodes, or read_all
// (ticket.read_all / audit.read).
bool can_read_ticket(Connection& c, const Ticket& t, int64_t user_id, bool read_all);

using AssigneeView = domain::AssigneeView;
using NodeView = domain::NodeView;
// Where a ticket is in its flow: the state the engine decides on, and the node it waits at as a
// reader sees it (none when it is finished, rejected, ...), its assignees in the order they were
// assigned.
struct TicketProgress {
    domain::TicketState state;
    std::optional<NodeView> node;
};
TicketProgress ticket_progress(Connection& c, const Ticket& t);

using StepView = domain::StepView;
std::vector<StepView> ticket_steps(Connection& c, int64_t ticket_id);

using TicketFilter = domain::TicketFilter;
using TicketSummary = domain::TicketSummary;
// Newest first. q: full-text over serial, title and field values (every word must match).
std::vector<TicketSummary> list_tickets(Connection& c, const TicketFilter& f);

// ---- the ticket engine's repositories, over one connection inside a transaction

class SqlTicketRepository final : public domain::TicketRepository {
  public:
    explicit SqlTicketRepository(Connection& c) : c_(c) {}
    std::optional<Ticket> find(int64_t id) override;
    domain::TicketState state_of(const Ticket& t) override;
    std::string next_serial(const std::string& prefix, TimeMs now) override;
    int64_t insert(const Ticket& t) override;
    std::optional<int64_t> open_activation(const domain::NewActivation& a) override;
    void add_assignee(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                      domain::AssigneeState state, TimeMs at) override;
    void assign_pending(int64_t activation_id, int64_t ticket_id, int64_t user_id,
                        TimeMs at) override;
    bool decide_assignee(int64_t activation_id, int64_t user_id, domain::AssigneeState state,
                         TimeMs at) override;
    bool close_activation(int64_t activation_id, const std::string& state, TimeMs at) override;
    void save_fields(const Ticket& t) override;
    void save_status(const Ticket& t, TimeMs now, bool bump_version) override;
    void add_step(const domain::NewStep& s) override;
    void index(const Ticket& t) override;
    std::vector<domain::DueReminder> due_reminders(TimeMs now, int limit) override;
    std::vector<int64_t> pending_operators(int64_t activation_id) override;
    void set_remind_at(int64_t activation_id, TimeMs at) override;

  private:
    Connection& c_;
};

class SqlPeople final : public domain::People {
  public:
    explicit SqlPeople(Connection& c) : c_(c) {}
    std::optional<domain::User> user(int64_t id) override;
    std::optional<domain::User> user_named(const std::string& username) override;
    std::vector<int64_t> with_role(const std::string& role) override;
    std::vector<int64_t> business_role_members(const std::string& business,
                                               const std::string& role) override;
    bool may_read(const domain::Ticket& t, int64_t user_id) override;

  private:
    Connection& c_;
};

class SqlWorkflowVersions final : public domain::WorkflowVersions {
  public:
    explicit SqlWorkflowVersions(Connection& c) : c_(c) {}
    std::shared_ptr<const domain::WorkflowVersion> version(int64_t version_id) override;

  private:
    Connection& c_;
};

class SqlOutbox final : public domain::Outbox {
  public:
    explicit SqlOutbox(Connection& c) : c_(c) {}
    void ticket_event(const domain::TicketEvent& ev, const domain::NoticeSettings& notices,
                      TimeMs now) override;

  private:
    Connection& c_;
};

class SqlAuditTrail final : public domain::AuditTrail {
  public:
    explicit SqlAuditTrail(Connection& c) : c_(c) {}
    void append(const domain::AuditEvent& e) override;

  private:
    Connection& c_;
};

// Every port of the ticket engine over one connection: one unit of work.
struct SqlTicketPorts {
    explicit SqlTicketPorts(Connection& c)
        : tickets(c), people(c), versions(c), outbox(c), audit(c) {}
    SqlTicketPorts(const SqlTicketPorts&) = delete;
    SqlTicketPorts& operator=(const SqlTicketPorts&) = delete;
    SqlTicketRepository tickets;
    SqlPeople people;
    SqlWorkflowVersions versions;
    SqlOutbox outbox;
    SqlAuditTrail audit;
    domain::TicketPorts ports{tickets, people, versions, outbox, audit};
};

}  // namespace orderly::storage
