#pragma once
// One-click approval links (domain/action_link.h): stored by the hash of their token, read back
// with whether their activation still waits for their approver, and used once.
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "domain/action_link.h"
#include "storage/sql.h"

namespace orderly::storage {

// `sign_in`: the link is for a group chat (domain::ActionLink::sign_in).
void insert_action_link(Connection& c, const std::string& token_hash, int64_t ticket_id,
                        int64_t node_id, int64_t user_id, TimeMs created_at, TimeMs expires_at,
                        bool sign_in = false);

struct FoundLink {
    domain::ActionLink link;
    // The activation is active and the approver's row in it is still pending.
    bool waiting = false;
};
std::optional<FoundLink> find_action_link(Connection& c, const std::string& token_hash);

// Marks the link used by `action` ("approve" | "reject"); false when it was used meanwhile (the
// caller's transaction then decides nothing).
bool use_action_link(Connection& c, int64_t link_id, const std::string& action, TimeMs now);

}  // namespace orderly::storage
