#include "storage/execution_store.h"

#include <algorithm>

#include "core/codes.h"
#include "core/json.h"
#include "domain/execution.h"

namespace orderly::storage {

namespace {

constexpr const char* kCols =
    "e.id, e.ticket_id, e.ticket_sn, e.ticket_creator_id, e.template_id, e.template_name, "
    "e.environment, e.executed_by, COALESCE(u.username, ''), COALESCE(u.display_name, ''), "
    "e.status, e.argv_json, e.variables_json, e.timeout_s, e.exit_code, e.signal, e.message, "
    "e.queued_at, e.started_at, e.finished_at, e.log_size, e.log_dropped, e.owner, "
    "e.heartbeat_at, e.pgid, e.run_token, e.cancel_requested_at, e.cancel_requested_by, "
    "COALESCE(cu.username, ''), e.lease_until";
constexpr const char* kFrom =
    " FROM executions e LEFT JOIN users u ON u.id = e.executed_by "
    "LEFT JOIN users cu ON cu.id = e.cancel_requested_by";

ExecutionRow read_row(Stmt& s) {
    ExecutionRow e;
    e.id = s.int64(0);
    e.ticket_id = s.int64(1);
    e.ticket_sn = s.text(2);
    e.ticket_creator_id = s.opt_int64(3);
    e.template_id = s.opt_int64(4);
    e.template_name = s.text(5);
    e.environment = s.text(6);
    e.executed_by = s.opt_int64(7);
    e.executed_by_username = s.text(8);
    e.executed_by_display_name = s.text(9);
    e.status = s.text(10);
    e.argv_json = s.opt_text(11);
    e.variables_json = s.text(12);
    e.timeout_s = s.opt_int64(13);
    e.exit_code = s.opt_int64(14);
    e.signal = s.opt_int64(15);
    e.message = s.text(16);
    e.queued_at = s.int64(17);
    e.started_at = s.opt_int64(18);
    e.finished_at = s.opt_int64(19);
    e.log_size = s.int64(20);
    e.log_dropped = s.int64(21);
    e.owner = s.opt_text(22);
    e.heartbeat_at = s.opt_int64(23);
    e.pgid = s.opt_int64(24);
    e.run_token = s.opt_text(25);
    e.cancel_requested_at = s.opt_int64(26);
    e.cancel_requested_by = s.opt_int64(27);
    e.cancel_requested_by_username = s.text(28);
    e.lease_until = s.opt_int64(29);
    return e;
}

std::string select_sql(const std::string& where_and_order) {
    return std::string("SELECT ") + kCols + kFrom + " " + where_and_order;
}

// The "name" of a template snapshot (a JSON object), or "" when it has none.
std::string snapshot_name(const std::optional<std::string>& snapshot) {
    if (!snapshot) return std::string();
    json::Document d;
    d.Parse(snapshot->data(), snapshot->size());
    if (d.HasParseError() || !d.IsObject()) return std::string();
    return json::get_string(d, "name").value_or(std::string());
}

bool is_json(const std::string& text) {
    json::Document d;
    d.Parse(text.data(), text.size());
    return !d.HasParseError();
}

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

int64_t insert_execution(Connection& c, const NewExecution& e) {
    auto s = c.prepare(
        "INSERT INTO executions (ticket_id, ticket_sn, ticket_creator_id, template_id, "
        "template_name, environment, executed_by, variables_json, status, queued_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9) RETURNING id");
    s.bind(1, e.ticket_id)
        .bind(2, e.ticket_sn)
        .bind(3, e.ticket_creator_id)
        .bind(4, e.template_id)
        .bind(5, e.template_name)
        .bind(6, e.environment)
        .bind(7, e.executed_by)
        .bind(8, e.variables_json.empty() ? std::string("{}") : e.variables_json)
        .bind(9, e.queued_at);
    return inserted_id(std::move(s));
}

int64_t enqueue_execution(Connection& c, int64_t ticket_id, int64_t user_id, TimeMs now) {
    NewExecution e;
    {
        // The template's name is read from the snapshot, so that the history shows the name the
        // template had when the ticket was submitted.
        auto s = c.prepare(
            "SELECT sn, creator_id, template_id, COALESCE(environment, ''), template_snapshot, "
            "variables FROM tickets WHERE id = ?1");
        s.bind(1, ticket_id);
        if (!s.step())
            fail(Error::NotFound("no ticket with id " + std::to_string(ticket_id))
                     .with(codes::ticket_not_found, {{"id", ticket_id}}));
        e.ticket_sn = s.text(0);
        e.ticket_creator_id = s.opt_int64(1);
        e.template_id = s.opt_int64(2);
        e.environment = s.text(3);
        e.template_name = snapshot_name(s.opt_text(4));
        e.variables_json = s.text(5);
        if (!is_json(e.variables_json)) e.variables_json = "{}";
    }
    e.ticket_id = ticket_id;
    e.executed_by = user_id;
    e.queued_at = now;
    return insert_execution(c, e);
}

std::optional<TicketSnapshot> find_ticket_snapshot(Connection& c, int64_t ticket_id) {
    auto s = c.prepare(
        "SELECT COALESCE(template_snapshot, ''), COALESCE(environment, ''), variables "
        "FROM tickets WHERE id = ?1");
    s.bind(1, ticket_id);
    if (!s.step()) return std::nullopt;
    return TicketSnapshot{s.text(0), s.text(1), s.text(2)};
}

std::optional<ExecutionRow> find_execution(Connection& c, int64_t id) {
    auto s = c.prepare(select_sql("WHERE e.id = ?1"));
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

std::optional<ExecutionRow> claim_next_execution(Connection& c, const std::string& owner,
                                                 const std::string& run_token, TimeMs now,
                                                 std::optional<TimeMs> lease_until) {
    // One statement: the row changes from queued to running only if it still is queued. On
    // SQLite the single-writer transaction makes the pick and the change atomic across
    // processes; on PostgreSQL the pick locks its row and passes over rows other claimers hold
    // (and a row claimed meanwhile no longer matches when it is locked).
    auto s = c.prepare(
        std::string("UPDATE executions SET status = 'running', owner = ?1, run_token = ?2, "
                    "started_at = ?3, heartbeat_at = ?3, lease_until = ?4 "
                    "WHERE id = (SELECT id FROM executions WHERE status = 'queued' "
                    "ORDER BY id LIMIT 1") +
        c.dialect().skip_locked_rows() + ") AND status = 'queued' RETURNING id");
    s.bind(1, owner).bind(2, run_token).bind(3, now).bind(4, lease_until);
    if (!s.step()) return std::nullopt;
    int64_t id = s.int64(0);
    while (s.step()) {
    }
    return find_execution(c, id);
}

bool holds_execution(Connection& c, const ExecutionClaim& claim, int64_t id) {
    auto s = c.prepare(std::string("SELECT id FROM executions WHERE id = ?1 AND status = "
                                   "'running' AND owner = ?2 AND run_token = ?3") +
                       c.dialect().lock_rows());
    s.bind(1, id).bind(2, claim.owner).bind(3, claim.run_token);
    bool held = s.step();
    while (s.step()) {
    }
    return held;
}

void lock_execution(Connection& c, int64_t id) {
    auto s =
        c.prepare(std::string("SELECT id FROM executions WHERE id = ?1") + c.dialect().lock_rows());
    s.bind(1, id);
    while (s.step()) {
    }
}

void set_execution_started(Connection& c, int64_t id, const std::string& argv_json,
                           const std::string& variables_json, int64_t timeout_s) {
    auto s = c.prepare(
        "UPDATE executions SET argv_json = ?1, variables_json = ?2, timeout_s = ?3 WHERE id = ?4");
    s.bind(1, argv_json).bind(2, variables_json).bind(3, timeout_s).bind(4, id);
    s.exec();
}

void set_execution_pgid(Connection& c, int64_t id, int64_t pgid) {
    auto s = c.prepare("UPDATE executions SET pgid = ?1 WHERE id = ?2");
    s.bind(1, pgid).bind(2, id);
    s.exec();
}

int64_t append_execution_log(Connection& c, int64_t id, int64_t offset, std::string_view data,
                             int64_t dropped_total) {
    auto u = c.prepare(
        "UPDATE executions SET log_size = log_size + ?1, log_dropped = ?2 "
        "WHERE id = ?3 AND log_size = ?4");
    u.bind(1, static_cast<int64_t>(data.size())).bind(2, dropped_total).bind(3, id).bind(4, offset);
    u.exec();
    if (c.changes() != 1)
        throw DbError(DbErrorKind::constraint, "execution " + std::to_string(id) +
                                                   ": log chunk at offset " +
                                                   std::to_string(offset) + " is not at the end");
    if (!data.empty()) {
        auto s = c.prepare(
            "INSERT INTO execution_logs (execution_id, \"offset\", data) VALUES (?1, ?2, ?3)");
        s.bind(1, id).bind(2, offset).bind_blob(3, data.data(), data.size());
        s.exec();
        c.dialect().announce_log_change(c, id);
    }
    return offset + static_cast<int64_t>(data.size());
}

bool finish_execution(Connection& c, int64_t id, const ExecutionEnd& end, TimeMs now) {
    auto s = c.prepare(
        "UPDATE executions SET status = ?1, exit_code = ?2, signal = ?3, message = ?4, "
        "finished_at = ?5 WHERE id = ?6 AND status IN ('queued', 'running')");
    s.bind(1, end.status)
        .bind(2, end.exit_code)
        .bind(3, end.signal)
        .bind(4, end.message)
        .bind(5, now)
        .bind(6, id);
    s.exec();
    if (c.changes() != 1) return false;
    c.dialect().announce_log_change(c, id);
    return true;
}

bool request_execution_cancel(Connection& c, int64_t id, int64_t user_id, TimeMs now) {
    auto s = c.prepare(
        "UPDATE executions SET cancel_requested_at = COALESCE(cancel_requested_at, ?1), "
        "cancel_requested_by = COALESCE(cancel_requested_by, ?2) "
        "WHERE id = ?3 AND status = 'running'");
    s.bind(1, now).bind(2, user_id).bind(3, id);
    s.exec();
    return c.changes() == 1;
}

std::vector<int64_t> cancel_requested_executions(Connection& c, const std::string& owner) {
    auto s = c.prepare(
        "SELECT id FROM executions WHERE status = 'running' AND owner = ?1 "
        "AND cancel_requested_at IS NOT NULL");
    s.bind(1, owner);
    std::vector<int64_t> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
}

std::vector<int64_t> heartbeat_executions(Connection& c, const std::string& owner, TimeMs now,
                                          std::optional<TimeMs> lease_until) {
    auto s = c.prepare(
        "UPDATE executions SET heartbeat_at = ?1, lease_until = ?3 "
        "WHERE status = 'running' AND owner = ?2 RETURNING id");
    s.bind(1, now).bind(2, owner).bind(3, lease_until);
    std::vector<int64_t> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
}

std::vector<ExecutionRow> running_executions(Connection& c) {
    auto s = c.prepare(select_sql("WHERE e.status = 'running' ORDER BY e.id"));
    std::vector<ExecutionRow> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

int64_t count_executions(Connection& c, const std::string& status) {
    auto s = c.prepare("SELECT COUNT(*) FROM executions WHERE status = ?1");
    s.bind(1, status);
    s.step();
    return s.int64(0);
}

std::vector<ExecutionRow> list_executions(Connection& c, const ExecutionFilter& f) {
    // One statement; an absent filter is a NULL parameter that matches everything.
    auto s = c.prepare(
        select_sql("WHERE (CAST(?1 AS BIGINT) IS NULL OR e.ticket_id = ?1) "
                   "AND (CAST(?2 AS BIGINT) IS NULL OR e.template_id = ?2) "
                   "AND (CAST(?3 AS TEXT) IS NULL OR e.environment = ?3) "
                   "AND (CAST(?4 AS TEXT) IS NULL OR e.status = ?4) "
                   "AND (CAST(?5 AS BIGINT) IS NULL OR e.executed_by = ?5) "
                   "AND (CAST(?6 AS BIGINT) IS NULL OR e.queued_at >= ?6) "
                   "AND (CAST(?7 AS BIGINT) IS NULL OR e.queued_at < ?7) "
                   "AND (CAST(?8 AS BIGINT) IS NULL OR e.executed_by = ?8 "
                   "     OR e.ticket_creator_id = ?8 OR EXISTS "
                   "(SELECT 1 FROM ticket_assignees a WHERE a.ticket_id = e.ticket_id AND "
                   "a.user_id = ?8)) "
                   "AND (CAST(?9 AS BIGINT) = 0 OR e.id < ?9) ORDER BY e.id DESC LIMIT ?10"));
    s.bind(1, f.ticket_id)
        .bind(2, f.template_id)
        .bind(3, f.environment)
        .bind(4, f.status)
        .bind(5, f.executed_by)
        .bind(6, f.from)
        .bind(7, f.to)
        .bind(8, f.visible_to)
        .bind(9, f.before_id)
        .bind(10, static_cast<int64_t>(f.limit));
    std::vector<ExecutionRow> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

LogSlice read_execution_log(Connection& c, int64_t id, int64_t offset, int64_t log_size,
                            size_t max_bytes) {
    LogSlice out;
    out.log_size = log_size;
    out.offset = offset;
    if (offset >= log_size) return out;
    // Read one character more than asked (up to 3 bytes), to find where the last whole one ends,
    // and a few bytes before the offset are not needed: chunks are joined in order.
    const int64_t want_end =
        std::min<int64_t>(log_size, offset + static_cast<int64_t>(max_bytes) + 3);
    auto s = c.prepare(
        "SELECT \"offset\", data FROM execution_logs WHERE execution_id = ?1 "
        "AND \"offset\" >= COALESCE((SELECT MAX(\"offset\") FROM execution_logs "
        "                        WHERE execution_id = ?1 AND \"offset\" <= ?2), 0) "
        "AND \"offset\" < ?3 ORDER BY \"offset\"");
    s.bind(1, id).bind(2, offset).bind(3, want_end);
    std::string buf;
    int64_t buf_start = -1;
    while (s.step()) {
        int64_t chunk_off = s.int64(0);
        std::string data = s.blob(1);
        if (buf_start < 0) buf_start = chunk_off;
        buf += data;
    }
    if (buf_start < 0 || buf_start > offset) return out;  // no chunk covers offset (not written)
    size_t from = static_cast<size_t>(offset - buf_start);
    size_t end = std::min(buf.size(), static_cast<size_t>(want_end - buf_start));
    // An offset inside a character moves forward to the next character.
    while (from < end && is_continuation(buf[from])) ++from;
    size_t stop = std::min(end, from + max_bytes);
    // Never end inside a character: back off to the start of the one that is cut.
    if (stop < buf.size() && stop > from) {
        size_t k = stop;
        while (k > from && is_continuation(buf[k])) --k;
        stop = k;
    }
    out.offset = buf_start + static_cast<int64_t>(from);
    out.data = buf.substr(from, stop - from);
    return out;
}

namespace {
// Built once: a ticket read asks for it on every request, and the statement cache answers a
// text it saw at the same address without hashing it.
const std::string& ticket_executions_sql() {
    static const std::string sql = select_sql("WHERE e.ticket_id = ?1 ORDER BY e.id");
    return sql;
}
}  // namespace

void send_ticket_executions(Connection& c, int64_t ticket_id) {
    c.prepare(ticket_executions_sql()).bind(1, ticket_id).send();
}

std::vector<ExecutionRow> list_ticket_executions(Connection& c, int64_t ticket_id) {
    auto s = c.prepare(ticket_executions_sql());
    s.bind(1, ticket_id);
    std::vector<ExecutionRow> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

}  // namespace orderly::storage
