#pragma once
// A fresh PostgreSQL database per test, on the server ORDERLY_TEST_PG names (a libpq URI such
// as scripts/pg-cluster prints), dropped at the end of the test.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "storage/database.h"
#include "storage/postgres/connection.h"

namespace orderly::test {

// The URI `uri` with its database replaced by `name`.
inline std::string with_database(const std::string& uri, const std::string& name) {
    const size_t authority = uri.find("://") + 3;
    const size_t slash = uri.find('/', authority);
    const size_t query = uri.find('?', authority);
    const size_t path_end = query == std::string::npos ? uri.size() : query;
    const size_t path_start = slash == std::string::npos || slash > path_end ? path_end : slash;
    return uri.substr(0, path_start) + "/" + name + uri.substr(path_end);
}

// The rows of `table`, read in a transaction of its own.
inline int64_t count_rows(storage::Database& db, const std::string& table) {
    return db.read([&](storage::Connection& c) {
        auto st = c.prepare("SELECT count(*) FROM " + table);
        st.step();
        return st.int64(0);
    });
}

// The other sessions on the test's database that match `condition` (SQL over the columns of
// pg_stat_activity), as `watcher`, a connection of its own, sees them now.
inline int64_t count_sessions(storage::postgres::PgConnection& watcher,
                              const std::string& condition) {
    auto st = watcher.prepare(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
        "pid <> pg_backend_pid() AND (" +
        condition + ")");
    st.step();
    return st.int64(0);
}

class PgTestDb {
  public:
    PgTestDb() : admin_(std::getenv("ORDERLY_TEST_PG")) {
        static std::atomic<int> n{0};
        name_ = "orderly_test_" + std::to_string(getpid()) + "_" + std::to_string(++n);
        admin_.exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        admin_.exec_script("CREATE DATABASE " + name_);
        uri_ = with_database(std::getenv("ORDERLY_TEST_PG"), name_);
    }
    ~PgTestDb() {
        try {
            admin_.exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception&) {
            // The cluster is thrown away after the run anyway.
        }
    }
    PgTestDb(const PgTestDb&) = delete;
    PgTestDb& operator=(const PgTestDb&) = delete;

    const std::string& uri() const { return uri_; }

  private:
    storage::postgres::PgConnection admin_;
    std::string name_;
    std::string uri_;
};

}  // namespace orderly::test
