// Storage failures carry the kind their SQLite code stands for, so that the layers above can act
// on it (a busy database is answered 503) without reading messages.
// SQLite codes only ([sqlite-only]): tests/pg checks how the PostgreSQL driver maps its own.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include "storage/sqlite/connection.h"
#include "support/process.h"

using namespace orderly;

namespace {
// The kind of failure running `sql` on `c` ends with; nullopt when it succeeds.
std::optional<StorageFailure> failure_of(storage::Connection& c, const std::string& sql) {
    try {
        c.exec_script(sql);
    } catch (const StorageError& e) {
        return e.failure();
    }
    return std::nullopt;
}
}  // namespace

TEST_CASE("a write that finds the database locked by another connection fails as busy",
          "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    const std::string path = dir + "/a.db";
    storage::sqlite::SqliteConnection holder(path);
    storage::sqlite::SqliteConnection other(path);
    other.exec_script("PRAGMA busy_timeout = 0");  // fail at once instead of waiting
    holder.exec_script("BEGIN IMMEDIATE");
    CHECK(failure_of(other, "BEGIN IMMEDIATE") == StorageFailure::busy);
    holder.exec_script("ROLLBACK");
    std::filesystem::remove_all(dir);
}

TEST_CASE("a constraint violation fails as constraint", "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    storage::sqlite::SqliteConnection c(dir + "/a.db");
    c.exec_script("CREATE TABLE t (k TEXT PRIMARY KEY)");
    CHECK(failure_of(c, "INSERT INTO t VALUES ('a')") == std::nullopt);
    CHECK(failure_of(c, "INSERT INTO t VALUES ('a')") == StorageFailure::constraint);
    CHECK(failure_of(c, "SELECT * FROM no_such_table") == StorageFailure::other);
    std::filesystem::remove_all(dir);
}
