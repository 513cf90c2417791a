#include "storage/postgres/connection.h"

#include <poll.h>

#include <charconv>
#include <cstring>

#include "storage/postgres/dialect.h"

namespace orderly::storage::postgres {

namespace {

// Type Oids of the parameters this driver binds (pg_type.dat).
constexpr unsigned kInt8 = 20;
constexpr unsigned kText = 25;
constexpr unsigned kFloat8 = 701;
constexpr unsigned kBytea = 17;

// The savepoint exec_checked() sets inside a transaction, so that a refused statement leaves
// the transaction usable (PostgreSQL aborts the whole transaction on any error otherwise).
constexpr const char* kSetCheckedSavepoint = "SAVEPOINT orderly_checked";
constexpr const char* kReleaseCheckedSavepoint = "RELEASE SAVEPOINT orderly_checked";
constexpr const char* kUndoCheckedStatement =
    "ROLLBACK TO SAVEPOINT orderly_checked; RELEASE SAVEPOINT orderly_checked";

bool is_digit(char ch) {
    return ch >= '0' && ch <= '9';
}

// The end of the quoted run that starts at i (a string literal or quoted identifier; a doubled
// quote stays inside it).
size_t skip_quoted(std::string_view sql, size_t i) {
    const char q = sql[i];
    for (size_t j = i + 1; j < sql.size(); ++j) {
        if (sql[j] != q) continue;
        if (j + 1 < sql.size() && sql[j + 1] == q) {
            ++j;
            continue;
        }
        return j + 1;
    }
    return sql.size();
}

void ignore_notice(void*, const char*) {}

}  // namespace

std::string translate_placeholders(std::string_view sql, int* params) {
    std::string out;
    out.reserve(sql.size() + 8);
    int highest = 0;
    size_t i = 0;
    while (i < sql.size()) {
        const char ch = sql[i];
        size_t end = i + 1;
        if (ch == '\'' || ch == '"') {
            end = skip_quoted(sql, i);
        } else if (ch == '-' && sql.substr(i, 2) == "--") {
            end = sql.find('\n', i);
            end = end == std::string_view::npos ? sql.size() : end;
        } else if (ch == '/' && sql.substr(i, 2) == "/*") {
            end = sql.find("*/", i + 2);
            end = end == std::string_view::npos ? sql.size() : end + 2;
        } else if (ch == '?') {
            size_t j = i + 1;
            while (j < sql.size() && is_digit(sql[j])) ++j;
            int n = highest + 1;  // a bare ? takes the next number, as in SQLite
            if (j > i + 1) std::from_chars(sql.data() + i + 1, sql.data() + j, n);
            highest = std::max(highest, n);
            out += '$';
            out += std::to_string(n);
            i = j;
            continue;
        }
        out.append(sql.substr(i, end - i));
        i = end;
    }
    *params = highest;
    return out;
}

std::string redact_password(std::string_view uri) {
    std::string out(uri);
    const size_t scheme = out.find("://");
    if (scheme != std::string::npos) {
        const size_t start = scheme + 3;
        const size_t authority_end = std::min(out.find('/', start), out.find('?', start));
        const size_t at = out.rfind('@', authority_end);
        if (at != std::string::npos && at >= start) {
            const size_t colon = out.find(':', start);
            if (colon < at) out.erase(colon, at - colon);
        }
    }
    // password=... as a URI query parameter or a key=value setting.
    for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=")) {
        const bool first = p == 0 || out[p - 1] == '?' || out[p - 1] == ' ';
        size_t end = out.find_first_of("& ", p);
        if (end == std::string::npos) end = out.size();
        if (end < out.size() && first) ++end;  // drop the separator after it
        const size_t begin = (!first && p > 0) ? p - 1 : p;
        out.erase(begin, end - begin);
    }
    while (!out.empty() && (out.back() == '?' || out.back() == '&' || out.back() == ' '))
        out.pop_back();
    return out;
}

DbErrorKind kind_of(std::string_view sqlstate) {
    if (sqlstate.size() != 5) return DbErrorKind::other;
    if (sqlstate.substr(0, 2) == "23") return DbErrorKind::constraint;
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return DbErrorKind::busy;
    if (sqlstate.substr(0, 2) == "08" || sqlstate == "57P01" || sqlstate == "57P02" ||
        sqlstate == "57P03")
        return DbErrorKind::connection_lost;
    return DbErrorKind::other;
}

