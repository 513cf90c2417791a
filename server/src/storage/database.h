#pragma once
// The database as the rest of the server sees it: read and write transactions, migrations,
// backups, health, whatever the driver behind it. A driver (DatabaseDriver) owns the
// connections and decides how transactions run; storage/sqlite/ is the SQLite one.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "storage/sql.h"

namespace orderly::storage {

// A non-owning reference to a callable, for calls that do not keep it past their return (no
// allocation, unlike std::function).
template <typename Sig>
class FunctionRef;
template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
  public:
    template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>) FunctionRef(
        F& f)  // NOLINT(google-explicit-constructor): passed where a callable is expected
        : obj_(static_cast<void*>(&f)), call_([](void* o, Args... a) -> R {
              return (*static_cast<F*>(o))(std::forward<Args>(a)...);
          }) {}
    R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

  private:
    void* obj_;
    R (*call_)(void*, Args...);
};

// Write transactions asked for (write() calls) and durable commits that carried them: the
// difference is what group commit saved. Both per process, since start.
struct WriteStats {
    uint64_t writes = 0;
    uint64_t commits = 0;
};

// A pool of connections to a database server, now: the connections open (idle or in use), and
// the transactions waiting for one because all are in use.
struct PoolStats {
    int open = 0;
    int waiting = 0;
};

// What a database engine provides behind Database. Thread-safe.
class DatabaseDriver {
  public:
    virtual ~DatabaseDriver() = default;
    // Runs fn in a write transaction and returns once its change is durable. fn returning false
    // or throwing undoes its changes (the exception propagates). A driver may run fn more than
    // once (retrying a serialization failure) and on another thread than the caller's.
    virtual void write(FunctionRef<bool(Connection&)> fn) = 0;
    // Runs fn in a read transaction (one consistent snapshot). An exception propagates.
    virtual void read(FunctionRef<void(Connection&)> fn) = 0;
    // Applies embedded_migrations(dialect().name()) newer than the database's version.
    virtual int migrate() = 0;
    // The schema version, read on c (a connection of this driver in a read transaction).
    virtual int schema_version(Connection& c) = 0;
    virtual void backup_to(const std::string& dest) = 0;
    virtual bool ping() = 0;
    virtual WriteStats write_stats() const = 0;
    // Requests this process sent to a database server and waited for the answer of, since
    // start (several statements may travel in one); 0 for an embedded engine.
    virtual uint64_t round_trips() const { return 0; }
    // The pool of connections to a database server; zeros for an embedded engine.
    virtual PoolStats pool_stats() const { return {}; }
    // True when transactions wait on a server across a network (round trips), false for an
    // engine in this process.
    virtual bool remote() const { return false; }
    virtual const Dialect& dialect() const = 0;
};

class Database;
namespace detail {
struct ReadState {
    const Database* db = nullptr;
    Connection* conn = nullptr;
};
}  // namespace detail

// The database. Thread-safe.
class Database {
  public:
    // Opens the database that path names with its driver (an SQLite file: storage/sqlite/,
    // a pool of readers of that size besides the writer).
    Database(std::string path, int readers);
    // A database served by the given driver.
    Database(std::string path, std::unique_ptr<DatabaseDriver> driver);
    ~Database();

    const std::string& path() const { return path_; }
    const Dialect& dialect() const { return driver_->dialect(); }

    // Runs fn in one write transaction and returns once the change is durable. Any exception
    // (or a Result that is not ok) undoes fn's changes and propagates.
    //
    // On SQLite, with group commit: while one batch commits, the writes that arrive queue up,
    // and the next batch runs them in one transaction, each inside its own savepoint, with one
    // fsync for all. A failing fn rolls back to its savepoint and leaves the others of its
    // batch untouched; nobody hears of success before the commit that makes their change
    // durable. So fn must not rely on which thread runs it, must not call write() itself, and
    // leaves side effects to the caller after write() returns (a driver may also run it again).
    template <typename F>
    auto write(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
        using R = decltype(fn(std::declval<Connection&>()));
        if constexpr (std::is_void_v<R>) {
            auto job = [&](Connection& c) {
                ReadScope no_read(nullptr, nullptr);
                fn(c);
                return true;
            };
            driver_->write(job);
        } else {
            std::optional<R> out;
            auto job = [&](Connection& c) {
                ReadScope no_read(nullptr, nullptr);
                out.emplace(fn(c));
                // A Result that failed rolls back too: one state change, one transaction.
                if constexpr (requires { out->ok(); }) return static_cast<bool>(out->ok());
                return true;
            };
            driver_->write(job);
            return std::move(*out);
        }
    }

    // Runs fn on a reader connection inside a read transaction (a consistent snapshot). A read
    // inside another read of the same thread joins the open transaction: a request that checks
    // its token and then reads the resource pays for one snapshot, not two.
    template <typename F>
    auto read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
        if (tl_read_.db == this) return fn(*tl_read_.conn);
        using R = decltype(fn(std::declval<Connection&>()));
        if constexpr (std::is_void_v<R>) {
            auto job = [&](Connection& c) {
                ReadScope scope(this, &c);
                fn(c);
            };
            driver_->read(job);
        } else {
            std::optional<R> out;
            auto job = [&](Connection& c) {
                ReadScope scope(this, &c);
                out.emplace(fn(c));
            };
            driver_->read(job);
            return std::move(*out);
        }
    }

    // Applies the embedded migrations that are newer than the database's schema version, each
    // in its own transaction. Returns the resulting schema version.
    int migrate() { return driver_->migrate(); }
    int schema_version();
    // An online, consistent copy while others keep reading and writing.
    void backup_to(const std::string& dest) { driver_->backup_to(dest); }
    bool ping() { return driver_->ping(); }

    using WriteStats = storage::WriteStats;
    WriteStats write_stats() const { return driver_->write_stats(); }
    uint64_t round_trips() const { return driver_->round_trips(); }
    PoolStats pool_stats() const { return driver_->pool_stats(); }
    bool remote() const { return driver_->remote(); }

  private:
    // The read transaction this thread has open, if any (see read()). A write's fn runs
    // outside it: the jobs of a batch are other threads' work.
    static inline thread_local detail::ReadState tl_read_{};
    struct ReadScope {
        ReadScope(const Database* db, Connection* conn) : saved(tl_read_) { tl_read_ = {db, conn}; }
        ~ReadScope() { tl_read_ = saved; }
        ReadScope(const ReadScope&) = delete;
        ReadScope& operator=(const ReadScope&) = delete;
        detail::ReadState saved;
    };

    std::string path_;
    std::unique_ptr<DatabaseDriver> driver_;
};

}  // namespace orderly::storage
