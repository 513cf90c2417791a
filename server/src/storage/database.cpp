#include "storage/database.h"

#include "storage/postgres/database.h"
#include "storage/sqlite/database.h"

namespace orderly::storage {

namespace {
std::unique_ptr<DatabaseDriver> open_driver(const std::string& path, int readers) {
    // A libpq URI names a PostgreSQL database: a pool as large as SQLite's readers and writer.
    if (postgres::is_postgres_uri(path))
        return postgres::open_database(path, {.connections = std::max(readers, 1) + 1});
    return sqlite::open_database(path, readers);
}
}  // namespace

Database::Database(std::string path, int readers)
    : path_(std::move(path)), driver_(open_driver(path_, readers)) {}

Database::Database(std::string path, std::unique_ptr<DatabaseDriver> driver)
    : path_(std::move(path)), driver_(std::move(driver)) {}

Database::~Database() = default;

int Database::schema_version() {
    // From a reader: a /metrics scrape must not queue behind the writer.
    return read([this](Connection& c) { return driver_->schema_version(c); });
}

}  // namespace orderly::storage
