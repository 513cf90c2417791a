#include "app/checks.h"

#include "core/codes.h"
#include "core/error.h"

namespace orderly::app {

void check_version(const std::optional<int64_t>& sent, int64_t current, const std::string& what) {
    if (sent && *sent != current)
        fail(Error::Conflict(what + " was changed by someone else (version " +
                             std::to_string(current) + ", you sent " + std::to_string(*sent) +
                             "); reload and try again")
                 .with(codes::request_version_conflict,
                       {{"what", what}, {"current", current}, {"sent", *sent}}));
}

Submitter submitter(const Principal& p) {
    Submitter s;
    s.user_id = p.user_id;
    s.username = p.username;
    s.roles = p.roles;
    s.admin = p.permissions.count("admin") > 0;
    s.ticket_submit = p.can("ticket.submit");
    return s;
}

}  // namespace orderly::app
