#pragma once
// The ticket engine: runs tickets through their flow. It loads a ticket's state through the
// repositories, lets domain::decide() judge an action, and applies the result (operators,
// node activations, fields, status, timeline, search entry, notifications) through the same
// repositories, inside the caller's unit of work (one transaction).
//
// Concurrency: every change is conditional (the activation still active, the operator still
// pending) and a ticket has at most one active activation: two operators deciding the same node
// at once decide it once; the second gets 409 and, since the caller's transaction rolls back,
// nothing of theirs is kept.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "domain/ticket.h"
#include "domain/ticket_ports.h"

namespace orderly::app {

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
    std::optional<domain::ChangeWindow> window;  // checked by domain::check_window
};

struct ActionInput {
    domain::ActionRequest request;
    std::optional<int64_t> expected_version;  // body "version" or If-Match; stale -> 409
    // execute / retry: called in the transaction once the action is allowed; enqueues the
    // execution and returns its id.
    std::function<int64_t()> start_execution;
    // The ticket as the caller already read it in this same unit of work (saves reading it
    // again); null = read it here.
    const domain::Ticket* loaded = nullptr;
    // execute and retry: an emergency run, outside the change window too (the caller checked
    // the permission); the reason goes to the timeline. Without it, starting before the window
    // is 409 window.not_open, from its end on 409 window.closed.
    std::optional<std::string> emergency_reason;
};

struct ActionOutcome {
    domain::TicketStatus before = domain::TicketStatus::in_progress;
    domain::TicketStatus after = domain::TicketStatus::in_progress;
    std::string node_name;  // of the node acted on
    std::optional<int64_t> execution_id;
    std::string summary;     // one line for the audit log
    bool emergency = false;  // an execution started as an emergency (with its reason)
};

class TicketEngine {
  public:
    // Links in notifications point at <link_base>/tickets/<id>; times are written in UTC for
    // everyone.
    explicit TicketEngine(std::string link_base = "http://127.0.0.1:8080") {
        notices_.link_base = std::move(link_base);
    }
    // Links in notifications point at <notices.link_base>/tickets/<id>; times are written in
    // each reader's time zone (notices.timezone for readers who chose none).
    explicit TicketEngine(domain::NoticeSettings notices) : notices_(std::move(notices)) {}

    // Creates the ticket with its serial number, passes the submit node and enters the next
    // one. Returns the new id. 422 when the fields do not fit the submit node, when no
    // transition leaves it, or when the next node has nobody who can act on it.
    Result<int64_t> create(domain::TicketPorts& p, const NewTicket& t, TimeMs now) const;

    // Judges and applies one action (see domain::decide for the errors). 404 when there is no
    // such ticket. REQUIRES: the actor may read the ticket.
    Result<ActionOutcome> act(domain::TicketPorts& p, int64_t ticket_id, const ActionInput& in,
                              TimeMs now) const;

    // When an execution of the ticket ends: success moves the ticket past its execute node
    // (finished when an end node follows), failure makes it "failed" (its operators may retry).
    // A ticket that is not executing any more (e.g. withdrawn) is left alone. Writes a timeline
    // step and an audit event (actor: the system).
    void execution_finished(domain::TicketPorts& p, int64_t ticket_id, int64_t execution_id,
                            bool succeeded, TimeMs now) const;

    // The window scheduler's work on one due ticket (domain::due_action): a scheduled ticket
    // whose window is open starts executing on behalf of its submitter (start_execution
    // enqueues the execution), one whose window has closed without a start becomes "missed"
    // and its submitter is notified. Each writes a timeline step and an audit event (actor: the
    // system). nullopt when nothing is due (changed meanwhile); the caller clears run_at then.
    // start_execution is given the submitter's id.
    std::optional<ActionOutcome> run_due(
        domain::TicketPorts& p, int64_t ticket_id,
        const std::function<int64_t(int64_t on_behalf_of)>& start_execution, TimeMs now) const;

    // After the submitter changed the window of the ticket (saved already, in this unit of
    // work): one waiting for its execution (approved or scheduled) goes back to the first
    // approval node it passed, for its approvers to see the new window; one that passed none
    // (a template without a workflow) is scheduled or approved again by the new window. Writes
    // a timeline step ("window_changed", with the window and the node it returned to).
    Result<ActionOutcome> window_changed(domain::TicketPorts& p, int64_t ticket_id,
                                         int64_t actor_id, TimeMs now) const;

    // Queues "node.reminder" notifications for nodes of workflows whose notify policy is
    // "repeat" and that have waited repeat_minutes since they were entered or last reminded.
    // Returns how many nodes were reminded.
    int send_due_reminders(domain::TicketPorts& p, TimeMs now) const;

    const std::string& link_base() const { return notices_.link_base; }
    const domain::NoticeSettings& notices() const { return notices_; }

    // One-click approval links: when set, every approver an approval node waits for gets a link
    // minted by `mint` (domain::MintedLink), valid for ttl_ms, in their node.waiting
    // notification. Set once, before use.
    struct LinkMinter {
        std::function<domain::MintedLink()> mint;
        TimeMs ttl_ms = 72LL * 3600 * 1000;
    };
    void enable_action_links(LinkMinter minter) { links_ = std::move(minter); }

  private:
    domain::NoticeSettings notices_;
    LinkMinter links_;
};

}  // namespace orderly::app