// ---- PgStatement ----

PgStatement::Param& PgStatement::slot(int i) {
    if (i < 1 || i > params_)
        throw DbError(DbErrorKind::other,
                      "bind: the statement has no parameter ?" + std::to_string(i) + ": " + sql_);
    if (bound_.size() < static_cast<size_t>(params_)) bound_.resize(params_);
    return bound_[i - 1];
}

void PgStatement::bind_int64(int i, int64_t v) {
    auto& p = slot(i);
    p = {false, kInt8, false, std::to_string(v)};
}
void PgStatement::bind_real(int i, double v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // the shortest form that reads back as v
    auto& p = slot(i);
    p = {false, kFloat8, false, std::string(buf, r.ptr)};
}
void PgStatement::bind_text(int i, std::string_view v) {
    auto& p = slot(i);
    p = {false, kText, false, std::string(v)};
}
void PgStatement::bind_blob(int i, const void* data, size_t n) {
    auto& p = slot(i);
    p = {false, kBytea, true, std::string(static_cast<const char*>(data), n)};
}
void PgStatement::bind_null(int i) {
    slot(i) = Param{};
}

namespace {
char type_letter(unsigned type) {
    return type == kInt8     ? 'i'
           : type == kFloat8 ? 'd'
           : type == kText   ? 't'
           : type == kBytea  ? 'b'
                             : 'n';
}
}  // namespace

const std::string& PgStatement::prepared_name() {
    if (known_.size() < static_cast<size_t>(params_)) known_.resize(params_, 0);
    std::vector<unsigned> types(params_, 0);
    bool untyped_null = false;
    for (int k = 0; k < params_; ++k) {
        if (!bound_[k].null) known_[k] = bound_[k].type;
        types[k] = bound_[k].null ? known_[k] : bound_[k].type;
        untyped_null |= types[k] == 0;
    }
    std::string signature(params_, 'n');
    for (int k = 0; k < params_; ++k) signature[k] = type_letter(types[k]);
    auto it = prepared_.find(signature);
    if (it != prepared_.end()) return it->second;
    // Preparing waits for its answer: what is queued goes first.
    conn_.flush();
    std::string name = conn_.next_statement_name();
    if (!untyped_null) {
        conn_.count_round_trip();
        conn_.check(PQprepare(conn_.handle(), name.c_str(), sql_.c_str(), params_, types.data()),
                    "prepare");
        return prepared_.emplace(std::move(signature), std::move(name)).first->second;
    }
    // A NULL of a parameter never bound otherwise: the server infers its type from where it
    // stands, except in `?1 IS NULL`; there any type that resolves the statement will do, the
    // value being NULL.
    std::exception_ptr first;
    for (unsigned guess : {0u, kInt8, kText, kFloat8, kBytea}) {
        std::vector<unsigned> tried = types;
        for (auto& t : tried)
            if (t == 0) t = guess;
        std::exception_ptr error;
        if (try_prepare(name, tried, &error))
            return prepared_.emplace(std::move(signature), std::move(name)).first->second;
        if (!first) first = error;
    }
    std::rethrow_exception(first);
}

bool PgStatement::try_prepare(const std::string& name, const std::vector<unsigned>& types,
                              std::exception_ptr* error) {
    const bool savepoint = conn_.in_transaction();
    if (savepoint) conn_.exec_script("SAVEPOINT orderly_prepare");
    try {
        conn_.count_round_trip();
        conn_.check(PQprepare(conn_.handle(), name.c_str(), sql_.c_str(), params_, types.data()),
                    "prepare");
    } catch (const PgError& e) {
        // 42P08 and 42P18: a parameter's type cannot be determined; 42883 no such operator,
        // 42804 type mismatch: another type may do. Anything else fails the statement.
        const std::string& s = e.sqlstate();
        if (s != "42P08" && s != "42P18" && s != "42883" && s != "42804") throw;
        if (savepoint)
            conn_.exec_script(
                "ROLLBACK TO SAVEPOINT orderly_prepare; RELEASE SAVEPOINT orderly_prepare");
        *error = std::current_exception();
        return false;
    }
    if (savepoint) conn_.exec_script("RELEASE SAVEPOINT orderly_prepare");
    return true;
}

