// Baseline for scripts/bench --pg: raw durable inserts over libpq, pgbench-style. Each client
// thread holds its own connection and inserts one row per transaction (autocommit, the server's
// default synchronous_commit = on) with a prepared statement, for the given number of seconds.
// Prints inserts per second over all clients.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

bool ok(PGresult* r, ExecStatusType want, PGconn* c, const char* what) {
    const bool good = PQresultStatus(r) == want;
    if (!good) std::fprintf(stderr, "%s: %s", what, PQerrorMessage(c));
    PQclear(r);
    return good;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_pg_insert URI SECONDS [CLIENTS]\n");
        return 2;
    }
    const std::string uri = argv[1];
    const double seconds = std::atof(argv[2]);
    const int clients = argc > 3 ? std::atoi(argv[3]) : 64;
    {
        PGconn* c = PQconnectdb(uri.c_str());
        if (PQstatus(c) != CONNECTION_OK) {
            std::fprintf(stderr, "connect: %s", PQerrorMessage(c));
            return 1;
        }
        if (!ok(PQexec(c,
                       "DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (id BIGSERIAL "
                       "PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL)"),
                PGRES_COMMAND_OK, c, "create"))
            return 1;
        PQfinish(c);
    }
    std::atomic<long> count{0};
    std::atomic<bool> failed{false};
    const std::string body(300, 'x');
    // Every client connects first; the clock starts when all are ready.
    std::vector<PGconn*> conns(static_cast<size_t>(clients));
    for (auto& c : conns) {
        c = PQconnectdb(uri.c_str());
        if (PQstatus(c) != CONNECTION_OK ||
            !ok(PQprepare(c, "ins", "INSERT INTO bench_raw (title, body, at) VALUES ($1, $2, $3)",
                          3, nullptr),
                PGRES_COMMAND_OK, c, "prepare")) {
            std::fprintf(stderr, "connect: %s", PQerrorMessage(c));
            return 1;
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::vector<std::thread> threads;
    for (PGconn* c : conns)
        threads.emplace_back([&, c] {
            long n = 0;
            while (std::chrono::steady_clock::now() < deadline) {
                const std::string at = std::to_string(n);
                const char* values[3] = {"bench ticket", body.c_str(), at.c_str()};
                if (!ok(PQexecPrepared(c, "ins", 3, values, nullptr, nullptr, 0), PGRES_COMMAND_OK,
                        c, "insert")) {
                    failed = true;
                    return;
                }
                ++n;
            }
            count += n;
        });
    for (auto& t : threads) t.join();
    for (PGconn* c : conns) PQfinish(c);
    if (failed) return 1;
    std::printf("%.1f\n", static_cast<double>(count) / seconds);
    return 0;
}
