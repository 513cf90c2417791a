#include "storage/sqlite/database.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/dialect.h"

namespace orderly::storage::sqlite {

namespace {

// SQLite's own default: checkpoint once the WAL holds this many pages.
constexpr int kCheckpointFrames = 1000;
constexpr size_t kMaxBatch = 64;

// One writer connection (serialised by a mutex, every transaction BEGIN IMMEDIATE so that
// concurrent processes queue on busy_timeout instead of failing) and a pool of reader
// connections.
//
// Group commit: while one batch commits, the writes that arrive queue up, and the next batch
// runs them in one transaction, each inside its own savepoint, with one fsync for all. A
// failing job rolls back to its savepoint and leaves the others of its batch untouched; nobody
// hears of success before the commit that makes their change durable.
class SqliteDatabase final : public DatabaseDriver {
  public:
    SqliteDatabase(const std::string& path, int readers);
    ~SqliteDatabase() override;

    void write(FunctionRef<bool(Connection&)> fn) override;
    void read(FunctionRef<void(Connection&)> fn) override;
    int migrate() override;
    int schema_version(Connection& c) override;
    void backup_to(const std::string& dest) override;
    bool ping() override;
    WriteStats write_stats() const override {
        return {writes_.load(std::memory_order_relaxed), commits_.load(std::memory_order_relaxed)};
    }
    const Dialect& dialect() const override { return sqlite_dialect(); }

  private:
    struct Lease {
        explicit Lease(SqliteDatabase& d);
        ~Lease();
        SqliteDatabase& db;
        SqliteConnection* conn;
    };
    struct WriteJob {
        const FunctionRef<bool(Connection&)>* fn;
        std::exception_ptr error;
        bool done = false;
        std::condition_variable wake;
        bool lead = false;  // handed the lead by the previous leader
    };
    void run_batch(const std::vector<WriteJob*>& batch);
    void begin_immediate();
    void commit();
    void rollback();

