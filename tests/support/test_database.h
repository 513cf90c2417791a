#pragma once
// Where the storage and API tests keep their database. Normally an SQLite file in the test's
// directory; with ORDERLY_TEST_DRIVER=postgres a fresh database on the PostgreSQL server that
// ORDERLY_TEST_PG names (a libpq URI, as scripts/pg-cluster prints), so the same assertions
// prove both drivers. ctest runs them both ways (the pg-storage: and pg-api: tests).
//
// Tests about SQLite files themselves (backups as file copies, WAL, the VFS, crashes) carry the
// tag [sqlite-only]: the PostgreSQL runs leave them out.
#include <string>
#include <vector>

namespace orderly::test {

// True when this run's tests use PostgreSQL (ORDERLY_TEST_DRIVER=postgres).
bool testing_postgres();

// The database the test names `name` (say "t.db"): the SQLite file dir/name, or under
// PostgreSQL the URI of a new, empty database, dropped when the test process ends. Each call
// makes a new database; a test that opens one database twice keeps the location it got.
std::string database_location(const std::string& dir, const std::string& name);

// The environment ("NAME=value") an `orderly` process on `location` needs besides --db: for a
// PostgreSQL database its key file and work directory, which beside an SQLite file default to
// "<file>.key" and "<file>.work", in the same places (dir/name.key, dir/name.work). Empty for
// SQLite files and locations this process did not make.
std::vector<std::string> database_env(const std::string& location);

}  // namespace orderly::test
