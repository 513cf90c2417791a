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
#include <libpq-fe.h>

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
    Param& slot(int i);
    bool has_value(int col) const;
    // Runs the statement with the bound parameters; throws PgError on failure.
    void execute();
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
    int row_ = -1;
    mutable std::vector<std::string> blobs_;  // decoded bytea of the current row, by column
};

class PgConnection final : public Connection {
  public:
    // Connects to the database the libpq URI names (UTF-8, UTC); throws PgError (connection_lost)
    // when it cannot.
    explicit PgConnection(const std::string& uri);
    ~PgConnection() override;

    void exec_script(const std::string& sql) override;
    int changes() const override { return changes_; }
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
    // True while a transaction is open (also when it failed and awaits ROLLBACK).
    bool in_transaction() const;

    // Throws PgError for a failed result (or a null one: the connection broke).
    [[noreturn]] void throw_result(const PGresult* r, const char* what) const;
    // Checks a result: returns it when it succeeded, throws PgError otherwise.
    PgResult check(PGresult* r, const char* what) const;
    void note_changes(const PGresult* r);
    std::string next_statement_name() { return "orderly_" + std::to_string(++statements_); }

  protected:
    StatementBackend& statement(std::string_view sql) override;

  private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    PGconn* conn_ = nullptr;
    const std::function<void(const std::function<void(Connection&)>&)>* autonomous_ = nullptr;
    int changes_ = 0;
    uint64_t statements_ = 0;
    std::unordered_map<std::string, std::unique_ptr<PgStatement>, Hash, std::equal_to<>> cache_;
};

}  // namespace orderly::storage::postgres
