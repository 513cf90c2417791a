// SQL for the append-only audit log.
#include "storage/accounts_store.h"

namespace orderly::storage {

// ---- audit

void append_audit(Connection& c, const domain::AuditEvent& e) {
    auto s = c.prepare(
        "INSERT INTO audit_events (at, actor, action, object_type, object_id, summary, "
        "before_json, "
        "after_json, address, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.bind(1, e.at)
        .bind(2, e.actor)
        .bind(3, e.action)
        .bind(4, e.object_type)
        .bind(5, e.object_id)
        .bind(6, e.summary)
        .bind(7, e.before_json)
        .bind(8, e.after_json)
        .bind(9, e.address)
        .bind(10, e.request_id)
        .exec();
}

std::vector<domain::AuditEvent> list_audit(Connection& c, const AuditFilter& f) {
    // One statement with optional filters: "?n IS NULL OR column = ?n" (the cast tells
    // engines that infer parameter types what ?n is).
    auto s = c.prepare(
        "SELECT a.id, a.at, a.actor, a.action, a.object_type, a.object_id, a.summary, "
        "a.before_json, a.after_json, a.address, a.request_id, u.display_name "
        "FROM audit_events a LEFT JOIN users u ON u.username = a.actor WHERE a.id < ?1 "
        "AND (CAST(?2 AS TEXT) IS NULL OR a.actor = ?2) "
        "AND (CAST(?3 AS TEXT) IS NULL OR a.action = ?3) "
        "AND (CAST(?4 AS TEXT) IS NULL OR a.object_type = ?4) "
        "AND (CAST(?5 AS TEXT) IS NULL OR a.object_id = ?5) "
        "AND (CAST(?6 AS BIGINT) IS NULL OR a.at >= ?6) "
        "AND (CAST(?7 AS BIGINT) IS NULL OR a.at < ?7) ORDER BY a.id DESC LIMIT ?8");
    s.bind(1, f.before_id > 0 ? f.before_id : INT64_MAX)
        .bind(2, f.actor)
        .bind(3, f.action)
        .bind(4, f.object_type)
        .bind(5, f.object_id)
        .bind(6, f.from)
        .bind(7, f.to)
        .bind(8, f.limit);
    std::vector<domain::AuditEvent> out;
    while (s.step()) {
        domain::AuditEvent e;
        e.id = s.int64(0);
        e.at = s.int64(1);
        e.actor = s.opt_text(2);
        e.action = s.text(3);
        e.object_type = s.text(4);
        e.object_id = s.text(5);
        e.summary = s.text(6);
        e.before_json = s.opt_text(7);
        e.after_json = s.opt_text(8);
        e.address = s.text(9);
        e.request_id = s.text(10);
        if (auto name = s.opt_text(11); name && !name->empty()) e.actor_name = std::move(name);
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace orderly::storage
