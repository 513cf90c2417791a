#pragma once
// The PostgreSQL driver's connection and statements: the SQL interface of storage/sql.h over
// libpq. Only the driver's own files (storage/postgres/) include this.
//
// Statements are written with SQLite's ?1, ?2 placeholders and translated to $1, $2 when
// prepared. Parameters travel in text format with their types (int8, float8, text; bytea in
// binary format); a NULL travels untyped. Since PostgreSQL cannot infer the type of a parameter
// that only appears as `?1 IS NULL`, a statement is prepared at its first execution, once the
// bound types are known, and cached per connection by SQL text and type signature (a NULL takes
// the type its parameter was last bound with; where that is unknown and the server cannot
// infer it either, the types that resolve the statement are tried in turn). Results come back
// in text format: integers are parsed, booleans read as 1/0, bytea is decoded from hex.
//
// Round trips. A connection sends statements in libpq's pipeline mode and waits for their
// results only when somebody needs one, so that several statements travel in one round trip:
// - a command without a result to read (BEGIN, SET LOCAL, SAVEPOINT, an advisory lock) is
//   queued and goes out with the next statement;
// - exec() queues its statement too: its failure, if any, is thrown by the next call that
//   waits (a step(), a column read, changes(), exec_checked(), exec_script(), the COMMIT). A
//   failed statement ends the transaction on PostgreSQL in any case, so the transaction fails
//   as it would have; only the line it is thrown from moves;
// - send() starts a SELECT ahead of its use: a later step() of the same SQL with the same
//   bindings, in the same transaction, reads its rows instead of running it again.
// pgbench on this driver's pattern (BEGIN, six primary-key SELECTs, COMMIT; 8 connections,
// 2 cores) ran 4x as many transactions a second in one round trip as in eight.
#include <libpq-fe.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/sql.h"

namespace orderly::storage::postgres {

// `sql` with ?N (and a bare ?) turned into $N outside string literals, quoted identifiers and
// comments; *params receives the highest parameter number.
std::string translate_placeholders(std::string_view sql, int* params);

// A libpq connection URI without its password (user:password@ or password=...).
std::string redact_password(std::string_view uri);

// The kind of failure a SQLSTATE stands for: class 23 constraint; 40001, 40P01, 55P03 busy;
// class 08 and the server shutting down (57P01-57P03) connection_lost; the rest other.
DbErrorKind kind_of(std::string_view sqlstate);

// A DbError that remembers the SQLSTATE it came from (empty when the connection broke).
class PgError : public DbError {
  public:
    PgError(DbErrorKind kind, std::string sqlstate, const std::string& msg)
        : DbError(kind, msg), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }

  private:
    std::string sqlstate_;
};

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

class PgConnection;

class PgStatement final : public StatementBackend {
  public:
    PgStatement(PgConnection& conn, std::string sql, int params)
        : conn_(conn), sql_(std::move(sql)), params_(params) {}

    void bind_int64(int i, int64_t v) override;
    void bind_real(int i, double v) override;
    void bind_text(int i, std::string_view v) override;
    void bind_blob(int i, const void* data, size_t n) override;
    void bind_null(int i) override;
    bool step() override;
    void exec() override;
    ExecResult exec_checked() override;
    void send() override;
    void reset() noexcept override;
    int64_t column_int64(int col) const override;
    double column_real(int col) const override;
    bool column_is_null(int col) const override;
    std::string_view column_text(int col) const override;
    std::string_view column_blob(int col) const override;

  private:
    struct Param {
        bool null = true;
        unsigned type = 0;  // an Oid; 0 lets the server decide
        bool binary = false;
        std::string value;
    };
    friend class PgConnection;
    Param& slot(int i);
    bool has_value(int col) const;
    // Waits for the result of a queued exec() (through the connection).
    void settle() const;
    // Runs the statement with the bound parameters and waits for its result (or takes the one
    // send() fetched); throws PgError on failure.
    void execute();
    // Queues the statement with the bound parameters; its result goes to *into (see
    // PgConnection::Pending).
    void queue(PgResult* into, uint64_t* ticket);
    const std::string& prepared_name();
    // Prepares sql_ as `name` with these parameter types; false (and the error in *error) when
    // the server cannot resolve them, the transaction left usable.
    bool try_prepare(const std::string& name, const std::vector<unsigned>& types,
                     std::exception_ptr* error);

    PgConnection& conn_;
    std::string sql_;  // with $N placeholders
    int params_;
    std::vector<Param> bound_;
    // The type each parameter was last bound with, for a NULL bound to it later.
    std::vector<unsigned> known_;
    // Prepared statement names by type signature (one letter per parameter).
    std::unordered_map<std::string, std::string> prepared_;
    PgResult result_;
    // Nonzero while result_ is still to come from a queued exec(): the ticket of that queue entry.
    uint64_t awaiting_ = 0;
    int row_ = -1;
    mutable std::vector<std::string> blobs_;  // decoded bytea of the current row, by column
    // What send() started: its bindings, the transaction it belongs to, and its result (still
    // to come while sent_ticket_ is nonzero).
    std::vector<Param> sent_params_;
    uint64_t sent_txn_ = 0;
    uint64_t sent_ticket_ = 0;
    PgResult sent_result_;
    bool sent_ = false;
};

