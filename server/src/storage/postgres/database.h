#pragma once
// The PostgreSQL driver behind storage::Database: a pool of connections per process, each write
// its own transaction (retried on serialization failures), PostgreSQL's own commit batching.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "storage/database.h"

namespace orderly::storage::postgres {

// True for a libpq URI (postgresql://... or postgres://...): the database is PostgreSQL's.
bool is_postgres_uri(std::string_view path);

struct PoolOptions {
    int connections = 4;
    // How long a transaction waits for a free connection before it fails (busy).
    std::chrono::milliseconds checkout_timeout{10000};
    // Attempts of a write whose transaction hits a serialization failure or deadlock.
    int write_attempts = 5;
};

// Connects to the database the libpq URI names. Connections are opened when first needed, so
// this only fails for a server that refuses the first one.
std::unique_ptr<DatabaseDriver> open_database(const std::string& uri, PoolOptions options);

}  // namespace orderly::storage::postgres
