// Bulk loader for scripts/bench: appends N synthetic tickets (and their full-text rows) to an
// Orderly database that the server has already migrated, in transactions of 50,000 rows. The
// tickets are finished history (no active nodes), spread over statuses, environments, purposes
// and a year of creation times, with Chinese and English words in titles and fields.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "domain/ticket_search.h"

namespace {
void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        std::exit(1);
    }
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_load_tickets DB N\n");
        return 2;
    }
    long n = std::atol(argv[2]);
    sqlite3* db = nullptr;
    check(sqlite3_open(argv[1], &db), db, "open");
    check(sqlite3_exec(
              db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;",
              nullptr, nullptr, nullptr),
          db, "pragma");
    sqlite3_stmt* ins = nullptr;
    check(sqlite3_prepare_v2(
              db,
              "INSERT INTO tickets (sn, title, status, environment, purpose, creator_id, fields, "
              "variables, created_at, updated_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, "
              "'{}', ?7, ?7, ?7)",
              -1, &ins, nullptr),
          db, "prepare tickets");
    sqlite3_stmt* fts = nullptr;
    check(sqlite3_prepare_v2(db, "INSERT INTO tickets_fts (rowid, title, body) VALUES (?1, ?2, ?3)",
                             -1, &fts, nullptr),
          db, "prepare fts");
    const char* statuses[] = {"finished",  "finished", "finished",   "rejected",
                              "withdrawn", "failed",   "terminated", "finished"};
    const char* envs[] = {"PROD", "STAGE", "DEV", "TEST"};
    const char* purposes[] = {"DeployGit", "DeployDocker", "DBChange", "Network"};
    const char* words[] = {"扩容",     "变更",   "数据库",  "网络",   "发布",  "回滚",
                           "证书",     "升级",   "deploy",  "app01",  "nginx", "mysql",
                           "rollback", "kernel", "payment", "gateway"};
    std::mt19937_64 rng(42);
    const long long year_ms = 365LL * 24 * 3600 * 1000;
    const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    sqlite3_int64 max_id = 0;
    {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM tickets", -1, &s, nullptr);
        sqlite3_step(s);
        max_id = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
        if (i % 50000 == 0) {
            if (i) check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
            check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
        }
        std::string title = std::string(words[rng() % 16]) + " " + words[rng() % 16] + " " +
                            words[rng() % 16] + " #" + std::to_string(i);
        std::string reason = std::string(words[rng() % 16]) + " " + words[rng() % 16] + " window " +
                             std::to_string(rng() % 24) + ":00";
        std::string fields =
            "{\"reason\":\"" + reason + "\",\"scope\":\"" + words[rng() % 16] + "\"}";
        std::string sn = "BEN-" + std::to_string(max_id + i + 1);
        long long at = now - static_cast<long long>(rng() % year_ms);
        sqlite3_bind_text(ins, 1, sn.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, title.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, statuses[rng() % 8], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, envs[rng() % 4], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, purposes[rng() % 4], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, fields.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 7, at);
        check(sqlite3_step(ins), db, "insert ticket");
        sqlite3_reset(ins);
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);
        // Indexed exactly as the server indexes tickets (CJK bigrams, words).
        std::string fts_title = orderly::domain::search_text(title);
        std::string body = orderly::domain::search_text(sn + " " + reason);
        sqlite3_bind_int64(fts, 1, id);
        sqlite3_bind_text(fts, 2, fts_title.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(fts, 3, body.c_str(), -1, SQLITE_TRANSIENT);
        check(sqlite3_step(fts), db, "insert fts");
        sqlite3_reset(fts);
    }
    check(sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);", nullptr, nullptr, nullptr),
          db, "commit");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%ld tickets in %.1f s\n", n, secs);
    sqlite3_finalize(ins);
    sqlite3_finalize(fts);
    sqlite3_close(db);
    return 0;
}
