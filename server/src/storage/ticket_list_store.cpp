// SQL for lists and searches of tickets (GET /tickets, /todo): the filter as a WHERE clause,
// walked newest first, through the full-text index when there are search words.
#include <string>
#include <vector>

#include "domain/ticket_search.h"
#include "storage/ticket_store.h"

namespace orderly::storage {

namespace {

// Which tickets a view shows the caller.
std::string view_condition(const TicketFilter& f, SqlParams& p) {
    if (f.view == "todo") {
        // A running execution waits for nobody.
        return " AND t.id IN (SELECT ticket_id FROM ticket_assignees WHERE user_id = " +
               p.add(f.user_id) + " AND state = 'pending') AND t.status != 'executing'";
    }
    if (f.view == "mine") return " AND t.creator_id = " + p.add(f.user_id);
    if (f.view == "involved") {
        const std::string me = p.add(f.user_id);
        return " AND (t.creator_id = " + me +
               " OR t.id IN (SELECT ticket_id FROM ticket_assignees WHERE user_id = " + me + "))";
    }
    return std::string();
}

// The filter's members but the cursor and the search words.
std::string filter_conditions(const TicketFilter& f, SqlParams& p) {
    std::string where = view_condition(f, p);
    if (f.status) where += " AND t.status = " + p.add(*f.status);
    if (f.environment) where += " AND t.environment = " + p.add(*f.environment);
    if (f.purpose) where += " AND t.purpose = " + p.add(*f.purpose);
    if (f.business) where += " AND t.business = " + p.add(*f.business);
    if (f.service_id) where += " AND t.service_id = " + p.add(*f.service_id);
    if (f.template_id) where += " AND t.template_id = " + p.add(*f.template_id);
    if (f.creator)
        where +=
            " AND t.creator_id = (SELECT id FROM users WHERE username = " + p.add(*f.creator) + ")";
    if (f.from) where += " AND t.created_at >= " + p.add(*f.from);
    if (f.to) where += " AND t.created_at < " + p.add(*f.to);
    return where;
}

TicketSummary summary_from(Stmt& s) {
    TicketSummary t;
    t.id = s.int64(0);
    t.sn = s.text(1);
    t.title = s.text(2);
    t.status = s.text(3);
    t.service_id = s.opt_int64(4);
    t.template_id = s.opt_int64(5);
    t.business = s.opt_text(6);
    t.environment = s.opt_text(7);
    t.purpose = s.opt_text(8);
    t.creator = s.text(9);
    t.creator_name = s.text(10);
    t.node_key = s.opt_text(11);
    t.node_name = s.opt_text(12);
    t.node_type = s.opt_text(13);
    t.created_at = s.int64(14);
    t.updated_at = s.int64(15);
    t.version = s.int64(16);
    t.planned_start = s.opt_int64(17);
    t.planned_end = s.opt_int64(18);
    return t;
}

}  // namespace

std::vector<TicketSummary> list_tickets(Connection& c, const TicketFilter& f) {
    SqlParams p;
    std::string where = " WHERE 1 = 1" + filter_conditions(f, p);
    // A search walks the full-text index newest first (the dialect's id orders by it), checking
    // the other filters on the way: a common word costs no more than a rare one.
    const std::string match =
        f.q ? c.dialect().full_text_query(domain::search_terms(*f.q)) : std::string();
    TicketSearchSql search{"tickets t", "t.id", ""};
    if (!match.empty()) search = c.dialect().ticket_search(p.add(match));
    if (f.before_id > 0) where += " AND " + search.id + " < " + p.add(f.before_id);
    if (!match.empty()) where += " AND " + search.condition;
    // The limit is written into the text (a number the API bounds), not passed as a parameter:
    // PostgreSQL plans a parameter's LIMIT as a tenth of the rows, rates that generic plan dearer
    // than one made for the values, and then plans the statement again on every call.
    const std::string sql =
        "SELECT t.id, t.sn, t.title, t.status, t.service_id, t.template_id, t.business, "
        "t.environment, t.purpose, u.username, u.display_name, n.node_key, n.node_name, "
        "n.node_type, t.created_at, t.updated_at, t.version, t.planned_start, t.planned_end "
        "FROM " +
        search.from +
        " JOIN users u ON u.id = t.creator_id "
        "LEFT JOIN ticket_nodes n ON n.ticket_id = t.id AND n.state = 'active'" +
        where + " ORDER BY " + search.id + " DESC LIMIT " + std::to_string(f.limit);
    auto s = c.prepare(sql);
    p.bind(s);
    std::vector<TicketSummary> out;
    while (s.step()) out.push_back(summary_from(s));
    return out;
}

}  // namespace orderly::storage
