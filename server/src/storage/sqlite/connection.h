#pragma once
// The SQLite driver's connection and statements: the SQL interface of storage/sql.h over the
// SQLite C API. Only the driver's own files (storage/sqlite/) and its tests include this.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/sql.h"

namespace orderly::storage::sqlite {

// Throws DbError for SQLite result code rc, with the connection's message when there is one.
// The kind of failure an SQLite result code (primary or extended) stands for: BUSY and LOCKED
// are busy, CONSTRAINT is constraint, the rest other.
DbErrorKind kind_of(int rc);
[[noreturn]] void throw_error(sqlite3* db, int rc, const char* what);

class SqliteStatement final : public StatementBackend {
  public:
    SqliteStatement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
    ~SqliteStatement() override;
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    void bind_int64(int i, int64_t v) override;
    void bind_real(int i, double v) override;
    void bind_text(int i, std::string_view v) override;
    void bind_blob(int i, const void* data, size_t n) override;
    void bind_null(int i) override;
    bool step() override;
    void exec() override;
    ExecResult exec_checked() override;
    void reset() noexcept override;
    int64_t column_int64(int col) const override { return sqlite3_column_int64(s_, col); }
    double column_real(int col) const override { return sqlite3_column_double(s_, col); }
    bool column_is_null(int col) const override {
        return sqlite3_column_type(s_, col) == SQLITE_NULL;
    }
    std::string_view column_text(int col) const override;
    std::string_view column_blob(int col) const override;

  private:
    sqlite3* db_;
    sqlite3_stmt* s_;
};

class SqliteConnection final : public Connection {
  public:
    // Opens (creating if needed) through the write-combining VFS and applies the pragmas every
    // connection needs: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout.
    explicit SqliteConnection(const std::string& path, bool readonly = false);
    ~SqliteConnection() override;

    void exec_script(const std::string& sql) override;
    int changes() override { return sqlite3_changes(db_); }

    sqlite3* handle() { return db_; }
    // False once SQLite itself rolled an open transaction back (an I/O error, a full disk).
    bool in_transaction() const { return !sqlite3_get_autocommit(db_); }

  protected:
    StatementBackend& statement(std::string_view sql) override;

  private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<SqliteStatement>, Hash, std::equal_to<>> cache_;
};

}  // namespace orderly::storage::sqlite
