#pragma once
// Tickets as readers see them: the node a ticket waits at, its timeline, and the rows of lists
// and searches (with the filter that selects them). Plain values: storage reads them, the HTTP
// layer renders them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace orderly::domain {

struct AssigneeView {
    int64_t user_id = 0;
    std::string username;
    std::string display_name;
    std::string state;  // domain::AssigneeState
};
// Names a ticket's readers need without permissions on the catalog: its service's (none when
// deleted), the service's catalog directories' (root first), its template's and environment's.
struct TicketNames {
    std::optional<std::string> service_name;
    std::vector<std::string> catalog_path;
    std::optional<std::string> template_name;
    std::optional<std::string> environment_name;
    bool environment_protected = false;
};

struct NodeView {
    int64_t activation_id = 0;
    std::string key;
    std::string name;
    std::string type;
    TimeMs entered_at = 0;
    std::vector<AssigneeView> assignees;
};

struct StepView {
    int64_t id = 0;
    std::optional<std::string> node_key;
    std::optional<std::string> node_name;
    std::string action;
    std::optional<std::string> actor;  // username; nullopt = the system
    std::optional<std::string> actor_name;
    std::string comment;
    std::optional<std::string> fields_json;
    std::optional<std::string> detail_json;
    TimeMs at = 0;
};

struct TicketFilter {
    std::string view = "mine";  // todo | mine | involved | all
    int64_t user_id = 0;        // the caller
    std::optional<std::string> status, environment, purpose, business, creator, q;
    std::optional<int64_t> service_id, template_id;
    std::optional<TimeMs> from, to;  // created_at, [from, to)
    int64_t before_id = 0;           // cursor: newest first, ids below this (0 = newest)
    int limit = 50;
};
struct TicketSummary {
    int64_t id = 0;
    std::string sn;
    std::string title;
    std::string status;
    std::optional<int64_t> service_id;
    std::optional<int64_t> template_id;
    std::optional<std::string> business, environment, purpose;
    std::string creator;
    std::string creator_name;
    std::optional<std::string> node_key, node_name, node_type;  // where it waits
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;
    std::optional<TimeMs> planned_start, planned_end;  // the change window, if any
    int64_t conflicts = 0;  // open tickets whose windows overlap this one's (same env/business)
};

}  // namespace orderly::domain
