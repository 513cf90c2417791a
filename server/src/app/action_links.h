#pragma once
// One-click approval from a notification: the link `<base>/act/<token>` lets the approver it was
// sent to see the ticket and approve or reject it without signing in (except in a protected
// environment, and for a link sent to a group chat, where they sign in as that approver first).
// Opening a link changes nothing (mail scanners open links); deciding uses the link up and follows
// every rule of the approve and reject endpoints, in one transaction. See domain/action_link.h for
// when a link is dead.
#include <optional>
#include <string>

#include "app/caller.h"
#include "app/tickets.h"
#include "core/time.h"
#include "domain/action_link.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

struct LinkView {
    domain::ActionLink link;
    std::string approver;  // username of the approver the link was sent to
    // The approver signs in before the ticket is shown, and why: "protected_environment" (the
    // ticket's environment is protected) or "group_chat" (the link was sent to a group chat,
    // where everyone in it can open it); empty when the link works on its own.
    bool sign_in_required = false;
    std::string sign_in_reason;
    // The ticket as the approver sees it, and what approving lets run (template tickets);
    // absent while a sign-in is required and the caller is not the approver.
    std::optional<TicketView> ticket;
    std::optional<ExecutionPreview> preview;
};

struct LinkDecision {
    domain::Action action = domain::Action::approve;  // approve | reject
    std::string text;                                 // comment (approve) or reason (reject)
};

class ActionLinks {
  public:
    ActionLinks(storage::Database& db, const Clock& clock, const Tickets& tickets)
        : db_(db), clock_(clock), tickets_(tickets) {}

    // `who` is whoever opens it (usually nobody signed in). 404 action_link.not_found for an
    // unknown token, 410 action_link.used / action_link.expired, 409 action_link.superseded
    // when the step no longer waits for its approver. Changes nothing.
    LinkView open(const Caller& who, const std::string& token) const;
    // The checks of open, then 401 action_link.sign_in_required / 403 action_link.other_user
    // when the link needs its approver signed in (see LinkView), then those of Tickets::act for the
    // approver (a reject needs a reason, ...). The link is used up in the same transaction as the
    // decision.
    ActResult decide(const Caller& who, const std::string& token, const LinkDecision& d) const;

  private:
    struct Approver;
    Approver approver_of(const std::string& token) const;

    storage::Database& db_;
    const Clock& clock_;
    const Tickets& tickets_;
};

}  // namespace orderly::app
