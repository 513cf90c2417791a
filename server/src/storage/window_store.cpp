#include "storage/window_store.h"

#include "storage/dialect.h"

namespace orderly::storage {

namespace {

// The statuses a ticket can still move from (domain::is_terminal's complement).
#define ORDERLY_OPEN_TICKET(alias)                                                 \
    "(" alias ".status = 'in_progress' OR " alias ".status = 'approved' OR " alias \
    ".status = 'executing' OR " alias ".status = 'failed' OR " alias ".status = 'scheduled')"

// 1 when the reader may read ticket `alias`, else 0: the rule of can_read_ticket
// (ticket_store.cpp) in SQL. `all` is the parameter that is 1 when the reader reads every ticket,
// `reader` the one holding the reader's user id.
#define ORDERLY_MAY_READ_TICKET(alias, all, reader)                           \
    "CASE WHEN " all " = 1 OR " alias ".creator_id = " reader                 \
    " OR EXISTS (SELECT 1 FROM ticket_assignees a WHERE a.ticket_id = " alias \
    ".id AND a.user_id = " reader ") THEN 1 ELSE 0 END"

}  // namespace

std::optional<std::string> window_required_by(Connection& c, std::optional<int64_t> service_id,
                                              std::optional<int64_t> template_id) {
    if (service_id) {
        auto s = c.prepare(
            "SELECT sv.window_required, coalesce(tp.window_required, 0) FROM services sv "
            "LEFT JOIN templates tp ON tp.id = sv.template_id WHERE sv.id = ?1");
        s.bind(1, *service_id);
        if (s.step()) {
            if (s.int64(0) != 0) return "service";
            if (s.int64(1) != 0) return "template";
        }
        return std::nullopt;
    }
    if (template_id) {
        auto s = c.prepare("SELECT window_required FROM templates WHERE id = ?1");
        s.bind(1, *template_id);
        if (s.step() && s.int64(0) != 0) return "template";
    }
    return std::nullopt;
}

void save_ticket_window(Connection& c, int64_t ticket_id,
                        const std::optional<domain::ChangeWindow>& w) {
    auto s = c.prepare("UPDATE tickets SET planned_start = ?2, planned_end = ?3 WHERE id = ?1");
    s.bind(1, ticket_id);
    s.bind(2, w ? std::optional(w->start) : std::nullopt);
    s.bind(3, w ? std::optional(w->end) : std::nullopt).exec();
}

std::optional<TimeMs> next_window_due(Connection& c) {
    auto s = c.prepare("SELECT min(run_at) FROM tickets WHERE run_at IS NOT NULL");
    if (!s.step()) return std::nullopt;
    return s.opt_int64(0);
}

std::optional<int64_t> claim_due_ticket(Connection& c, TimeMs now) {
    auto s = c.prepare(std::string("SELECT id FROM tickets WHERE run_at IS NOT NULL AND "
                                   "run_at <= ?1 ORDER BY run_at, id LIMIT 1") +
                       c.dialect().skip_locked_rows());
    s.bind(1, now);
    if (!s.step()) return std::nullopt;
    const int64_t id = s.int64(0);
    while (s.step()) {
    }
    return id;
}

void clear_window_due(Connection& c, int64_t ticket_id) {
    auto s = c.prepare("UPDATE tickets SET run_at = NULL WHERE id = ?1");
    s.bind(1, ticket_id).exec();
}

std::vector<domain::WindowConflict> window_conflicts(Connection& c, int64_t ticket_id,
                                                     const domain::ChangeWindow& w,
                                                     const std::optional<std::string>& environment,
                                                     const std::optional<std::string>& business,
                                                     int64_t reader, bool read_all, int limit) {
    std::vector<domain::WindowConflict> out;
    if (!environment && !business) return out;
    auto s = c.prepare(
        "SELECT t.id, t.sn, t.title, t.status, t.planned_start, t.planned_end, "
        ORDERLY_MAY_READ_TICKET("t", "?7", "?8") " FROM tickets t "
        "WHERE t.planned_start IS NOT NULL AND t.id != ?1 AND t.planned_start < ?3 AND "
        "t.planned_end > ?2 AND (t.environment = CAST(?4 AS TEXT) OR "
        "t.business = CAST(?5 AS TEXT)) AND " ORDERLY_OPEN_TICKET(
            "t") " ORDER BY t.planned_start, t.id LIMIT ?6");
    s.bind(1, ticket_id).bind(2, w.start).bind(3, w.end).bind(4, environment).bind(5, business);
    s.bind(6, static_cast<int64_t>(limit)).bind(7, int64_t{read_all ? 1 : 0}).bind(8, reader);
    while (s.step()) {
        domain::WindowConflict x;
        x.restricted = s.int64(6) == 0;
        if (!x.restricted) {
            x.id = s.int64(0);
            x.sn = s.text(1);
            x.title = s.text(2);
        }
        x.status = s.text(3);
        x.window = {s.int64(4), s.int64(5)};
        out.push_back(std::move(x));
    }
    return out;
}

void defer_window_due(Connection& c, int64_t ticket_id, TimeMs at) {
    c.prepare("UPDATE tickets SET run_at = ?2 WHERE id = ?1").bind(1, ticket_id).bind(2, at).exec();
}

int release_held_tickets(Connection& c, TimeMs now) {
    c.prepare(
         "UPDATE tickets SET run_at = ?1 WHERE status = 'scheduled' AND run_at > ?1 AND "
         "planned_start <= ?1")
        .bind(1, now)
        .exec();
    return c.changes();
}

std::vector<PlannedTicket> planned_tickets(Connection& c, TimeMs from, TimeMs to,
                                           const std::optional<std::string>& environment, int limit,
                                           int64_t user_id, bool read_all) {
    auto s = c.prepare(
        "SELECT t.id, t.sn, t.title, t.status, t.environment, t.planned_start, t.planned_end, "
        ORDERLY_MAY_READ_TICKET("t", "?6", "?5") " FROM tickets t "
        "WHERE t.planned_start IS NOT NULL AND t.planned_start < ?2 AND t.planned_end > ?1 AND "
        "(CAST(?3 AS TEXT) IS NULL OR t.environment = CAST(?3 AS TEXT)) "
        "ORDER BY t.planned_start, t.id LIMIT ?4");
    s.bind(1, from).bind(2, to).bind(3, environment).bind(4, static_cast<int64_t>(limit));
    s.bind(5, user_id).bind(6, int64_t{read_all ? 1 : 0});
    std::vector<PlannedTicket> out;
    while (s.step()) {
        PlannedTicket t;
        t.id = s.int64(0);
        t.sn = s.text(1);
        t.title = s.text(2);
        t.status = s.text(3);
        t.environment = s.opt_text(4);
        t.start = s.int64(5);
        t.end = s.int64(6);
        t.readable = s.int64(7) != 0;
        out.push_back(std::move(t));
    }
    return out;
}

std::vector<std::pair<int64_t, int64_t>> window_conflict_counts(Connection& c,
                                                                const std::vector<int64_t>& ids) {
    std::vector<std::pair<int64_t, int64_t>> out;
    if (ids.empty()) return out;
    std::string in;
    for (size_t i = 0; i < ids.size(); ++i) in += (i ? ", ?" : "?") + std::to_string(i + 1);
    auto s = c.prepare(
        "SELECT a.id, count(*) FROM tickets a JOIN tickets b ON b.id != a.id AND "
        "b.planned_start IS NOT NULL AND b.planned_start < a.planned_end AND "
        "b.planned_end > a.planned_start AND (b.environment = a.environment OR "
        "b.business = a.business) AND " ORDERLY_OPEN_TICKET("b") " WHERE a.planned_start IS NOT "
        "NULL AND a.id IN (" + in + ") GROUP BY a.id");
    for (size_t i = 0; i < ids.size(); ++i) s.bind(static_cast<int>(i + 1), ids[i]);
    while (s.step()) out.emplace_back(s.int64(0), s.int64(1));
    return out;
}

}  // namespace orderly::storage
