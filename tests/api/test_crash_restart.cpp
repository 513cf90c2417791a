// Durability under SIGKILL: clients submit and approve tickets while the real server is killed
// at random moments and restarted on the same database. Every write that was answered 2xx must
// be there afterwards, and the database must pass PRAGMA integrity_check.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"
#include "support/test_server.h"

using namespace orderly::test;
using namespace std::chrono_literals;

namespace {

constexpr int kKills = 20;
constexpr int kClients = 4;
constexpr const char* kAdminEnv = "ORDERLY_ADMIN_PASSWORD=crash-admin-password";

// Asks /readyz until the server answers 200, with a deadline. ServerProcess returns once the
// server listens, so this normally succeeds at the first request; each try is itself a blocking
// round trip, so no delay is added between tries.
bool wait_ready(uint16_t port) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (Client(port).get("/readyz").status == 200) return true;
        std::this_thread::yield();
    }
    return false;
}

std::string integrity_check(const std::string& db_path) {
    sqlite3* db = nullptr;
    std::string result = "cannot open";
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        result = "cannot prepare";
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
            result.clear();
            while (sqlite3_step(st) == SQLITE_ROW) {
                if (!result.empty()) result += "; ";
                result += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return result;
}

struct Acked {
    std::mutex mu;
    std::vector<std::pair<int64_t, std::string>> tickets;  // id, title
    std::vector<int64_t> approved;
    std::vector<std::string> unexpected;  // answers that are neither 2xx nor a dropped connection
};

}  // namespace

