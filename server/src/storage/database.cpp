#include "storage/database.h"

#include "storage/sqlite/database.h"

namespace orderly::storage {

Database::Database(std::string path, int readers)
    : path_(std::move(path)), driver_(sqlite::open_database(path_, readers)) {}

Database::Database(std::string path, std::unique_ptr<DatabaseDriver> driver)
    : path_(std::move(path)), driver_(std::move(driver)) {}

Database::~Database() = default;

int Database::schema_version() {
    // From a reader: a /metrics scrape must not queue behind the writer.
    return read([this](Connection& c) { return driver_->schema_version(c); });
}

}  // namespace orderly::storage
