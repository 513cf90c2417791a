#pragma once
// Copies an SQLite database into a PostgreSQL one (`orderly migrate-db`): every table the
// PostgreSQL schema has, with its ids, in one transaction on the target.
#include <cstdint>
#include <string>
#include <vector>

#include "storage/database.h"

namespace orderly::storage {

struct TableCount {
    std::string table;
    int64_t source = 0;
    int64_t target = 0;
};

struct CopyReport {
    enum class Outcome {
        copied,
        // The target holds data of its own (`occupied` names the tables): nothing was changed.
        target_not_empty,
        // The rows counted on the target after the copy differ from the source's: rolled back.
        count_mismatch,
    };
    Outcome outcome = Outcome::copied;
    std::vector<TableCount> tables;     // in the order they were copied
    std::vector<std::string> occupied;  // for target_not_empty
};

// Copies every table of `source` (an SQLite database) into `target` (a PostgreSQL one), both
// already migrated to the same schema version. The target may only hold what its migrations
// put there (seed rows, the key check): then its tables are emptied and filled with the
// source's rows, ids preserved, in an order that satisfies the foreign keys; identity
// sequences continue after the largest copied id; the search index (an FTS5 table on SQLite, a
// table with a generated tsvector on PostgreSQL) is copied as its rowid, title and body. The
// whole copy is one transaction on the target and reads one snapshot of the source.
// Throws DbError on a database failure and std::runtime_error when the two schemas do not
// have the same tables.
CopyReport copy_sqlite_to_postgres(Database& source, Database& target);

}  // namespace orderly::storage
