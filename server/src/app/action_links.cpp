#include "app/action_links.h"

#include "core/codes.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/action_link_store.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/ticket_store.h"

namespace orderly::app {

struct ActionLinks::Approver {
    domain::ActionLink link;
    Principal principal;  // the approver the link was sent to
    bool protected_env = false;
    // Why the approver signs in first: "protected_environment", "group_chat" (a link sent in a
    // group chat); empty when the link works without signing in.
    std::string sign_in_reason() const {
        if (protected_env) return "protected_environment";
        if (link.sign_in) return "group_chat";
        return {};
    }
};

namespace {

// Why a link does not work any more, in the words and codes of the API.
[[noreturn]] void refuse(domain::LinkState s, const domain::ActionLink& l) {
    switch (s) {
        case domain::LinkState::used:
            fail(Error::Gone("this approval link was used already (" + l.used_action + ")")
                     .with(codes::action_link_used, {{"action", l.used_action}}));
        case domain::LinkState::expired:
            fail(Error::Gone("this approval link expired at " + format_rfc3339(l.expires_at))
                     .with(codes::action_link_expired,
                           {{"expires_at", format_rfc3339(l.expires_at)}}));
        case domain::LinkState::superseded:
        case domain::LinkState::usable:
            break;
    }
    fail(Error::Conflict("this step no longer waits for the approver of this link")
             .with(codes::action_link_superseded));
}

// A protected environment, or a link from a group chat: the approver signs in first, as
// themselves.
void require_signed_in_as(const Caller& who, const Principal& approver, const std::string& why) {
    if (!who.principal)
        fail(Error::Unauthorized((why == "group_chat" ? "this link was sent to a group chat"
                                                      : "the environment is protected") +
                                 std::string(": sign in as ") + approver.username +
                                 " to decide through it")
                 .with(codes::action_link_sign_in_required,
                       {{"username", approver.username}, {"reason", why}}));
    if (who.user_id() != approver.user_id)
        fail(Error::Forbidden("this link is for " + approver.username)
                 .with(codes::action_link_other_user, {{"username", approver.username}}));
}

}  // namespace

ActionLinks::Approver ActionLinks::approver_of(const std::string& token) const {
    const TimeMs now = clock_.now_ms();
    return db_.read([&](storage::Connection& c) {
        auto found = storage::find_action_link(c, crypto::token_hash(token));
        if (!found)
            fail(Error::NotFound("no such approval link").with(codes::action_link_not_found));
        const auto state = domain::link_state(found->link, found->waiting, now);
        if (state != domain::LinkState::usable) refuse(state, found->link);
        auto user = storage::find_user(c, found->link.user_id);
        auto authz = storage::load_user_authz(c, found->link.user_id);
        // A disabled approver's links stop working with their account.
        if (!user || user->disabled || !authz) refuse(domain::LinkState::superseded, found->link);
        Approver a;
        a.link = found->link;
        a.principal.user_id = found->link.user_id;
        a.principal.username = authz->username;
        a.principal.display_name = authz->display_name;
        a.principal.roles = authz->roles;
        a.principal.permissions = authz->permissions;
        auto t = storage::find_ticket(c, found->link.ticket_id);
        if (t && t->environment) {
            auto env =
                storage::find_category(c, storage::CategoryKind::environment, *t->environment);
            a.protected_env = env && env->protected_env;
        }
        return a;
    });
}

LinkView ActionLinks::open(const Caller& who, const std::string& token) const {
    const Approver a = approver_of(token);
    LinkView v;
    v.link = a.link;
    v.approver = a.principal.username;
    v.sign_in_reason = a.sign_in_reason();
    v.sign_in_required = !v.sign_in_reason.empty();
    if (v.sign_in_required && who.user_id() != a.principal.user_id) return v;
    const Caller as_approver{&a.principal, who.address, who.request_id};
    v.ticket = tickets_.get(as_approver, a.link.ticket_id);
    if (v.ticket->ticket.template_snapshot) {
        try {
            v.preview = tickets_.execution_preview(as_approver, a.link.ticket_id);
        } catch (const ErrorException&) {
            // The command cannot be built any more (a chosen option was removed): the approver
            // still sees the ticket, and executing will say what is wrong.
        }
    }
    return v;
}

ActResult ActionLinks::decide(const Caller& who, const std::string& token,
                              const LinkDecision& d) const {
    const Approver a = approver_of(token);
    if (const std::string why = a.sign_in_reason(); !why.empty())
        require_signed_in_as(who, a.principal, why);
    const Caller as_approver{&a.principal, who.address, who.request_id};
    ActInput in;
    in.request.action = d.action;
    in.request.text = d.text;
    in.request.via = "link";
    const std::string action(domain::to_string(d.action));
    const TimeMs now = clock_.now_ms();
    in.in_transaction = [&](storage::Connection& c) {
        // Checked again under the ticket's lock: a second click, or someone deciding the step,
        // since the link was read above.
        auto found = storage::find_action_link(c, crypto::token_hash(token));
        if (!found)
            fail(Error::NotFound("no such approval link").with(codes::action_link_not_found));
        const auto state = domain::link_state(found->link, found->waiting, now);
        if (state != domain::LinkState::usable) refuse(state, found->link);
        if (!storage::use_action_link(c, found->link.id, action, now))
            refuse(domain::LinkState::used, found->link);
    };
    return tickets_.act(as_approver, a.link.ticket_id, in);
}

}  // namespace orderly::app
