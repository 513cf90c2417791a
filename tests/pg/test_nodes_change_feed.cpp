// The change feed nodes hear each other's log writes through (storage/change_feed.h): an
// announcement arrives when its transaction commits and never when it rolls back, and a feed
// whose connection was terminated connects again and says so (resync).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <vector>

#include "pg_test_db.h"
#include "storage/change_feed.h"
#include "storage/database.h"
#include "storage/postgres/listener.h"
#include "support/process.h"

using namespace orderly;
using namespace orderly::storage;

namespace {

struct Heard {
    std::mutex mu;
    std::vector<int64_t> ids;
    std::atomic<int> resyncs{0};
    ChangeHandlers handlers() {
        return {[this](int64_t id) {
                    std::lock_guard lock(mu);
                    ids.push_back(id);
                },
                [this] { ++resyncs; }};
    }
    std::vector<int64_t> seen() {
        std::lock_guard lock(mu);
        return ids;
    }
    bool has(int64_t id) {
        auto v = seen();
        return std::find(v.begin(), v.end(), id) != v.end();
    }
};

struct RolledBack {};

void announce(Database& db, int64_t id, bool commit) {
    try {
        db.write([&](Connection& c) {
            c.dialect().announce_log_change(c, id);
            if (!commit) throw RolledBack{};
        });
    } catch (const RolledBack&) {
    }
}

}  // namespace

TEST_CASE(
    "the change feed hears committed log changes only, and comes back after its backend "
    "was terminated",
    "[pg][nodes][change-feed]") {
    test::PgTestDb pg;
    Database db(pg.uri(), 1);
    db.migrate();
    Heard heard;
    auto feed = open_change_feed(db, heard.handlers());
    REQUIRE(feed);
    REQUIRE(test::wait_until([&] { return feed->connected(); }));
    CHECK(heard.resyncs >= 1);

    announce(db, 41, false);  // rolled back: never announced
    announce(db, 42, true);
    REQUIRE(test::wait_until([&] { return heard.has(42); }, std::chrono::seconds(5)));
    CHECK_FALSE(heard.has(41));  // notifications arrive in commit order: 41 would be first

    const int before = heard.resyncs;
    postgres::PgConnection admin(pg.uri());
    auto kill = admin.prepare(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?1");
    kill.bind(1, postgres::listener_application_name());
    REQUIRE(kill.step());
    CHECK(kill.int64(0) == 1);
    CHECK_FALSE(kill.step());  // one listener in this process
    // A drop and a reconnect each call resync.
    REQUIRE(test::wait_until([&] { return heard.resyncs >= before + 2 && feed->connected(); }));
    announce(db, 43, true);
    CHECK(test::wait_until([&] { return heard.has(43); }, std::chrono::seconds(5)));
    feed.reset();  // stops and joins its thread
}

TEST_CASE("SQLite has no change feed", "[pg][nodes][change-feed]") {
    auto dir = test::temp_dir();
    {
        Database db(dir + "/feed.db", 1);
        CHECK_FALSE(open_change_feed(db, {}));
    }
    std::filesystem::remove_all(dir);
}