// Checks the SQLite file itself after each kill (PRAGMA integrity_check): [sqlite-only].
TEST_CASE("acknowledged writes survive SIGKILL at random moments",
          "[process][crash][sqlite-only]") {
    const char* env_seed = std::getenv("ORDERLY_CRASH_SEED");
    const uint64_t seed = env_seed ? std::strtoull(env_seed, nullptr, 10) : std::random_device{}();
    std::mt19937_64 rng(seed);
    // Printed with every failure below; rerun with ORDERLY_CRASH_SEED=<seed> to replay the moments.
    INFO("ORDERLY_CRASH_SEED=" << seed);

    auto dir = temp_dir();
    const std::string db = dir + "/crash.db";
    auto server = std::make_unique<ServerProcess>(db, std::vector<std::string>{},
                                                  std::vector<std::string>{kAdminEnv});
    REQUIRE(wait_ready(server->port()));

    // Setup: an API token (it survives restarts, and needs no password hashing per round), and
    // a service whose tickets go submit -> approval by their submitter -> end.
    std::string token;
    int64_t service_id = 0;
    {
        Client c(server->port());
        auto login = c.post("/api/v1/auth/login",
                            R"({"username":"admin","password":"crash-admin-password"})");
        REQUIRE(login.status == 200);
        c.set_token(login.str("token"));
        auto tok = c.post("/api/v1/me/tokens", R"({"name":"crash","expires_in_days":1})");
        REQUIRE(tok.status == 201);
        token = tok.str("token");
        auto wf = c.post(
            "/api/v1/workflows",
            R"({"name":"Crash","type":"change","allow_self_approval":true,"nodes":[)"
            R"({"key":"submit","type":"submit"},)"
            R"({"key":"review","type":"approval","operators":{"users":["admin"]},"rule":"any"},)"
            R"({"key":"end","type":"end"}]})");
        INFO(wf.body);
        REQUIRE(wf.status == 201);
        auto dep = c.post("/api/v1/workflows/" + std::to_string(wf.num("id")) + "/deploy", "");
        INFO(dep.body);
        REQUIRE(dep.status == 201);
        auto svc = c.post("/api/v1/services", R"({"name":"crash","workflow_version_id":)" +
                                                  std::to_string(dep.num("version_id")) + "}");
        INFO(svc.body);
        REQUIRE(svc.status == 201);
        service_id = svc.num("id");
    }

    Acked acked;
    for (int round = 0; round < kKills; ++round) {
        if (round > 0) {
            server = std::make_unique<ServerProcess>(db, std::vector<std::string>{},
                                                     std::vector<std::string>{kAdminEnv});
            REQUIRE(wait_ready(server->port()));
        }
        const uint16_t port = server->port();
        // The moment: after a random number of acknowledged writes, with others in flight.
        const int kill_after = static_cast<int>(rng() % 16);
        std::mutex mu;
        std::condition_variable cv;
        int acked_this_round = 0;
        std::atomic<bool> stop{false};
        auto ack = [&] {
            std::lock_guard<std::mutex> g(mu);
            ++acked_this_round;
            cv.notify_all();
        };
        std::vector<std::thread> clients;
        for (int k = 0; k < kClients; ++k)
            clients.emplace_back([&, k] {
                Client c(port);
                c.set_token(token);
                for (int i = 0; !stop; ++i) {
                    const std::string title = "crash " + std::to_string(round) + "-" +
                                              std::to_string(k) + "-" + std::to_string(i);
                    auto created =
                        c.post("/api/v1/tickets", R"({"service_id":)" + std::to_string(service_id) +
                                                      R"(,"title":")" + title + R"("})");
                    if (created.status < 0) return;  // the server is gone
                    if (created.status / 100 != 2) {
                        std::lock_guard<std::mutex> g(acked.mu);
                        acked.unexpected.push_back("create: " + created.body);
                        return;
                    }
                    const int64_t id = created.num("id");
                    {
                        std::lock_guard<std::mutex> g(acked.mu);
                        acked.tickets.emplace_back(id, title);
                    }
                    ack();
                    auto approved =
                        c.post("/api/v1/tickets/" + std::to_string(id) + "/approve", "{}");
                    if (approved.status < 0) return;
                    if (approved.status / 100 != 2) {
                        std::lock_guard<std::mutex> g(acked.mu);
                        acked.unexpected.push_back("approve: " + approved.body);
                        return;
                    }
                    {
                        std::lock_guard<std::mutex> g(acked.mu);
                        acked.approved.push_back(id);
                    }
                    ack();
                }
            });
        {
            std::unique_lock<std::mutex> lk(mu);
            bool reached = cv.wait_for(lk, 30s, [&] { return acked_this_round >= kill_after; });
            INFO("round " << round << ": " << acked_this_round << " of " << kill_after
                          << " writes acknowledged");
            CHECK(reached);
        }
        server->signal(SIGKILL);
        CHECK(server->wait() == -SIGKILL);
        stop = true;
        for (auto& t : clients) t.join();
        {
            std::lock_guard<std::mutex> g(acked.mu);
            INFO("round " << round);
            REQUIRE(acked.unexpected.empty());
        }
    }

    // The database as the last kill left it.
    CHECK(integrity_check(db) == "ok");

    server = std::make_unique<ServerProcess>(db, std::vector<std::string>{},
                                             std::vector<std::string>{kAdminEnv});
    REQUIRE(wait_ready(server->port()));
    Client c(server->port());
    c.set_token(token);
    INFO(acked.tickets.size() << " tickets and " << acked.approved.size()
                              << " approvals acknowledged");
    CHECK(acked.approved.size() >= 10);
    int missing = 0;
    for (const auto& [id, title] : acked.tickets) {
        auto t = c.get("/api/v1/tickets/" + std::to_string(id));
        if (t.status != 200 || t.str("title") != title) {
            ++missing;
            UNSCOPED_INFO("ticket " << id << " (" << title << "): " << t.status << " " << t.body);
        }
    }
    for (int64_t id : acked.approved) {
        auto t = c.get("/api/v1/tickets/" + std::to_string(id));
        int approvals = 0;
        if (t.json.IsObject() && t.json.HasMember("steps"))
            for (const auto& s : t.json["steps"].GetArray())
                if (std::string(s["action"].GetString()) == "approve") ++approvals;
        if (approvals != 1 || t.str("status") != "finished") {
            ++missing;
            UNSCOPED_INFO("approval of ticket " << id << ": " << t.body);
        }
    }
    CHECK(missing == 0);
    server->signal(SIGTERM);
    CHECK(server->wait() == 0);
    CHECK(integrity_check(db) == "ok");
    std::filesystem::remove_all(dir);
}
