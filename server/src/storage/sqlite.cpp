#include "storage/sqlite.h"

#include <chrono>
#include <thread>

#include "storage/migrations.h"
#include "storage/write_combining_vfs.h"

namespace orderly::storage {

StorageFailure classify_sqlite_code(int code) {
    switch (code & 0xff) {  // the primary code of an extended one
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return StorageFailure::busy;
        case SQLITE_CONSTRAINT:
            return StorageFailure::constraint;
        default:
            return StorageFailure::other;
    }
}

namespace {
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, const char* what) {
    throw SqliteError(rc,
                      std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}
}  // namespace

Stmt::~Stmt() {
    if (s_) {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
}

Stmt& Stmt::bind(int i, int64_t v) {
    int rc = sqlite3_bind_int64(s_, i, v);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    int rc = sqlite3_bind_double(s_, i, v);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
    int rc = sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, size_t n) {
    int rc = sqlite3_bind_blob64(s_, i, data, n, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}
Stmt& Stmt::bind_null(int i) {
    int rc = sqlite3_bind_null(s_, i);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

bool Stmt::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sqlite(db_, rc, "step");
}

int Stmt::exec_checked() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return SQLITE_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return sqlite3_extended_errcode(db_);
    throw_sqlite(db_, rc, "step");
}

void Stmt::exec() {
    int rc = sqlite3_step(s_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw_sqlite(db_, rc, "exec");
}

std::string Stmt::text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}
std::optional<std::string> Stmt::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}
std::optional<int64_t> Stmt::opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}
std::string Stmt::blob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    if (!p) return {};
    return std::string(static_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

Connection::Connection(const std::string& path, bool readonly) {
    // SQLite's memory statistics take a global mutex on every allocation, which every thread
    // contends for; Orderly never reads them. This only works before SQLite initialises, so
    // the first connection of the process does it (a later call is a harmless SQLITE_MISUSE).
    static std::once_flag no_memstatus;
    std::call_once(no_memstatus, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, write_combining_vfs());
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        if (db_) sqlite3_close(db_);
        db_ = nullptr;
        throw SqliteError(rc, "cannot open database " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    if (!readonly) exec_script("PRAGMA journal_mode=WAL");
    exec_script("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY");
}

Connection::~Connection() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    if (db_) sqlite3_close(db_);
}

Stmt Connection::prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return Stmt(db_, it->second);
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "prepare");
    cache_.emplace(std::string(sql), s);
    return Stmt(db_, s);
}

void Connection::exec_script(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw SqliteError(rc, "exec: " + msg);
    }
}

namespace {
// SQLite's own default: checkpoint once the WAL holds this many pages.
constexpr int kCheckpointFrames = 1000;
}  // namespace

Database::Database(std::string path, int readers) : path_(std::move(path)) {
    writer_ = std::make_unique<Connection>(path_);
    for (int i = 0; i < readers; ++i) {
        readers_.push_back(std::make_unique<Connection>(path_));
        free_.push_back(readers_.back().get());
    }
    checkpointer_ = std::make_unique<Connection>(path_);
    // Replaces the automatic checkpoint (which is itself a WAL hook) on the writer.
    sqlite3_wal_hook(writer_->raw(), &Database::on_wal_commit, this);
    checkpoint_thread_ = std::thread([this] { checkpoint_loop(); });
}

Database::~Database() {
    {
        std::lock_guard lock(checkpoint_mu_);
        stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

int Database::on_wal_commit(void* self, sqlite3*, const char*, int frames) {
    if (frames >= kCheckpointFrames) {
        auto* d = static_cast<Database*>(self);
        {
            std::lock_guard lock(d->checkpoint_mu_);
            d->checkpoint_due_ = true;
        }
        d->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
}

void Database::checkpoint_loop() {
    std::unique_lock lock(checkpoint_mu_);
    for (;;) {
        checkpoint_cv_.wait(lock, [&] { return stopping_ || checkpoint_due_; });
        if (stopping_) return;
        checkpoint_due_ = false;
        lock.unlock();
        // PASSIVE: copies what no reader still needs, never blocks writers or readers; another
        // process checkpointing at the same moment makes this one a no-op (SQLITE_BUSY).
        sqlite3_wal_checkpoint_v2(checkpointer_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
        lock.lock();
    }
}

Database::Lease::Lease(Database& d) : db(d) {
    std::unique_lock lock(d.pool_mu_);
    d.pool_cv_.wait(lock, [&] { return !d.free_.empty(); });
    conn = d.free_.back();
    d.free_.pop_back();
}
Database::Lease::~Lease() {
    {
        std::lock_guard lock(db.pool_mu_);
        db.free_.push_back(conn);
    }
    db.pool_cv_.notify_one();
}

namespace {
constexpr size_t kMaxBatch = 64;
}

void Database::run_write(const WriteFn& fn) {
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

void Database::run_batch(const std::vector<WriteJob*>& batch) {
    std::lock_guard lock(write_mu_);
    // The jobs are other threads' work: a read inside one must not join a read transaction
    // that this (leader) thread may have open for its own request.
    ReadScope no_read(nullptr, nullptr);
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
        if (sqlite3_get_autocommit(writer_->raw())) {
            // SQLite itself rolled the whole transaction back (an I/O error, a full disk): the
            // jobs applied before this one are gone with it and hear of the failure.
            open = false;
            auto e = std::make_exception_ptr(
                SqliteError(SQLITE_ABORT, "the transaction was rolled back by SQLite"));
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

void Database::begin_immediate() {
    writer_->prepare("BEGIN IMMEDIATE").exec();
}
void Database::commit() {
    writer_->prepare("COMMIT").exec();
}
void Database::rollback() {
    if (!sqlite3_get_autocommit(writer_->raw())) {
        try {
            writer_->exec_script("ROLLBACK");
        } catch (const SqliteError&) {
            // The transaction may already have been rolled back by SQLite itself.
        }
    }
}

int Database::schema_version() {
    // From a reader: a /metrics scrape must not queue behind the writer.
    return read([](Connection& c) {
        auto st = c.prepare("PRAGMA user_version");
        st.step();
        return st.integer(0);
    });
}

int Database::migrate() {
    std::lock_guard lock(write_mu_);
    int current = 0;
    {
        // The version check happens inside each transaction so that two processes starting at
        // once do not apply the same migration twice.
        auto st = writer_->prepare("PRAGMA user_version");
        st.step();
        current = st.integer(0);
    }
    for (const auto& m : embedded_migrations()) {
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

void Database::backup_to(const std::string& dest) {
    Lease lease(*this);
    auto st = lease.conn->prepare("VACUUM INTO ?1");
    st.bind(1, dest);
    st.exec();
}

bool Database::ping() {
    try {
        Lease lease(*this);
        auto st = lease.conn->prepare("SELECT count(*) FROM sqlite_schema");
        return st.step();
    } catch (const std::exception&) {
        return false;
    }
}

bool is_unique_violation(int rc) {
    return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}
bool is_foreign_key_violation(int rc) {
    return rc == SQLITE_CONSTRAINT_FOREIGNKEY;
}

}  // namespace orderly::storage
