#pragma once
#include <string>
#include <vector>

namespace orderly::storage {

struct Migration {
    int version;  // from the file name: db/NNN_name.sql
    std::string name;
    std::string sql;
};

// The numbered SQL files of db/, embedded at build time, in order.
const std::vector<Migration>& embedded_migrations();

}  // namespace orderly::storage
