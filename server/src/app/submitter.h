#pragma once
// Who submits a ticket or a task template: what the submit rules look at, taken from the
// authenticated caller by the HTTP layer.
#include <cstdint>
#include <string>
#include <vector>

namespace orderly::app {

struct Submitter {
    int64_t user_id = 0;
    std::string username;
    std::vector<std::string> roles;
    bool admin = false;          // holds every permission, so may submit anything
    bool ticket_submit = false;  // holds the ticket.submit permission (always true for admin)
};

}  // namespace orderly::app
