#include "storage/sqlite/connection.h"

#include <mutex>

#include "storage/sqlite/dialect.h"
#include "storage/sqlite/small_blocks.h"
#include "storage/sqlite/write_combining_vfs.h"

namespace orderly::storage::sqlite {

DbErrorKind kind_of(int rc) {
    switch (rc & 0xff) {
        case SQLITE_CONSTRAINT:
            return DbErrorKind::constraint;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return DbErrorKind::busy;
        default:
            return DbErrorKind::other;
    }
}

void throw_error(sqlite3* db, int rc, const char* what) {
    throw DbError(kind_of(rc),
                  std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

SqliteStatement::~SqliteStatement() {
    sqlite3_finalize(s_);
}

void SqliteStatement::reset() noexcept {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

void SqliteStatement::bind_int64(int i, int64_t v) {
    int rc = sqlite3_bind_int64(s_, i, v);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}
void SqliteStatement::bind_real(int i, double v) {
    int rc = sqlite3_bind_double(s_, i, v);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}
void SqliteStatement::bind_text(int i, std::string_view v) {
    int rc = sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}
void SqliteStatement::bind_blob(int i, const void* data, size_t n) {
    int rc = sqlite3_bind_blob64(s_, i, data, n, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}
void SqliteStatement::bind_null(int i) {
    int rc = sqlite3_bind_null(s_, i);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}

bool SqliteStatement::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_error(db_, rc, "step");
}

void SqliteStatement::exec() {
    int rc = sqlite3_step(s_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw_error(db_, rc, "exec");
}

ExecResult SqliteStatement::exec_checked() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return ExecResult::ok;
    // Lock contention throws like any other failure: SQLite's busy_timeout already waited.
    if ((rc & 0xff) != SQLITE_CONSTRAINT) throw_error(db_, rc, "step");
    switch (sqlite3_extended_errcode(db_)) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            return ExecResult::unique_violation;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            return ExecResult::foreign_key_violation;
        case SQLITE_CONSTRAINT_CHECK:
            return ExecResult::check_violation;
        default:
            return ExecResult::other_constraint;
    }
}

std::string_view SqliteStatement::column_text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    if (!p) return {};
    return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col))};
}
std::string_view SqliteStatement::column_blob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    if (!p) return {};
    return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col))};
}

SqliteConnection::SqliteConnection(const std::string& path, bool readonly)
    : Connection(path, sqlite_dialect()) {
    // SQLite's memory statistics take a global mutex on every allocation, which every thread
    // contends for; Orderly never reads them. Its small blocks come from a cache per thread
    // (small_blocks.h). Both only work before SQLite initialises, so the first connection of
    // the process sets them (a later call is a harmless SQLITE_MISUSE).
    static std::once_flag memory_config;
    std::call_once(memory_config, [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        install_small_block_cache();
    });
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, write_combining_vfs());
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        if (db_) sqlite3_close(db_);
        db_ = nullptr;
        throw DbError(kind_of(rc), "cannot open database " + path + ": " + msg);
    }
    // The full path SQLite resolved: one name per database file, however it was spelled.
    const char* file = sqlite3_db_filename(db_, "main");
    set_path(file ? file : "");
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    if (!readonly) exec_script("PRAGMA journal_mode=WAL");
    exec_script("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY");
}

SqliteConnection::~SqliteConnection() {
    cache_.clear();  // statements are finalized before their connection closes
    if (db_) sqlite3_close(db_);
}

StatementBackend& SqliteConnection::statement(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return *it->second;
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) throw_error(db_, rc, "prepare");
    auto owned = std::make_unique<SqliteStatement>(db_, s);
    auto& ref = *owned;
    cache_.emplace(std::string(sql), std::move(owned));
    return ref;
}

void SqliteConnection::exec_script(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw DbError(kind_of(rc), "exec: " + msg);
    }
}

}  // namespace orderly::storage::sqlite