void PgStatement::queue(PgResult* into, uint64_t* ticket) {
    if (bound_.size() < static_cast<size_t>(params_)) bound_.resize(params_);
    const std::string& name = prepared_name();  // may wait: a first use prepares
    std::vector<const char*> values(params_);
    std::vector<int> lengths(params_);
    std::vector<int> formats(params_);
    for (int k = 0; k < params_; ++k) {
        const Param& p = bound_[k];
        values[k] = p.null ? nullptr : p.value.c_str();
        lengths[k] = static_cast<int>(p.value.size());
        formats[k] = p.binary ? 1 : 0;
    }
    conn_.before_queue();
    if (PQsendQueryPrepared(conn_.handle(), name.c_str(), params_, values.data(), lengths.data(),
                            formats.data(), 0) != 1)
        conn_.throw_result(nullptr, "exec");
    *ticket = conn_.add_pending(into, ticket, "exec");
}

void PgStatement::execute() {
    result_.reset();
    awaiting_ = 0;
    row_ = -1;
    blobs_.clear();
    if (bound_.size() < static_cast<size_t>(params_)) bound_.resize(params_);
    if (sent_) {
        // What send() started, if it is this transaction's and bound the same.
        sent_ = false;
        const auto same = [](const Param& a, const Param& b) {
            return a.null == b.null && a.type == b.type && a.binary == b.binary &&
                   a.value == b.value;
        };
        if (sent_txn_ == conn_.transaction() && std::equal(sent_params_.begin(), sent_params_.end(),
                                                           bound_.begin(), bound_.end(), same)) {
            if (sent_ticket_) conn_.flush();
            if (sent_result_) {
                result_ = std::move(sent_result_);
                return;
            }
        }
        sent_ticket_ = 0;
        sent_result_.reset();
    }
    queue(&result_, &awaiting_);
    conn_.flush();
}

void PgStatement::send() {
    if (bound_.size() < static_cast<size_t>(params_)) bound_.resize(params_);
    sent_params_ = bound_;
    sent_txn_ = conn_.transaction();
    sent_ticket_ = 0;  // an earlier send's result is not this one's
    sent_result_.reset();
    sent_ = true;
    queue(&sent_result_, &sent_ticket_);
}

void PgStatement::settle() const {
    if (awaiting_) conn_.flush();
}

bool PgStatement::step() {
    settle();
    if (!result_) execute();
    blobs_.clear();
    ++row_;
    return row_ < PQntuples(result_.get());
}

void PgStatement::exec() {
    result_.reset();
    awaiting_ = 0;  // an earlier run's result is not this one's
    blobs_.clear();
    queue(&result_, &awaiting_);
    row_ = 0;  // as after SQLite's one step: a RETURNING row can be read (once it came)
}

ExecResult PgStatement::exec_checked() {
    // A failure of a statement queued before this one is that statement's, not this one's.
    conn_.flush();
    const bool savepoint = conn_.in_transaction();
    if (savepoint) conn_.queue_command(kSetCheckedSavepoint);
    try {
        execute();
    } catch (const PgError& e) {
        if (e.kind() != DbErrorKind::constraint) throw;
        if (savepoint) conn_.exec_script(kUndoCheckedStatement);
        const std::string& s = e.sqlstate();
        if (s == "23505") return ExecResult::unique_violation;
        if (s == "23503") return ExecResult::foreign_key_violation;
        if (s == "23514") return ExecResult::check_violation;
        return ExecResult::other_constraint;
    }
    // Goes out with the next statement.
    if (savepoint) conn_.queue_command(kReleaseCheckedSavepoint);
    row_ = 0;  // as after SQLite's one step: a RETURNING row can be read
    return ExecResult::ok;
}

void PgStatement::reset() noexcept {
    result_.reset();
    awaiting_ = 0;
    row_ = -1;
    blobs_.clear();
    bound_.clear();
}

bool PgStatement::has_value(int col) const {
    settle();
    // Like SQLite, a column read without a row (or past the last column) reads as NULL.
    return result_ && row_ >= 0 && row_ < PQntuples(result_.get()) && col >= 0 &&
           col < PQnfields(result_.get()) && !PQgetisnull(result_.get(), row_, col);
}

