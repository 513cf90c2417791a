#pragma once
// One-click approval links: what a link is bound to, and whether it may still decide. A link is
// minted for one approver of one activation of an approval node; it is used once, expires, and
// is dead as soon as that activation no longer waits for that approver (decided by anyone,
// withdrawn, transferred away). Pure: storage reads the rows, app acts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace orderly::domain {

struct ActionLink {
    int64_t id = 0;
    int64_t ticket_id = 0;
    int64_t node_id = 0;  // the activation (ticket_nodes.id)
    int64_t user_id = 0;  // the approver it was sent to
    TimeMs created_at = 0;
    TimeMs expires_at = 0;
    std::optional<TimeMs> used_at;
    std::string used_action;  // "approve" | "reject" once used
    // Sent in a group chat, where everyone in the chat sees it: it works only for its approver,
    // signed in. A link in the approver's own email works without signing in.
    bool sign_in = false;
};

// A link minted for a notification: the secret that goes into the message (never stored) and
// its hash (stored).
struct MintedLink {
    std::string token;
    std::string token_hash;
};

enum class LinkState {
    usable,
    used,        // decided through this link already
    expired,     // past expires_at
    superseded,  // the activation no longer waits for this approver
};
std::string_view to_string(LinkState s);

// Used beats expired beats superseded: the approver learns what happened to their own link
// first. `waiting`: the activation is active and the approver's row in it is still pending.
LinkState link_state(const ActionLink& link, bool waiting, TimeMs now);

// "<base_url>/act/<token>", without a doubled slash.
std::string action_url(std::string_view base_url, std::string_view token);

}  // namespace orderly::domain
