// The key check on PostgreSQL: the first value stored stays, whoever writes another.
#include <catch2/catch.hpp>

#include "pg_test_db.h"
#include "storage/database.h"
#include "storage/key_check_store.h"

using namespace orderly;

TEST_CASE("the key check keeps the first node's value", "[pg]") {
    test::PgTestDb pg;
    storage::Database db(pg.uri(), 2);
    db.migrate();
    auto ensure = [&](const std::string& v) {
        return db.write(
            [&](storage::Connection& c) { return storage::ensure_key_check(c, v, 1000); });
    };
    CHECK(ensure("first") == "first");
    CHECK(ensure("second") == "first");
    CHECK(ensure("first") == "first");
}
