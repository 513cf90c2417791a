#pragma once
// A thin RAII layer over SQLite. Only files under storage/ include this header: SQL stays here.
//
// Threading: a Connection is used by one thread at a time. Database hands out the single writer
// connection under a mutex and reader connections from a small pool.
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace orderly::storage {

// The kind of failure an SQLite result code (primary or extended) stands for: BUSY and LOCKED
// are busy, CONSTRAINT is constraint, the rest other.
StorageFailure classify_sqlite_code(int code);

// An SQLite failure that is not an expected outcome (constraint violations that the caller
// anticipates are reported through Stmt::step_checked instead). Classified by its code once,
// here: the HTTP layer answers a busy one with 503 without knowing SQLite.
class SqliteError : public StorageError {
  public:
    SqliteError(int code, const std::string& msg)
        : StorageError(classify_sqlite_code(code), msg), code_(code) {}
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

class Database;
namespace detail {
struct ReadState {
    const Database* db = nullptr;
    Connection* conn = nullptr;
};
}  // namespace detail

// The database: one writer connection (serialised by a mutex, every transaction BEGIN
// IMMEDIATE so that concurrent processes queue on busy_timeout instead of failing) and a pool of
// reader connections. Thread-safe.
class Database {
  public:
    Database(std::string path, int readers);
    ~Database();

    const std::string& path() const { return path_; }

    // Runs fn inside BEGIN IMMEDIATE ... COMMIT on the writer connection and returns once the
    // change is durable. Any exception (or a Result that is not ok) undoes fn's changes and
    // propagates.
    //
    // Group commit: while one batch commits, the writes that arrive queue up, and the next
    // batch runs them in one transaction, each inside its own savepoint, with one fsync for all.
    // A failing fn rolls back to its savepoint and leaves the others of its batch untouched;
    // nobody hears of success before the commit that makes their change durable.
    template <typename F>
    auto write(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
        using R = decltype(fn(std::declval<Connection&>()));
        if constexpr (std::is_void_v<R>) {
            run_write([&](Connection& c) {
                fn(c);
                return true;
            });
        } else {
            std::optional<R> out;
            run_write([&](Connection& c) {
                out.emplace(fn(c));
                // A Result that failed rolls back too: one state change, one transaction.
                if constexpr (requires { out->ok(); }) return static_cast<bool>(out->ok());
                return true;
            });
            return std::move(*out);
        }
    }

    // Runs fn on a reader connection inside a read transaction (a consistent snapshot). A read
    // inside another read of the same thread joins the open transaction: a request that checks
    // its token and then reads the resource pays for one snapshot, not two.
    template <typename F>
    auto read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
        if (tl_read_.db == this) return fn(*tl_read_.conn);
        Lease lease(*this);
        ReadScope scope(this, lease.conn);
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

    // Write transactions asked for (write() calls) and durable commits that carried them: the
    // difference is what group commit saved. Both per process, since start.
    struct WriteStats {
        uint64_t writes = 0;
        uint64_t commits = 0;
    };
    WriteStats write_stats() const {
        return {writes_.load(std::memory_order_relaxed), commits_.load(std::memory_order_relaxed)};
    }

  private:
    struct Lease {
        explicit Lease(Database& d);
        ~Lease();
        Database& db;
        Connection* conn;
    };
    // The read transaction this thread has open, if any (see read()).
    static inline thread_local detail::ReadState tl_read_{};
    struct ReadScope {
        ReadScope(const Database* db, Connection* conn) : saved(tl_read_) { tl_read_ = {db, conn}; }
        ~ReadScope() { tl_read_ = saved; }
        ReadScope(const ReadScope&) = delete;
        ReadScope& operator=(const ReadScope&) = delete;
        detail::ReadState saved;
    };
    using WriteFn = std::function<bool(Connection&)>;
    struct WriteJob {
        const WriteFn* fn;
        std::exception_ptr error;
        bool done = false;
        std::condition_variable wake;
        bool lead = false;  // handed the lead by the previous leader
    };
    void run_write(const WriteFn& fn);
    void run_batch(const std::vector<WriteJob*>& batch);
    void begin_immediate();
    void commit();
    void rollback();

    std::string path_;
    std::mutex write_mu_;  // the writer connection
    std::mutex queue_mu_;  // pending_ and leader_
    std::condition_variable queue_cv_;
    std::deque<WriteJob*> pending_;
    bool leader_ = false;
    std::atomic<uint64_t> writes_{0};
    std::atomic<uint64_t> commits_{0};
    std::unique_ptr<Connection> writer_;
    // Checkpoints run on their own thread and connection, so a commit never waits for the WAL
    // to be copied into the database file (SQLite's automatic checkpoint would run inside the
    // commit that crosses the threshold, and every write queued behind it would wait).
    static int on_wal_commit(void* self, sqlite3* db, const char* name, int frames);
    void checkpoint_loop();
    std::unique_ptr<Connection> checkpointer_;
    std::thread checkpoint_thread_;
    std::mutex checkpoint_mu_;
    std::condition_variable checkpoint_cv_;
    bool checkpoint_due_ = false;
    bool stopping_ = false;
    std::mutex pool_mu_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<Connection>> readers_;
    std::vector<Connection*> free_;
};

// True when an exec_checked() code is a UNIQUE/PRIMARY KEY violation.
bool is_unique_violation(int rc);
bool is_foreign_key_violation(int rc);

}  // namespace orderly::storage
