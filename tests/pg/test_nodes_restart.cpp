// PostgreSQL restarted under load: while clients keep three nodes busy, the database server
// stops and starts again. Meanwhile every request is answered at once with 503 and a problem
// code (never a 500, never a hang); afterwards every node serves again by itself, and nothing
// acknowledged was lost. The test stops and starts a cluster of its own (scripts/pg-cluster),
// never the one ORDERLY_TEST_PG names, which other tests are using at the same time.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "api/test_tickets_support.h"
#include "nodes_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;
using orderly::test::nodes::Nodes;
using Clock = std::chrono::steady_clock;

namespace {

// A throwaway cluster made with scripts/pg-cluster in a directory of its own, removed at the end.
class OwnCluster {
  public:
    OwnCluster() {
        static int n = 0;
        dir_ = "/tmp/orderly-restart-" + std::to_string(getpid()) + "-" + std::to_string(++n);
        auto started = run("start");
        if (started.status != 0) throw std::runtime_error("pg-cluster start: " + started.output);
        const size_t at = started.output.find("postgresql://");  // the line it prints
        if (at == std::string::npos) throw std::runtime_error("pg-cluster: " + started.output);
        uri_ = started.output.substr(at, started.output.find('\n', at) - at);
    }
    ~OwnCluster() { run("stop"); }
    OwnCluster(const OwnCluster&) = delete;
    OwnCluster& operator=(const OwnCluster&) = delete;

    const std::string& uri() const { return uri_; }
    // Stops the server (fast: sessions are cut off) and returns once it is down.
    void halt() { REQUIRE(run("halt").status == 0); }
    // Starts it again and returns once it accepts connections.
    void resume() { REQUIRE(run("resume").status == 0); }

    // PostgreSQL's server programs, which the cluster needs (scripts/test installs them).
    static bool server_installed() {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
            if (std::filesystem::exists(e.path() / "bin" / "pg_ctl")) return true;
        return false;
    }

  private:
    CliResult run(const std::string& command) const {
        return run_command(std::string(ORDERLY_SOURCE_DIR) + "/scripts/pg-cluster " + command +
                           " " + dir_);
    }

    std::string dir_;
    std::string uri_;
};

struct Outcome {
    Clock::time_point at;
    std::string what;  // "POST /api/v1/tickets" and the like
    int status = 0;
    std::string code;
    std::string retry_after;
    std::chrono::milliseconds took{0};
};

// Clients that keep every node busy with writes and reads until stopped: each submits a ticket,
// approves it, and reads it and the list back. What each request got is kept.
class Load {
  public:
    Load(const Nodes& nodes, int64_t service, int per_node) {
        for (int i = 0; i < nodes.size() * per_node; ++i)
            threads_.emplace_back(
                [this, &nodes, service, i] { run(nodes.admin(i % nodes.size()), service); });
    }
    ~Load() { stop(); }
    void stop() {
        stop_ = true;
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }
    std::vector<Outcome> outcomes() {
        std::lock_guard lock(mu_);
        return outcomes_;
    }
    // How many answers since `since` had this status.
    int count(int status, Clock::time_point since) {
        std::lock_guard lock(mu_);
        return static_cast<int>(
            std::count_if(outcomes_.begin(), outcomes_.end(),
                          [&](const Outcome& o) { return o.status == status && o.at >= since; }));
    }
    std::vector<int64_t> created() {
        std::lock_guard lock(mu_);
        return created_;
    }

  private:
    Reply send(Client& c, const std::string& method, const std::string& path,
               const std::string& body) {
        const auto start = Clock::now();
        Reply r = c.send(method, path, body);
        const auto end = Clock::now();
        std::lock_guard lock(mu_);
        outcomes_.push_back({end, method + " " + path, r.status, r.str("code"),
                             r.header("Retry-After"),
                             std::chrono::duration_cast<std::chrono::milliseconds>(end - start)});
        return r;
    }
    void run(Client c, int64_t service) {
        while (!stop_) {
            auto made =
                send(c, "POST", "/api/v1/tickets",
                     R"({"service_id":)" + std::to_string(service) + R"(,"title":"重启期间"})");
            if (made.status == 201) {
                const int64_t id = made.num("id");
                {
                    std::lock_guard lock(mu_);
                    created_.push_back(id);
                }
                send(c, "POST", path(id, "approve"), "{}");
                send(c, "GET", path(id), "");
            }
            send(c, "GET", "/api/v1/tickets?limit=5", "");
        }
    }

    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::vector<Outcome> outcomes_;
    std::vector<int64_t> created_;
    std::vector<std::thread> threads_;
};

void check_unavailable(const Reply& r) {
    INFO(r.body);
    CHECK(r.status == 503);
    CHECK(r.str("code") == "database.unavailable");
    CHECK(r.header("Retry-After") == "1");
}

}  // namespace