int64_t PgStatement::column_int64(int col) const {
    if (!has_value(col)) return 0;
    const char* v = PQgetvalue(result_.get(), row_, col);
    if (v[0] == 't' && v[1] == '\0') return 1;  // a boolean, as SQLite gives it
    int64_t out = 0;
    std::from_chars(v, v + std::strlen(v), out);  // "12.5" (numeric) reads as 12
    return out;
}

double PgStatement::column_real(int col) const {
    if (!has_value(col)) return 0;
    const char* v = PQgetvalue(result_.get(), row_, col);
    double out = 0;
    std::from_chars(v, v + std::strlen(v), out);
    return out;
}

bool PgStatement::column_is_null(int col) const {
    return !has_value(col);
}

std::string_view PgStatement::column_text(int col) const {
    if (!has_value(col)) return {};
    return {PQgetvalue(result_.get(), row_, col),
            static_cast<size_t>(PQgetlength(result_.get(), row_, col))};
}

std::string_view PgStatement::column_blob(int col) const {
    if (!has_value(col)) return {};
    if (blobs_.size() <= static_cast<size_t>(col)) blobs_.resize(col + 1);
    size_t n = 0;
    unsigned char* raw = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, col)), &n);
    if (!raw) throw DbError(DbErrorKind::other, "cannot decode a bytea column");
    blobs_[col].assign(reinterpret_cast<const char*>(raw), n);
    PQfreemem(raw);
    return blobs_[col];
}

// ---- PgConnection ----

PgConnection::PgConnection(const std::string& uri)
    : Connection(redact_password(uri), postgres_dialect()) {
    // Defaults before the URI (dbname, expanded), which may override them; the encoding after.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding",
                          nullptr};
    const char* values[] = {"10", "orderly", uri.c_str(), "UTF8", nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
        while (!msg.empty() && msg.back() == '\n') msg.pop_back();
        if (conn_) PQfinish(conn_);
        conn_ = nullptr;
        throw PgError(DbErrorKind::connection_lost, "",
                      "cannot connect to the database " + path() + ": " + msg);
    }
    // NOTICEs ("... does not exist, skipping") would go to stderr otherwise.
    PQsetNoticeProcessor(conn_, &ignore_notice, nullptr);
    exec_script("SET TIME ZONE 'UTC'");
}

void PgConnection::run_autonomous(const std::function<void(Connection&)>& fn) {
    if (autonomous_)
        (*autonomous_)(fn);
    else
        fn(*this);
}

PgConnection::~PgConnection() {
    pending_.clear();
    cache_.clear();
    if (conn_) PQfinish(conn_);
}

