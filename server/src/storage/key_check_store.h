#pragma once
// The key check (db/*/011_key_check.sql): which secret key the database is used with.
#include <cstdint>
#include <string>

#include "storage/sql.h"

namespace orderly::storage {

// Stores `value` as the key check unless one is stored already; returns the stored one.
std::string ensure_key_check(Connection& c, const std::string& value, int64_t now_ms);

}  // namespace orderly::storage
