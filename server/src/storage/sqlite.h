#pragma once
// A thin RAII layer over SQLite. Only files under storage/ include this header: SQL stays here.
//
// Threading: a Connection is used by one thread at a time. Database hands out the single writer
// connection under a mutex and reader connections from a small pool.
#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace orderly::storage {

// An SQLite failure that is not an expected outcome (constraint violations that the caller
// anticipates are reported through Stmt::step_checked instead).
class SqliteError : public std::runtime_error {
  public:
    SqliteError(int code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
    int code() const { return code_; }

  private:
    int code_;
};

class Connection;

// A cached prepared statement, borrowed for one use. The destructor resets it and clears its
// bindings, so a statement never stays active and pins the WAL.
class Stmt {
  public:
    Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
    ~Stmt();

    Stmt& bind(int i, int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
    Stmt& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
    Stmt& bind(int i, double v);
    Stmt& bind(int i, std::string_view v);
    Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Stmt& bind_blob(int i, const void* data, size_t n);
    Stmt& bind_null(int i);
    template <typename T>
    Stmt& bind(int i, const std::optional<T>& v) {
        if (v) return bind(i, *v);
        return bind_null(i);
    }

    // Returns true when a row is available, false when done. Throws SqliteError otherwise.
    bool step();
    // Like step() for a statement that returns no rows; returns the SQLite result code so the
    // caller can handle SQLITE_CONSTRAINT itself.
    int exec_checked();
    void exec();

    int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
    int integer(int col) const { return sqlite3_column_int(s_, col); }
    double real(int col) const { return sqlite3_column_double(s_, col); }
    bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::string text(int col) const;
    std::optional<std::string> opt_text(int col) const;
    std::optional<int64_t> opt_int64(int col) const;
    std::string blob(int col) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* s_;
};

class Connection {
  public:
    // Opens (creating if needed) and applies the pragmas every connection needs: WAL,
    // synchronous=FULL, foreign_keys=ON, busy_timeout.
    explicit Connection(const std::string& path, bool readonly = false);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Prepared statements are cached by SQL text for the connection's lifetime.
    Stmt prepare(std::string_view sql);
    // Runs one or more statements without results (migrations, pragmas).
    void exec_script(const std::string& sql);
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    sqlite3* raw() { return db_; }

  private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// The database: one writer connection (serialised by a mutex, every transaction BEGIN
// IMMEDIATE so that concurrent processes queue on busy_timeout instead of failing) and a pool of
// reader connections. Thread-safe.
class Database {
  public:
    Database(std::string path, int readers);
    ~Database();

    const std::string& path() const { return path_; }

    // Runs fn inside BEGIN IMMEDIATE ... COMMIT on the writer connection. Any exception rolls
    // back and propagates.
    template <typename F>
    auto write(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
        std::unique_lock lock(write_mu_);
        begin_immediate();
        try {
            if constexpr (std::is_void_v<decltype(fn(*writer_))>) {
                fn(*writer_);
                commit();
            } else {
                auto r = fn(*writer_);
                // A Result that failed rolls back too: one state change, one transaction.
                if constexpr (requires { r.ok(); }) {
                    if (!r.ok()) {
                        rollback();
                        return r;
                    }
                }
                commit();
                return r;
            }
        } catch (...) {
            rollback();
            throw;
        }
    }

    // Runs fn on a reader connection inside a read transaction (a consistent snapshot).
    template <typename F>
    auto read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
        Lease lease(*this);
        lease.conn->prepare("BEGIN").exec();
        try {
            if constexpr (std::is_void_v<decltype(fn(*lease.conn))>) {
                fn(*lease.conn);
                lease.conn->prepare("COMMIT").exec();
            } else {
                auto r = fn(*lease.conn);
                lease.conn->prepare("COMMIT").exec();
                return r;
            }
        } catch (...) {
            if (!sqlite3_get_autocommit(lease.conn->raw())) lease.conn->exec_script("ROLLBACK");
            throw;
        }
    }

    // Applies the embedded migrations that are newer than PRAGMA user_version, each in its own
    // transaction. Returns the resulting schema version.
    int migrate();
    int schema_version();
    // An online, consistent copy (VACUUM INTO) while others keep reading and writing.
    void backup_to(const std::string& dest);
    bool ping();

  private:
    struct Lease {
        explicit Lease(Database& d);
        ~Lease();
        Database& db;
        Connection* conn;
    };
    void begin_immediate();
    void commit();
    void rollback();

    std::string path_;
    std::mutex write_mu_;
    std::unique_ptr<Connection> writer_;
    std::mutex pool_mu_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<Connection>> readers_;
    std::vector<Connection*> free_;
};

// True when an exec_checked() code is a UNIQUE/PRIMARY KEY violation.
bool is_unique_violation(int rc);
bool is_foreign_key_violation(int rc);

}  // namespace orderly::storage
