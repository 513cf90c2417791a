#include "storage/postgres/database.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "storage/postgres/connection.h"
#include "storage/postgres/dialect.h"

namespace orderly::storage::postgres {

namespace {

// The key of the advisory lock that serialises migrations across processes ("orderly" in hex).
constexpr int64_t kMigrationLock = 0x6f7264657260;
// The key of the advisory lock writes take turns with ("orderly-w"): every write holds it
// shared; a write that collided runs again holding it alone (see write()).
constexpr int64_t kWriteTurnLock = 0x6f7264657260 + 1;

// Writes run at REPEATABLE READ: every statement of fn sees one snapshot, as in SQLite's
// transaction, and a row changed by a concurrent transaction since that snapshot makes the
// UPDATE fail with 40001 instead of silently overwriting it (READ COMMITTED would lose the
// update of a read-modify-write written for SQLite's single writer); the driver retries fn. Write
// skew between transactions that change different rows is not detected (SERIALIZABLE would);
// rules that span rows are unique indexes or row locks (SELECT ... FOR UPDATE).
// A write left idle for 10 s (its node frozen or cut off in the middle of it) is ended by the
// server, with its session: a lost node cannot keep holding the rows it locked, e.g. keep other
// nodes from marking its executions interrupted (see app/execution_engine.h). Writes never wait
// on anything but the database that long.
constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL REPEATABLE READ";
constexpr const char* kWriteIdleTimeout = "SET LOCAL idle_in_transaction_session_timeout = '10s'";
// The write-turn lock, shared and alone (the key is kWriteTurnLock).
constexpr const char* kTakeTurn = "SELECT pg_advisory_lock_shared(122537101324897)";
constexpr const char* kEndTurn = "SELECT pg_advisory_unlock_shared(122537101324897)";
constexpr const char* kTakeTurnAlone = "SELECT pg_advisory_lock(122537101324897)";
constexpr const char* kEndTurnAlone = "SELECT pg_advisory_unlock(122537101324897)";
static_assert(kWriteTurnLock == 122537101324897);
// A read is one snapshot.
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
// Migrations take the lock first and then read the version: at READ COMMITTED that read sees
// what a process that held the lock before committed (a REPEATABLE READ snapshot would be
// taken before the lock was granted).
constexpr const char* kBeginMigration = "BEGIN ISOLATION LEVEL READ COMMITTED";

bool retryable(const DbError& e) {
    return e.kind() == DbErrorKind::busy || e.kind() == DbErrorKind::connection_lost;
}

// A short pause before attempt `attempt` (from 1) of a write: 2, 4, 8 ... ms, jittered so that
// the transactions that collided do not collide again.
void backoff(int attempt) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    const int base = 2 << std::min(attempt, 6);
    std::uniform_int_distribution<int> jitter(base / 2, base * 3 / 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
}

class PgDatabase final : public DatabaseDriver {
  public:
    PgDatabase(std::string uri, PoolOptions options);

    void write(FunctionRef<bool(Connection&)> fn) override;
    void read(FunctionRef<void(Connection&)> fn) override;
    int migrate() override;
    int schema_version(Connection& c) override;
    void backup_to(const std::string& dest) override;
    bool ping() override;
    WriteStats write_stats() const override {
        return {writes_.load(std::memory_order_relaxed), commits_.load(std::memory_order_relaxed)};
    }
    uint64_t round_trips() const override { return round_trips_.load(std::memory_order_relaxed); }
    bool remote() const override { return true; }
    PoolStats pool_stats() const override {
        std::lock_guard lock(mu_);
        return {open_, static_cast<int>(waiters_.size())};
    }
    const Dialect& dialect() const override { return postgres_dialect(); }

