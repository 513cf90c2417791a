#pragma once
// `orderly migrate-db --from FILE --to URI`: moves an SQLite database into PostgreSQL.
#include <cstdio>
#include <string>

namespace orderly {

// Migrates both databases to the current schema, copies the SQLite file `from` into the
// PostgreSQL database `to` (storage/copy_database.h) and prints the rows of every table on both
// sides to `out`. Returns the exit status: 0 when copied and every count matches, 1 otherwise
// (the reason on `err`; a refused or failed copy changes nothing on the target).
int migrate_db(const std::string& from, const std::string& to, std::FILE* out, std::FILE* err);

}  // namespace orderly
