#include "app/checks.h"

namespace orderly::app {

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
