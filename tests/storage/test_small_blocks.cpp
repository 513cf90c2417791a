// SQLite's allocator (storage/sqlite/small_blocks.h): blocks hold what was asked and keep their
// bytes when resized; a freed small block serves the next request of its size on that thread;
// each thread keeps only a bounded number; and SQLite runs on it.
// SQLite's own allocator: [sqlite-only].
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/small_blocks.h"
#include "support/process.h"

using namespace orderly;

namespace {
const sqlite3_mem_methods& m() {
    return storage::sqlite::small_block_methods();
}

void fill(void* p, int n, char seed) {
    for (int i = 0; i < n; ++i) static_cast<char*>(p)[i] = static_cast<char>(seed + i);
}
bool holds(const void* p, int n, char seed) {
    for (int i = 0; i < n; ++i)
        if (static_cast<const char*>(p)[i] != static_cast<char>(seed + i)) return false;
    return true;
}
}  // namespace

TEST_CASE("SQLite's blocks hold what was asked and keep their bytes when resized",
          "[storage][sqlite-only]") {
    for (int n : {1, 8, 63, 64, 65, 200, 1024, 1025, 5000}) {
        INFO("size " << n);
        void* p = m().xMalloc(n);
        REQUIRE(p != nullptr);
        CHECK(reinterpret_cast<uintptr_t>(p) % 8 == 0);
        CHECK(m().xSize(p) >= n);
        CHECK(m().xRoundup(n) >= n);
        fill(p, n, 'a');
        // Smaller, larger within the small sizes, across into large ones, and back.
        for (int to : {n / 2 + 1, n + 10, 3000, 70000, 100}) {
            const int kept = std::min(n, to);
            p = m().xRealloc(p, to);
            REQUIRE(p != nullptr);
            CHECK(m().xSize(p) >= to);
            CHECK(holds(p, kept, 'a'));
            fill(p, to, 'a');
            n = to;
        }
        m().xFree(p);
    }
    m().xFree(nullptr);
    CHECK(m().xSize(nullptr) == 0);
}

TEST_CASE("a freed small block serves the next request of its size, up to a bound per thread",
          "[storage][sqlite-only]") {
    // On a thread of its own, which starts with nothing cached; what it holds goes back to the
    // system when it ends (LeakSanitizer would say otherwise).
    std::thread([] {
        using storage::sqlite::small_blocks_cached_here;
        REQUIRE(small_blocks_cached_here() == 0);
        void* a = m().xMalloc(100);
        m().xFree(a);
        CHECK(small_blocks_cached_here() == 1);
        CHECK(m().xMalloc(120) == a);  // the same class: 65..128 bytes
        CHECK(small_blocks_cached_here() == 0);
        m().xFree(a);
        // Large blocks are never kept.
        m().xFree(m().xMalloc(4096));
        CHECK(small_blocks_cached_here() == 1);

        std::vector<void*> blocks;
        for (int i = 0; i < 200; ++i) blocks.push_back(m().xMalloc(300));
        for (void* p : blocks) m().xFree(p);
        const size_t kept = small_blocks_cached_here() - 1;
        CHECK(kept > 0);
        CHECK(kept <= 64);  // the rest went back to the system
        // The first ones freed were kept; they serve the next requests of their class, the
        // last kept first.
        std::vector<void*> again;
        for (size_t i = kept; i-- > 0;) {
            again.push_back(m().xMalloc(257));
            CHECK(again.back() == blocks[i]);
        }
        CHECK(small_blocks_cached_here() == 1);
        for (void* p : again) m().xFree(p);
    }).join();
}

TEST_CASE("SQLite runs on the small-block allocator from several threads at once",
          "[storage][sqlite-only]") {
    const std::string path = test::temp_dir() + "/blocks.db";
    {
        storage::sqlite::SqliteConnection c(path, false);
        c.exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&path, t] {
            storage::sqlite::SqliteConnection c(path, false);
            c.exec_script("PRAGMA busy_timeout = 10000");
            for (int i = 0; i < 200; ++i) {
                const std::string v(static_cast<size_t>(10 + (i * 37) % 3000), char('a' + t));
                auto ins = c.prepare("INSERT INTO t (v) VALUES (?1) RETURNING id");
                ins.bind(1, v);
                REQUIRE(ins.step());
                const int64_t id = ins.int64(0);
                ins.reset();
                auto sel = c.prepare("SELECT v FROM t WHERE id = ?1");
                sel.bind(1, id);
                REQUIRE(sel.step());
                REQUIRE(sel.text(0) == v);
            }
        });
    for (auto& th : threads) th.join();
    storage::sqlite::SqliteConnection c(path, true);
    auto n = c.prepare("SELECT count(*) FROM t");
    REQUIRE(n.step());
    CHECK(n.int64(0) == 800);
}
