#include "support/test_database.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "pg/pg_test_db.h"

namespace orderly::test {

bool testing_postgres() {
    const char* driver = std::getenv("ORDERLY_TEST_DRIVER");
    return driver && std::string(driver) == "postgres";
}

namespace {
// The databases this process made, dropped at exit. A function-local static built before the
// first database: it outlives whatever static (the API tests' shared server) was built after.
struct Made {
    std::mutex mu;
    std::vector<std::unique_ptr<PgTestDb>> dbs;
    std::map<std::string, std::string> file_of;  // URI -> the SQLite file it stands for
};
Made& made() {
    static Made m;
    return m;
}
}  // namespace

std::string database_location(const std::string& dir, const std::string& name) {
    if (!testing_postgres()) return dir + "/" + name;
    if (!std::getenv("ORDERLY_TEST_PG"))
        throw std::runtime_error("ORDERLY_TEST_DRIVER=postgres needs ORDERLY_TEST_PG");
    Made& m = made();
    auto db = std::make_unique<PgTestDb>();
    std::lock_guard lock(m.mu);
    m.file_of[db->uri()] = dir + "/" + name;
    m.dbs.push_back(std::move(db));
    return m.dbs.back()->uri();
}

std::vector<std::string> database_env(const std::string& location) {
    if (!testing_postgres()) return {};
    Made& m = made();
    std::lock_guard lock(m.mu);
    const auto it = m.file_of.find(location);
    if (it == m.file_of.end()) return {};
    return {"ORDERLY_SECRET_KEY_FILE=" + it->second + ".key",
            "ORDERLY_WORK_DIR=" + it->second + ".work"};
}

}  // namespace orderly::test
