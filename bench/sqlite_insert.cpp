// Baseline for scripts/bench: raw SQLite durable inserts with Orderly's settings (WAL,
// synchronous=FULL, one BEGIN IMMEDIATE transaction per row, a prepared statement), from the
// given number of threads sharing one connection under a mutex. Prints inserts per second.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_sqlite DB SECONDS [THREADS]\n");
        return 2;
    }
    double seconds = std::atof(argv[2]);
    int threads = argc > 3 ? std::atoi(argv[3]) : 4;
    sqlite3* db = nullptr;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) return 1;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                 nullptr, nullptr, nullptr);
    sqlite3_exec(db,
                 "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body "
                 "TEXT NOT NULL, at INTEGER NOT NULL) STRICT",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t (title, body, at) VALUES (?1, ?2, ?3)", -1, &ins,
                       nullptr);
    std::mutex mu;
    long count = 0;
    const std::string body(300, 'x');
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&] {
            while (std::chrono::steady_clock::now() < deadline) {
                std::lock_guard lock(mu);
                sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
                sqlite3_bind_text(ins, 1, "bench ticket", -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 2, body.c_str(), static_cast<int>(body.size()),
                                  SQLITE_STATIC);
                sqlite3_bind_int64(ins, 3, count);
                sqlite3_step(ins);
                sqlite3_reset(ins);
                sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
                ++count;
            }
        });
    for (auto& t : ts) t.join();
    std::printf("%.1f\n", static_cast<double>(count) / seconds);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return 0;
}
