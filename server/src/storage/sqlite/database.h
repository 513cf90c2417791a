#pragma once
// The SQLite driver behind storage::Database: one writer connection with group commit, a pool
// of reader connections, WAL checkpoints on a background thread.
#include <memory>
#include <string>

#include "storage/database.h"

namespace orderly::storage::sqlite {

// Opens (creating if needed) the database file at path with `readers` reader connections.
std::unique_ptr<DatabaseDriver> open_database(const std::string& path, int readers);

}  // namespace orderly::storage::sqlite