TEST_CASE("PostgreSQL restarted under load: 503 with a code meanwhile, then all resumes",
          "[pg][nodes]") {
    if (!OwnCluster::server_installed()) {
        std::fprintf(stderr,
                     "skipped: no PostgreSQL server programs under /usr/lib/postgresql "
                     "(scripts/test installs them)\n");
        std::exit(77);
    }
    OwnCluster cluster;
    Nodes nodes(cluster.uri(), 3);
    Client admin = nodes.admin(0);
    auto [workflow_id, version_id] = deploy_workflow(
        admin, R"({"name":"重启","type":"request","allow_self_approval":true,"nodes":[)"
               R"({"key":"submit","type":"submit"},)"
               R"({"key":"review","type":"approval","operators":{"users":["admin"]},"rule":"any"},)"
               R"({"key":"end","type":"end"}]})");
    const int64_t service = make_service(admin, version_id, unique("restart"));

    Load load(nodes, service, 2);
    const auto warm = Clock::now();
    REQUIRE(wait_until([&] { return load.count(200, warm) >= 30; }));

    // Down: every node answers each request at once with 503 database.unavailable.
    const auto halt_started = Clock::now();
    cluster.halt();
    const auto down = Clock::now();
    for (int i = 0; i < nodes.size(); ++i) {
        Client c = nodes.admin(i);
        check_unavailable(c.get("/api/v1/me"));
        check_unavailable(c.post("/api/v1/tickets", R"({"service_id":)" + std::to_string(service) +
                                                        R"(,"title":"down"})"));
        // The node itself is fine and says what is wrong.
        CHECK(c.get("/healthz").status == 200);
        auto ready = c.get("/readyz");
        CHECK(ready.status == 503);
        CHECK(ready.str("code") == "database.unusable");
        auto metrics = c.get("/metrics");
        CHECK(metrics.status == 200);
        CHECK(metrics.body.find("orderly_db_up 0") != std::string::npos);
    }
    REQUIRE(wait_until([&] { return load.count(503, down) >= 30; }));

    // Up again: every node serves by itself, without a restart of its own.
    const auto resume_started = Clock::now();
    cluster.resume();
    const auto up = Clock::now();
    for (int i = 0; i < nodes.size(); ++i) {
        Client c = nodes.admin(i);
        CHECK(wait_until([&] { return c.get("/readyz").status == 200; }));
        auto me = c.get("/api/v1/me");
        INFO(me.body);
        CHECK(me.status == 200);
    }
    const auto serving = Clock::now();
    REQUIRE(wait_until([&] { return load.count(201, up) >= 10 && load.count(200, up) >= 30; }));
    load.stop();

    const auto ms = [](Clock::duration d) {
        return static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    };
    const auto outcomes = load.outcomes();
    std::chrono::milliseconds slowest{0};
    int unavailable = 0;
    std::vector<std::string> wrong;  // the answers a client could not act on, described
    for (const auto& o : outcomes) {
        slowest = std::max(slowest, o.took);
        const std::string what = o.what + " -> " + std::to_string(o.status) + " " + o.code +
                                 " in " + std::to_string(o.took.count()) + " ms";
        // 200 or 201, or 503 with a code and Retry-After: never a 500, never a broken
        // connection, and each at once, well within a request's time.
        const bool unavailable_ok =
            o.status == 503 && (o.code == "database.unavailable" || o.code == "database.busy") &&
            o.retry_after == "1";
        if (o.status == 503) ++unavailable;
        if ((o.status != 200 && o.status != 201 && !unavailable_ok) ||
            o.took >= std::chrono::seconds(5))
            wrong.push_back(what);
    }
    INFO(wrong.size() << " wrong answers; the first: " << (wrong.empty() ? "" : wrong.front()));
    CHECK(wrong.empty());
    CHECK(unavailable > 0);
    std::fprintf(stderr,
                 "restart under load: %zu requests, %d answered 503; halt took %lld ms, resume "
                 "%lld ms, every node serving %lld ms after the server was up; slowest request "
                 "%lld ms\n",
                 outcomes.size(), unavailable, ms(down - halt_started), ms(up - resume_started),
                 ms(serving - up), static_cast<long long>(slowest.count()));

    // Nothing acknowledged was lost, and nothing is stuck: every ticket created is there, and a
    // new one goes all the way through on every node.
    for (int64_t id : load.created()) {
        INFO("ticket " << id);
        CHECK(nodes.admin(static_cast<int>(id % 3)).get(path(id)).status == 200);
    }
    for (int i = 0; i < nodes.size(); ++i) {
        Client c = nodes.admin(i);
        auto made = c.post("/api/v1/tickets",
                           R"({"service_id":)" + std::to_string(service) + R"(,"title":"after"})");
        INFO(made.body);
        REQUIRE(made.status == 201);
        auto approved = c.post(path(made.num("id"), "approve"), "{}");
        INFO(approved.body);
        CHECK(approved.status == 200);
        CHECK(status_of(approved) == "finished");
        CHECK(c.get("/metrics").body.find("orderly_db_up 1") != std::string::npos);
    }
}