class PgConnection final : public Connection {
  public:
    // Connects to the database the libpq URI names (UTF-8, UTC); throws PgError (connection_lost)
    // when it cannot.
    explicit PgConnection(const std::string& uri);
    ~PgConnection() override;

    // Sends what is queued first, then sql in the simple query protocol.
    void exec_script(const std::string& sql) override;
    int changes() override {
        flush();
        return changes_;
    }
    // Through the runner set_autonomous() gave; without one, inline.
    void run_autonomous(const std::function<void(Connection&)>& fn) override;
    // Where run_autonomous() runs its functions (the pool's side connection); must outlive
    // this connection.
    void set_autonomous(const std::function<void(const std::function<void(Connection&)>&)>* r) {
        autonomous_ = r;
    }

    PGconn* handle() { return conn_; }
    // True once the connection to the server is gone: discard it.
    bool broken() const { return PQstatus(conn_) == CONNECTION_BAD; }
    // False for an idle connection the server has closed (a restart, a terminated session):
    // looks at what arrived on its socket, without a round trip.
    bool alive();
    // Closes the connection now (its session ends, with the locks it holds); broken() after.
    void close() noexcept;
    // True while a transaction is open (also when it failed and awaits ROLLBACK), or while
    // commands are queued.
    bool in_transaction() const;

    // Queues a command without parameters whose result is only checked, or kept in *keep (which
    // must outlive the next flush()); it goes out with the next statement.
    void queue_command(const char* sql, PgResult* keep = nullptr);
    // Ends the implicit transaction of the commands queued before it (a command queued before
    // BEGIN would otherwise run in BEGIN's transaction); sent now, without waiting for anything.
    void queue_sync();
    // Queues BEGIN (`sql`) and starts a new transaction for send(): what was sent before it is
    // never read in it.
    void begin(const char* sql);
    // Sends everything queued and reads every result in one round trip. Throws the first
    // failure (PgError) once all are read; the results of the rest are then dropped.
    void flush();
    // Like flush(), but a failure is not thrown (before a ROLLBACK).
    void discard() noexcept;
    // Ends a read transaction without waiting: sends `commit` (and whatever is queued) now, and
    // leaves its result to be read with the next statements' (a failure of it is not thrown:
    // a read's COMMIT fails only with its connection, which they find). The connection counts
    // as out of its transaction meanwhile.
    void end_without_waiting(const char* commit);

    // Round trips to the server so far: flushes, simple queries and prepares. Each is also
    // added to *total when set_round_trip_total() gave one (the pool's sum).
    uint64_t round_trips() const { return round_trips_; }
    void set_round_trip_total(std::atomic<uint64_t>* total) { total_ = total; }
    uint64_t transaction() const { return txn_; }

    // Throws PgError for a failed result (or a null one: the connection broke).
    [[noreturn]] void throw_result(const PGresult* r, const char* what) const;
    // Checks a result: returns it when it succeeded, throws PgError otherwise.
    PgResult check(PGresult* r, const char* what) const;
    void note_changes(const PGresult* r);
    std::string next_statement_name() { return "orderly_" + std::to_string(++statements_); }
    void count_round_trip() {
        ++round_trips_;
        if (total_) total_->fetch_add(1, std::memory_order_relaxed);
    }
    // Enters pipeline mode when nothing is queued yet; flushes when the queue is long (a client
    // in blocking mode that sends without reading could fill both sockets' buffers).
    void before_queue();
    // Registers a queued statement whose result goes to *into once *ticket still matches.
    uint64_t add_pending(PgResult* into, uint64_t* ticket, const char* what);

  protected:
    StatementBackend& statement(std::string_view sql) override;

  private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    // A queued statement or command: its result goes to *into when *ticket still equals
    // `ticket` (a statement that was reset or run again since sets its ticket to 0 or a new
    // one), or to *keep for a command. Neither: the result is only checked.
    struct Pending {
        PgResult* into = nullptr;
        uint64_t* ticket_of = nullptr;
        uint64_t ticket = 0;
        const char* what = "exec";
        bool sync = false;
        bool quiet = false;  // a failure is not thrown (see end_without_waiting)
    };
    static constexpr size_t kMaxQueued = 64;
    PGconn* conn_ = nullptr;
    std::vector<Pending> pending_;
    uint64_t tickets_ = 0;
    uint64_t txn_ = 0;
    uint64_t round_trips_ = 0;
    bool ending_ = false;  // see end_without_waiting()
    std::atomic<uint64_t>* total_ = nullptr;
    const std::function<void(const std::function<void(Connection&)>&)>* autonomous_ = nullptr;
    int changes_ = 0;
    uint64_t statements_ = 0;
    std::unordered_map<std::string, std::unique_ptr<PgStatement>, Hash, std::equal_to<>> cache_;
};

}  // namespace orderly::storage::postgres
