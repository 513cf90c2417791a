// Bulk loader for scripts/bench: appends N synthetic tickets (and their full-text rows) to an
// Orderly database that the server has already migrated: a SQLite file, in transactions of
// 50,000 rows, or a PostgreSQL database (a postgresql:// URI), with COPY in one transaction and
// the id sequence moved past the new rows. The tickets are finished history (no active nodes),
// spread over statuses, environments, purposes and a year of creation times, with Chinese and
// English words in titles and fields, indexed as the server indexes them.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "domain/ticket_search.h"

namespace {

struct TicketRow {
    std::string sn, title, fields, fts_title, fts_body;
    const char* status;
    const char* environment;
    const char* purpose;
    long long at;
};

// Calls `sink` with n synthetic tickets numbered after max_id.
void generate(long n, long long max_id, const std::function<void(const TicketRow&)>& sink) {
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
    TicketRow r;
    for (long i = 0; i < n; ++i) {
        r.title = std::string(words[rng() % 16]) + " " + words[rng() % 16] + " " +
                  words[rng() % 16] + " #" + std::to_string(i);
        std::string reason = std::string(words[rng() % 16]) + " " + words[rng() % 16] + " window " +
                             std::to_string(rng() % 24) + ":00";
        r.fields = "{\"reason\":\"" + reason + "\",\"scope\":\"" + words[rng() % 16] + "\"}";
        r.sn = "BEN-" + std::to_string(max_id + i + 1);
        r.at = now - static_cast<long long>(rng() % year_ms);
        r.status = statuses[rng() % 8];
        r.environment = envs[rng() % 4];
        r.purpose = purposes[rng() % 4];
        // Indexed exactly as the server indexes tickets (CJK bigrams, words).
        r.fts_title = orderly::domain::search_text(r.title);
        r.fts_body = orderly::domain::search_text(r.sn + " " + reason);
        sink(r);
    }
}

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        std::exit(1);
    }
}

void load_sqlite(const char* path, long n) {
    sqlite3* db = nullptr;
    check(sqlite3_open(path, &db), db, "open");
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
    sqlite3_int64 max_id = 0;
    {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM tickets", -1, &s, nullptr);
        sqlite3_step(s);
        max_id = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    long i = 0;
    generate(n, max_id, [&](const TicketRow& r) {
        if (i % 50000 == 0) {
            if (i) check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
            check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
        }
        ++i;
        sqlite3_bind_text(ins, 1, r.sn.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, r.title.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, r.status, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, r.environment, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, r.purpose, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, r.fields.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 7, r.at);
        check(sqlite3_step(ins), db, "insert ticket");
        sqlite3_reset(ins);
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);
        sqlite3_bind_int64(fts, 1, id);
        sqlite3_bind_text(fts, 2, r.fts_title.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(fts, 3, r.fts_body.c_str(), -1, SQLITE_TRANSIENT);
        check(sqlite3_step(fts), db, "insert fts");
        sqlite3_reset(fts);
    });
    check(sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);", nullptr, nullptr, nullptr),
          db, "commit");
    sqlite3_finalize(ins);
    sqlite3_finalize(fts);
    sqlite3_close(db);
}

void pg_exec(PGconn* c, const char* sql) {
    PGresult* r = PQexec(c, sql);
    const auto st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN) {
        std::fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        std::exit(1);
    }
}

// COPY text format: backslash, tab and newline escaped.
void copy_field(std::string& line, const std::string& v) {
    for (char ch : v) {
        if (ch == '\\')
            line += "\\\\";
        else if (ch == '\t')
            line += "\\t";
        else if (ch == '\n')
            line += "\\n";
        else
            line += ch;
    }
}

// Streams rows into one open COPY ... FROM STDIN, in buffers of about 1 MB.
class CopyIn {
  public:
    CopyIn(PGconn* c, const char* sql) : c_(c) { pg_exec(c, sql); }
    void row(std::initializer_list<std::string> fields) {
        bool first = true;
        for (const auto& f : fields) {
            if (!first) buf_ += '\t';
            first = false;
            copy_field(buf_, f);
        }
        buf_ += '\n';
        if (buf_.size() > (1u << 20)) flush();
    }
    // A line already in COPY's text format.
    void line(const std::string& l) {
        buf_ += l;
        if (buf_.size() > (1u << 20)) flush();
    }
    void end() {
        flush();
        if (PQputCopyEnd(c_, nullptr) != 1) fail();
        PGresult* r = PQgetResult(c_);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) fail();
        PQclear(r);
        while ((r = PQgetResult(c_))) PQclear(r);
    }

  private:
    void flush() {
        if (!buf_.empty() && PQputCopyData(c_, buf_.data(), static_cast<int>(buf_.size())) != 1)
            fail();
        buf_.clear();
    }
    [[noreturn]] void fail() {
        std::fprintf(stderr, "copy: %s", PQerrorMessage(c_));
        std::exit(1);
    }
    PGconn* c_;
    std::string buf_;
};

void load_postgres(const char* uri, long n) {
    PGconn* c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        std::fprintf(stderr, "connect: %s", PQerrorMessage(c));
        std::exit(1);
    }
    pg_exec(c, "BEGIN");
    PGresult* r = PQexec(c, "SELECT coalesce(max(id), 0) FROM tickets");
    const long long max_id = std::atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    // Tickets first (ids given), then their search rows, kept in memory meanwhile: one COPY is
    // open at a time on a connection.
    std::vector<std::string> fts;
    {
        CopyIn tickets(c,
                       "COPY tickets (id, sn, title, status, environment, purpose, creator_id, "
                       "fields, variables, created_at, updated_at, finished_at) FROM STDIN");
        long long id = max_id;
        generate(n, max_id, [&](const TicketRow& t) {
            ++id;
            const std::string at = std::to_string(t.at);
            tickets.row({std::to_string(id), t.sn, t.title, t.status, t.environment, t.purpose, "1",
                         t.fields, "{}", at, at, at});
            std::string line;
            copy_field(line, std::to_string(id));
            line += '\t';
            copy_field(line, t.fts_title);
            line += '\t';
            copy_field(line, t.fts_body);
            line += '\n';
            fts.push_back(std::move(line));
        });
        tickets.end();
    }
    CopyIn search(c, "COPY tickets_fts (rowid, title, body) FROM STDIN");
    for (const auto& line : fts) search.line(line);
    search.end();
    pg_exec(
        c, "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))");
    pg_exec(c, "COMMIT");
    pg_exec(c, "VACUUM ANALYZE tickets");
    pg_exec(c, "VACUUM ANALYZE tickets_fts");
    PQfinish(c);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_load_tickets DB|postgresql://... N\n");
        return 2;
    }
    const std::string db = argv[1];
    const long n = std::atol(argv[2]);
    const auto t0 = std::chrono::steady_clock::now();
    if (db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0)
        load_postgres(argv[1], n);
    else
        load_sqlite(argv[1], n);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%ld tickets in %.1f s\n", n, secs);
    return 0;
}