  private:
    // A connection borrowed from the pool; a broken one is closed instead of returned.
    class Lease {
      public:
        explicit Lease(PgDatabase& db) : db_(db), conn_(db.checkout()) {}
        ~Lease() { db_.give_back(std::move(conn_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        PgConnection& operator*() { return *conn_; }
        PgConnection* operator->() { return conn_.get(); }

      private:
        PgDatabase& db_;
        std::unique_ptr<PgConnection> conn_;
    };
    std::unique_ptr<PgConnection> checkout();
    void give_back(std::unique_ptr<PgConnection> conn);
    // One attempt of write(): true when done, false when fn should run again. alone: hold the
    // write-turn lock exclusively, with no other write running.
    bool try_write(FunctionRef<bool(Connection&)> fn, bool last, bool alone);
    static void rollback(PgConnection& c) noexcept;
    // Ends an attempt of a write that did not commit: rolls it back and releases the write-turn
    // lock with `end`.
    static void end_turn(PgConnection& c, const char* end) noexcept;
    int migrated_version(PgConnection& c);

    // run_autonomous() of the pool's connections: fn on side_, in a transaction of its own.
    void run_on_side(const std::function<void(Connection&)>& fn);
    std::unique_ptr<PgConnection> connect();

    std::string uri_;
    PoolOptions options_;
    const std::function<void(const std::function<void(Connection&)>&)> autonomous_ =
        [this](const std::function<void(Connection&)>& fn) { run_on_side(fn); };
    // One connection per process for autonomous transactions, one at a time: each is a single
    // short statement (an upsert of a counter row), committed at once.
    std::mutex side_mu_;
    std::unique_ptr<PgConnection> side_;
    // A transaction waiting for a connection. give_back() hands it one directly, or the right
    // to open one (`slot`), in the order they came: a thread that arrives later cannot take the
    // connection first, so a wait is bounded by the queue ahead of it.
    struct Waiter {
        std::condition_variable handed;
        std::unique_ptr<PgConnection> conn;
        bool slot = false;
    };
    // With mu_ held: takes what is free, an idle connection (into `conn`) or else room under the
    // pool's size to open one (counted in open_, `conn` left empty); false when neither is.
    bool take_free_locked(std::unique_ptr<PgConnection>& conn);
    // With mu_ held: the next waiters get what is free, first come first served.
    void serve_waiters_locked();

    mutable std::mutex mu_;
    std::deque<Waiter*> waiters_;
    std::vector<std::unique_ptr<PgConnection>> idle_;
    int open_ = 0;  // idle, borrowed, and handed to a waiter or being opened
    std::atomic<uint64_t> writes_{0};
    std::atomic<uint64_t> commits_{0};
    std::atomic<uint64_t> round_trips_{0};
};

PgDatabase::PgDatabase(std::string uri, PoolOptions options)
    : uri_(std::move(uri)), options_(options) {
    options_.connections = std::max(options_.connections, 1);
    options_.write_attempts = std::max(options_.write_attempts, 1);
    // One connection now: a wrong URI or a server that is down fails at startup.
    idle_.push_back(connect());
    open_ = 1;
}

std::unique_ptr<PgConnection> PgDatabase::checkout() {
    std::unique_lock lock(mu_);
    std::unique_ptr<PgConnection> conn;
    if (!waiters_.empty() || !take_free_locked(conn)) {
        Waiter me;
        waiters_.push_back(&me);
        const bool handed =
            me.handed.wait_for(lock, options_.checkout_timeout, [&] { return me.conn || me.slot; });
        if (!handed) {
            waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
            throw DbError(DbErrorKind::busy, "no database connection became free within " +
                                                 std::to_string(options_.checkout_timeout.count()) +
                                                 " ms (pool of " +
                                                 std::to_string(options_.connections) + ")");
        }
        conn = std::move(me.conn);
    }
    lock.unlock();
    // An idle connection whose server closed it (a restart) is replaced here, before a
    // transaction starts on it: its BEGIN only goes out with the first statement. Its place in
    // the pool (open_) passes to the new one.
    if (conn && conn->alive()) return conn;
    conn.reset();
    try {
        return connect();
    } catch (...) {
        lock.lock();
        --open_;
        serve_waiters_locked();
        throw;
    }
}

bool PgDatabase::take_free_locked(std::unique_ptr<PgConnection>& conn) {
    if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
        return true;
    }
    if (open_ >= options_.connections) return false;
    ++open_;
    return true;
}

void PgDatabase::serve_waiters_locked() {
    while (!waiters_.empty()) {
        Waiter* next = waiters_.front();
        if (!take_free_locked(next->conn)) return;
        next->slot = !next->conn;
        waiters_.pop_front();
        next->handed.notify_one();
    }
}

std::unique_ptr<PgConnection> PgDatabase::connect() {
    auto c = std::make_unique<PgConnection>(uri_);
    c->set_autonomous(&autonomous_);
    c->set_round_trip_total(&round_trips_);
    return c;
}

// The side transaction commits without waiting for its WAL to reach the disk: a write that uses
// what it took commits durably later, which flushes the WAL up to and past it. Only a number
// nobody used can be lost in a crash, and a lost number was never given out.
void PgDatabase::run_on_side(const std::function<void(Connection&)>& fn) {
    std::lock_guard lock(side_mu_);
    if (side_ && !side_->alive()) side_.reset();
    if (!side_) {
        side_ = std::make_unique<PgConnection>(uri_);
        side_->set_round_trip_total(&round_trips_);
        side_->exec_script("SET synchronous_commit = off");
    }
    // BEGIN goes out with fn's statement, COMMIT on its own: two round trips.
    try {
        side_->begin("BEGIN");
        fn(*side_);
        side_->queue_command("COMMIT");
        side_->flush();
    } catch (...) {
        side_->discard();
        if (!side_->broken() && side_->in_transaction()) {
            try {
                side_->exec_script("ROLLBACK");
            } catch (const std::exception&) {
                side_.reset();
            }
        } else if (side_->broken()) {
            side_.reset();
        }
        throw;
    }
}

void PgDatabase::give_back(std::unique_ptr<PgConnection> conn) {
    // A connection that broke, or that still has a transaction open because its ROLLBACK
    // failed, is closed; the next checkout opens a new one. One that broke most likely lost
    // its server (a restart), which took the idle ones' sessions too: they are closed with it
    // rather than failing the next transactions one by one (outside the lock, when `dropped`
    // goes: PQfinish may wait on the socket).
    std::vector<std::unique_ptr<PgConnection>> dropped;
    const bool lost = conn && conn->broken();
    if (conn && (lost || conn->in_transaction())) dropped.push_back(std::move(conn));
    {
        std::lock_guard lock(mu_);
        if (lost) {
            for (auto& idle : idle_) dropped.push_back(std::move(idle));
            idle_.clear();
        }
        if (conn) idle_.push_back(std::move(conn));
        open_ -= static_cast<int>(dropped.size());
        serve_waiters_locked();
    }
}

void PgDatabase::rollback(PgConnection& c) noexcept {
    c.discard();  // what is queued goes out; a failure there is what the caller is handling
    if (c.broken() || !c.in_transaction()) return;
    try {
        c.exec_script("ROLLBACK");
    } catch (const std::exception&) {
        // give_back() closes a connection left in a transaction.
    }
}

// Writes run concurrently, each holding the write-turn lock (a session-level advisory lock, taken
// before BEGIN so that the snapshot is younger than it) shared. One that collided with another
// (a serialization failure: two writes changed one row, as every role change does with
// authz_generation) runs again holding it exclusively: the writes running finish, new ones wait,
// and the retry cannot collide again. Optimistic retries alone could keep colliding on a hot row.
void PgDatabase::write(FunctionRef<bool(Connection&)> fn) {
    for (int attempt = 1;; ++attempt) {
        if (try_write(fn, attempt >= options_.write_attempts, attempt > 1)) return;
        backoff(attempt);
    }
}

void PgDatabase::end_turn(PgConnection& c, const char* end) noexcept {
    rollback(c);
    if (c.broken()) return;  // the server released the lock with the session
    try {
        c.exec_script(end);
    } catch (const std::exception&) {
        c.close();  // the lock goes with its session
    }
}

// The lock, BEGIN and its setting are queued: they go out with fn's first statement. COMMIT
// and the lock's release go out with fn's last queued statements, in one round trip.
bool PgDatabase::try_write(FunctionRef<bool(Connection&)> fn, bool last, bool alone) {
    Lease c(*this);
    const char* end = alone ? kEndTurnAlone : kEndTurn;
    bool ok = false;
    try {
        c->queue_command(alone ? kTakeTurnAlone : kTakeTurn);
        c->queue_sync();
        c->begin(kBeginWrite);
        c->queue_command(kWriteIdleTimeout);
        ok = fn(*c);
        if (ok && PQtransactionStatus(c->handle()) == PQTRANS_INERROR)
            throw DbError(DbErrorKind::other,
                          "a statement of the transaction failed and its error was ignored");
    } catch (const DbError& e) {
        // Nothing was committed: a serialization failure, a deadlock or a connection lost
        // before COMMIT runs fn again from the start.
        end_turn(*c, end);
        if (retryable(e) && !last) return false;
        throw;
    } catch (...) {
        end_turn(*c, end);
        throw;
    }
    if (!ok) {
        end_turn(*c, end);
        return true;
    }
    PgResult committed;
    PgResult turn_ended;
    c->queue_command("COMMIT", &committed);
    c->queue_command(end, &turn_ended);
    std::exception_ptr failure;
    try {
        c->flush();
    } catch (const DbError&) {
        failure = std::current_exception();
    }
    // COMMIT of a transaction that failed answers ROLLBACK.
    if (committed && std::strcmp(PQcmdStatus(committed.get()), "COMMIT") == 0) {
        // Committed. A session whose lock release did not get through is closed, lock and all.
        if (!turn_ended) c->close();
        commits_.fetch_add(1, std::memory_order_relaxed);
        writes_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    if (c->broken())
        throw DbError(DbErrorKind::connection_lost,
                      "the connection to PostgreSQL was lost while committing: the outcome of "
                      "the transaction is unknown");
    // Not committed: a queued statement or the COMMIT itself failed, or the transaction had.
    end_turn(*c, end);
    if (!failure) throw DbError(DbErrorKind::other, "the transaction was rolled back");
    try {
        std::rethrow_exception(failure);
    } catch (const DbError& e) {
        // The server refused a statement or the commit (e.g. a serialization failure): the
        // transaction is rolled back, so running fn again is safe.
        if (e.kind() == DbErrorKind::busy && !last) return false;
        throw;
    }
}

void PgDatabase::read(FunctionRef<void(Connection&)> fn) {
    Lease c(*this);
    // BEGIN goes out with the first statement. COMMIT is sent at the end without waiting for
    // its answer, which is read with the next statements on this connection: a read only
    // waits for the answers it uses.
    c->begin(kBeginRead);
    try {
        fn(*c);
        c->end_without_waiting("COMMIT");
    } catch (...) {
        rollback(*c);
        throw;
    }
}

int PgDatabase::migrated_version(PgConnection& c) {
    auto st = c.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    st.step();
    return st.integer(0);
}

int PgDatabase::schema_version(Connection& c) {
    {
        auto exists = c.prepare("SELECT to_regclass('schema_migrations') IS NOT NULL");
        exists.step();
        if (exists.int64(0) == 0) return 0;
    }
    auto st = c.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    st.step();
    return st.integer(0);
}

int PgDatabase::migrate() {
    Lease c(*this);
    // Each migration in its own transaction, under a lock that makes processes migrating at
    // the same moment take turns; each reads the version again once it holds the lock.
    auto locked = [&](auto&& body) {
        c->exec_script(kBeginMigration);
        try {
            c->exec_script("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
            body();
            c->exec_script("COMMIT");
        } catch (...) {
            rollback(*c);
            throw;
        }
    };
    locked([&] {
        c->exec_script(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    });
    int current = 0;
    locked([&] { current = migrated_version(*c); });
    for (const auto& m : embedded_migrations(dialect().name())) {
        if (m.version <= current) continue;
        locked([&] {
            current = migrated_version(*c);
            if (m.version <= current) return;
            c->exec_script(m.sql);
            auto st = c->prepare(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (?1, ?2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)");
            st.bind(1, m.version).bind(2, m.name).exec();
            current = m.version;
        });
    }
    return current;
}

void PgDatabase::backup_to(const std::string&) {
    throw DbError(DbErrorKind::other,
                  "a PostgreSQL database is backed up with pg_dump (for example "
                  "`pg_dump --format=custom --file=orderly.dump URI`), not by orderly");
}

bool PgDatabase::ping() {
    try {
        Lease c(*this);
        auto st = c->prepare("SELECT 1");
        return st.step() && st.int64(0) == 1;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

bool is_postgres_uri(std::string_view path) {
    return path.starts_with("postgresql://") || path.starts_with("postgres://");
}

std::unique_ptr<DatabaseDriver> open_database(const std::string& uri, PoolOptions options) {
    return std::make_unique<PgDatabase>(uri, options);
}

}  // namespace orderly::storage::postgres
