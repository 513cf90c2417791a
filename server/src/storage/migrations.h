#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace orderly::storage {

struct Migration {
    int version;  // from the file name: db/<driver>/NNN_name.sql
    std::string name;
    std::string sql;
};

// The numbered SQL files of db/<driver>/ ("sqlite"), embedded at build time, in order; empty
// for a driver without migrations. Every driver's directory uses the same numbers for the same
// schema change.
const std::vector<Migration>& embedded_migrations(std::string_view driver);

}  // namespace orderly::storage