bool PgConnection::alive() {
    // A server that ends the session sends an error (which libpq takes for a notice on an idle
    // connection) and closes the socket: a second read finds the end of the stream.
    for (int reads = 0; reads < 4 && !broken(); ++reads) {
        pollfd p{PQsocket(conn_), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return true;  // nothing (more) arrived: as alive as can be told
        if (PQconsumeInput(conn_) != 1) return false;
    }
    return !broken();
}

void PgConnection::close() noexcept {
    pending_.clear();
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
}

bool PgConnection::in_transaction() const {
    if (ending_) return false;
    if (!pending_.empty()) return true;
    const auto s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

void PgConnection::throw_result(const PGresult* r, const char* what) const {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = r ? PQresultErrorMessage(r) : "";
    if (msg.empty()) msg = PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    DbErrorKind kind = broken() ? DbErrorKind::connection_lost : kind_of(state ? state : "");
    throw PgError(kind, state ? state : "", std::string(what) + ": " + msg);
}

PgResult PgConnection::check(PGresult* r, const char* what) const {
    PgResult owned(r);
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_result(r, what);
    return owned;
}

void PgConnection::note_changes(const PGresult* r) {
    // Only INSERT, UPDATE, DELETE and MERGE count, as with sqlite3_changes().
    const char* status = PQcmdStatus(const_cast<PGresult*>(r));
    if (std::strncmp(status, "INSERT", 6) != 0 && std::strncmp(status, "UPDATE", 6) != 0 &&
        std::strncmp(status, "DELETE", 6) != 0 && std::strncmp(status, "MERGE", 5) != 0)
        return;
    const char* n = PQcmdTuples(const_cast<PGresult*>(r));
    changes_ = 0;
    std::from_chars(n, n + std::strlen(n), changes_);
}

void PgConnection::exec_script(const std::string& sql) {
    flush();
    // The simple query protocol: several statements, no parameters, no results kept.
    count_round_trip();
    PgResult r(PQexec(conn_, sql.c_str()));
    check(r.release(), "exec");
}

void PgConnection::before_queue() {
    if (pending_.size() >= kMaxQueued) flush();
    ending_ = false;
    if (pending_.empty() && PQpipelineStatus(conn_) == PQ_PIPELINE_OFF &&
        PQenterPipelineMode(conn_) != 1)
        throw_result(nullptr, "pipeline");
}

uint64_t PgConnection::add_pending(PgResult* into, uint64_t* ticket, const char* what) {
    pending_.push_back({into, ticket, ++tickets_, what});
    return tickets_;
}

void PgConnection::queue_command(const char* sql, PgResult* keep) {
    before_queue();
    if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
        throw_result(nullptr, sql);
    pending_.push_back({keep, nullptr, 0, sql});
}

void PgConnection::queue_sync() {
    before_queue();
    if (PQpipelineSync(conn_) != 1) throw_result(nullptr, "pipeline");
    pending_.push_back({nullptr, nullptr, 0, "pipeline sync", true});
}

void PgConnection::begin(const char* sql) {
    ++txn_;
    queue_command(sql);
}

void PgConnection::flush() {
    if (pending_.empty()) return;
    count_round_trip();
    std::exception_ptr failure;
    auto fail_with = [&](const PGresult* r, const char* what) {
        if (failure) return;
        try {
            throw_result(r, what);
        } catch (const PgError&) {
            failure = std::current_exception();
        }
    };
    // The batch ends with a sync, which sends it (end_without_waiting() sent one already).
    if (!pending_.back().sync) {
        if (PQpipelineSync(conn_) != 1) fail_with(nullptr, "pipeline");
        pending_.push_back({nullptr, nullptr, 0, "pipeline sync", true});
    }
    std::vector<Pending> batch;
    batch.swap(pending_);
    ending_ = false;
    // Each entry's result, then the NULL that ends it; a sync's result alone.
    for (const Pending& p : batch) {
        if (broken()) break;
        PgResult r(PQgetResult(conn_));
        if (!r) {
            fail_with(nullptr, p.what);
            break;
        }
        const auto status = PQresultStatus(r.get());
        if (p.sync) {
            if (status != PGRES_PIPELINE_SYNC) fail_with(r.get(), p.what);
            continue;
        }
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            note_changes(r.get());
            if (p.ticket_of) {
                if (*p.ticket_of == p.ticket) {
                    *p.ticket_of = 0;
                    *p.into = std::move(r);
                }
            } else if (p.into) {
                *p.into = std::move(r);
            }
        } else if (status != PGRES_PIPELINE_ABORTED && !p.quiet) {
            fail_with(r.get(), p.what);
        }
        while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    }
    for (const Pending& p : batch)
        if (p.ticket_of && *p.ticket_of == p.ticket) *p.ticket_of = 0;
    if (broken())
        fail_with(nullptr, "exec");
    else if (PQexitPipelineMode(conn_) != 1)
        fail_with(nullptr, "pipeline");
    if (failure) std::rethrow_exception(failure);
}

void PgConnection::end_without_waiting(const char* commit) {
    queue_command(commit);
    // A read's COMMIT cannot fail but with its connection, which the next statements find.
    pending_.back().quiet = true;
    queue_sync();
    ending_ = true;
}

void PgConnection::discard() noexcept {
    try {
        flush();
    } catch (const std::exception&) {
        // The caller rolls back, or drops a broken connection.
    }
}

StatementBackend& PgConnection::statement(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return *it->second;
    int params = 0;
    std::string translated = translate_placeholders(sql, &params);
    auto owned = std::make_unique<PgStatement>(*this, std::move(translated), params);
    auto& ref = *owned;
    cache_.emplace(std::string(sql), std::move(owned));
    return ref;
}

}  // namespace orderly::storage::postgres