    std::mutex write_mu_;  // the writer connection
    std::mutex queue_mu_;  // pending_ and leader_
    std::deque<WriteJob*> pending_;
    bool leader_ = false;
    std::atomic<uint64_t> writes_{0};
    std::atomic<uint64_t> commits_{0};
    std::unique_ptr<SqliteConnection> writer_;
    // Checkpoints run on their own thread and connection, so a commit never waits for the WAL
    // to be copied into the database file (SQLite's automatic checkpoint would run inside the
    // commit that crosses the threshold, and every write queued behind it would wait).
    static int on_wal_commit(void* self, sqlite3* db, const char* name, int frames);
    void checkpoint_loop();
    std::unique_ptr<SqliteConnection> checkpointer_;
    std::thread checkpoint_thread_;
    std::mutex checkpoint_mu_;
    std::condition_variable checkpoint_cv_;
    bool checkpoint_due_ = false;
    bool stopping_ = false;
    std::mutex pool_mu_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<SqliteConnection>> readers_;
    std::vector<SqliteConnection*> free_;
};

SqliteDatabase::SqliteDatabase(const std::string& path, int readers) {
    writer_ = std::make_unique<SqliteConnection>(path);
    for (int i = 0; i < readers; ++i) {
        readers_.push_back(std::make_unique<SqliteConnection>(path));
        free_.push_back(readers_.back().get());
    }
    checkpointer_ = std::make_unique<SqliteConnection>(path);
    // Replaces the automatic checkpoint (which is itself a WAL hook) on the writer.
    sqlite3_wal_hook(writer_->handle(), &SqliteDatabase::on_wal_commit, this);
    checkpoint_thread_ = std::thread([this] { checkpoint_loop(); });
}

SqliteDatabase::~SqliteDatabase() {
    {
        std::lock_guard lock(checkpoint_mu_);
        stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

int SqliteDatabase::on_wal_commit(void* self, sqlite3*, const char*, int frames) {
    if (frames >= kCheckpointFrames) {
        auto* d = static_cast<SqliteDatabase*>(self);
        {
            std::lock_guard lock(d->checkpoint_mu_);
            d->checkpoint_due_ = true;
        }
        d->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
}

void SqliteDatabase::checkpoint_loop() {
    std::unique_lock lock(checkpoint_mu_);
    for (;;) {
        checkpoint_cv_.wait(lock, [&] { return stopping_ || checkpoint_due_; });
        if (stopping_) return;
        checkpoint_due_ = false;
        lock.unlock();
        // PASSIVE: copies what no reader still needs, never blocks writers or readers; another
        // process checkpointing at the same moment makes this one a no-op (SQLITE_BUSY).
        sqlite3_wal_checkpoint_v2(checkpointer_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                  nullptr, nullptr);
        lock.lock();
    }
}

SqliteDatabase::Lease::Lease(SqliteDatabase& d) : db(d) {
    std::unique_lock lock(d.pool_mu_);
    d.pool_cv_.wait(lock, [&] { return !d.free_.empty(); });
    conn = d.free_.back();
    d.free_.pop_back();
}
SqliteDatabase::Lease::~Lease() {
    {
        std::lock_guard lock(db.pool_mu_);
        db.free_.push_back(conn);
    }
    db.pool_cv_.notify_one();
}

void SqliteDatabase::read(FunctionRef<void(Connection&)> fn) {
    Lease lease(*this);
    lease.conn->prepare("BEGIN").exec();
    try {
        fn(*lease.conn);
        lease.conn->prepare("COMMIT").exec();
    } catch (...) {
        if (lease.conn->in_transaction()) lease.conn->exec_script("ROLLBACK");
        throw;
    }
}

void SqliteDatabase::write(FunctionRef<bool(Connection&)> fn) {
    WriteJob job{&fn, nullptr, false, {}, false};
    std::unique_lock lock(queue_mu_);
    pending_.push_back(&job);
    while (!job.done) {
        if (leader_ && !job.lead) {
            job.wake.wait(lock);
            continue;
        }
        // Nobody is committing: this thread commits what is queued, its own job among it.
        leader_ = true;
        job.lead = false;
        std::vector<WriteJob*> batch;
        while (!pending_.empty() && batch.size() < kMaxBatch) {
            batch.push_back(pending_.front());
            pending_.pop_front();
        }
        lock.unlock();
        run_batch(batch);
        lock.lock();
        leader_ = false;
        // Wake exactly the threads that are done, and hand the lead to the oldest waiter.
        for (auto* j : batch) {
            j->done = true;
            if (j != &job) j->wake.notify_one();
        }
        if (!pending_.empty()) {
            leader_ = true;
            pending_.front()->lead = true;
            pending_.front()->wake.notify_one();
        }
    }
    lock.unlock();
    if (job.error) std::rethrow_exception(job.error);
}

void SqliteDatabase::run_batch(const std::vector<WriteJob*>& batch) {
    std::lock_guard lock(write_mu_);
    const bool savepoints = batch.size() > 1;
    std::vector<WriteJob*> applied;  // in the open transaction, waiting for its commit
    auto fail_applied = [&](std::exception_ptr e) {
        for (auto* j : applied) j->error = e;
        applied.clear();
    };
    bool open = false;
    for (auto* j : batch) {
        try {
            if (!open) {
                begin_immediate();
                open = true;
            }
        } catch (...) {
            j->error = std::current_exception();
            continue;
        }
        bool ok = false;
        try {
            if (savepoints) writer_->prepare("SAVEPOINT job").exec();
            ok = (*j->fn)(*writer_);
        } catch (...) {
            j->error = std::current_exception();
        }
        if (!writer_->in_transaction()) {
            // SQLite itself rolled the whole transaction back (an I/O error, a full disk): the
            // jobs applied before this one are gone with it and hear of the failure.
            open = false;
            auto e = std::make_exception_ptr(
                DbError(DbErrorKind::other, "the transaction was rolled back by SQLite"));
            fail_applied(e);
            if (!j->error) j->error = e;
            continue;
        }
        if (!savepoints) {
            if (ok && !j->error) applied.push_back(j);
            continue;
        }
        try {
            if (!ok || j->error) writer_->prepare("ROLLBACK TO job").exec();
            writer_->prepare("RELEASE job").exec();
            if (ok && !j->error) applied.push_back(j);
        } catch (...) {
            if (!j->error) j->error = std::current_exception();
            rollback();
            open = false;
            fail_applied(std::current_exception());
        }
    }
    if (!open) return;
    if (!savepoints && applied.empty()) {
        rollback();  // the only job failed: nothing to keep
        return;
    }
    try {
        commit();
        commits_.fetch_add(1, std::memory_order_relaxed);
        writes_.fetch_add(applied.size(), std::memory_order_relaxed);
    } catch (...) {
        rollback();
        fail_applied(std::current_exception());
    }
}

void SqliteDatabase::begin_immediate() {
    writer_->prepare("BEGIN IMMEDIATE").exec();
}
void SqliteDatabase::commit() {
    writer_->prepare("COMMIT").exec();
}
void SqliteDatabase::rollback() {
    if (writer_->in_transaction()) {
        try {
            writer_->exec_script("ROLLBACK");
        } catch (const DbError&) {
            // The transaction may already have been rolled back by SQLite itself.
        }
    }
}

int SqliteDatabase::schema_version(Connection& c) {
    auto st = c.prepare("PRAGMA user_version");
    st.step();
    return st.integer(0);
}

int SqliteDatabase::migrate() {
    std::lock_guard lock(write_mu_);
    int current = 0;
    {
        // The version check happens inside each transaction so that two processes starting at
        // once do not apply the same migration twice.
        auto st = writer_->prepare("PRAGMA user_version");
        st.step();
        current = st.integer(0);
    }
    for (const auto& m : embedded_migrations(dialect().name())) {
        if (m.version <= current) continue;
        begin_immediate();
        try {
            int now = 0;
            {
                auto st = writer_->prepare("PRAGMA user_version");
                st.step();
                now = st.integer(0);
            }  // reset: a statement left running would make DROP TABLE fail (SQLITE_LOCKED)
            if (m.version <= now) {
                commit();
                current = now;
                continue;
            }
            writer_->exec_script(m.sql);
            // Open connections, in every process, reload the schema when its version changes.
            // DDL changes it by itself; a migration that edits sqlite_schema directly (007) does
            // not, so every migration ends with one more.
            int64_t next = 0;
            {
                auto sv = writer_->prepare("PRAGMA schema_version");
                sv.step();
                next = sv.int64(0) + 1;
            }
            writer_->exec_script("PRAGMA schema_version = " + std::to_string(next));
            writer_->exec_script("PRAGMA user_version = " + std::to_string(m.version));
            commit();
            current = m.version;
        } catch (...) {
            rollback();
            throw;
        }
    }
    return current;
}

void SqliteDatabase::backup_to(const std::string& dest) {
    // VACUUM INTO: an online, consistent copy while others keep reading and writing.
    Lease lease(*this);
    auto st = lease.conn->prepare("VACUUM INTO ?1");
    st.bind(1, dest);
    st.exec();
}

bool SqliteDatabase::ping() {
    try {
        Lease lease(*this);
        auto st = lease.conn->prepare("SELECT count(*) FROM sqlite_schema");
        return st.step();
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

std::unique_ptr<DatabaseDriver> open_database(const std::string& path, int readers) {
    return std::make_unique<SqliteDatabase>(path, readers);
}

}  // namespace orderly::storage::sqlite
