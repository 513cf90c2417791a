// The real binary, with its access log: a secret config value used every way the API allows
// never appears in clear in the server's output, in audit events or in the database files.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "support/process.h"
#include "support/test_database.h"
#include "test_catalog_support.h"

using namespace orderly::test;
using namespace orderly::test::catalog;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// orderly serve with standard output and standard error (access log included) in a file.
struct LoggedServer {
    std::string dir = temp_dir();
    std::string log = dir + "/server.log";
    pid_t pid = -1;
    uint16_t port = 0;
    LoggedServer() {
        // Everything the child needs is prepared before fork: only async-signal-safe calls
        // happen between fork and exec.
        std::vector<std::string> args = {ORDERLY_BINARY, "serve", "--listen",
                                         "127.0.0.1:0",  "--db",  database_location(dir, "o.db")};
        std::vector<std::string> env = {"PATH=/usr/bin:/bin",
                                        std::string("ORDERLY_ADMIN_PASSWORD=") + kAdminPassword};
        for (auto& e : database_env(args.back())) env.push_back(std::move(e));
        std::vector<char*> argv, envp;
        for (auto& x : args) argv.push_back(x.data());
        argv.push_back(nullptr);
        for (auto& x : env) envp.push_back(x.data());
        envp.push_back(nullptr);
        pid = fork();
        if (pid == 0) {
            int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(fd, 1);
            dup2(fd, 2);
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            execve(argv[0], argv.data(), envp.data());
            _exit(127);
        }
        const std::string marker = "serving on http://127.0.0.1:";
        wait_until([&] {
            auto text = slurp(log);
            auto pos = text.find(marker);
            if (pos != std::string::npos &&
                text.find(' ', pos + marker.size()) != std::string::npos)
                port = static_cast<uint16_t>(std::stoi(text.substr(pos + marker.size())));
            return port != 0;
        });
        REQUIRE(port != 0);
    }
    ~LoggedServer() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        std::filesystem::remove_all(dir);
    }
    void stop() {
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
        pid = -1;
    }
};

}  // namespace

TEST_CASE("config: a secret never appears in clear in the server's logs or database files",
          "[api][config][secrets]") {
    LoggedServer srv;
    Client a(srv.port);
    auto login = a.post("/api/v1/auth/login",
                        R"({"username":"admin","password":)" + q(kAdminPassword) + "}");
    REQUIRE(login.status == 200);
    a.set_token(login.str("token"));
    const std::string secret = "Kx7-very-secret-" + unique("v");
    REQUIRE(a.post("/api/v1/environments", R"({"key":"PROD","name":"PROD"})").status == 201);
    REQUIRE(a.post("/api/v1/purposes", R"({"key":"DeployGit","name":"Git"})").status == 201);
    REQUIRE(
        a.put("/api/v1/config/PROD/db.password", R"({"value":)" + q(secret) + R"(,"secret":true})")
            .status == 201);
    REQUIRE(a.put("/api/v1/config/PROD/db.password", R"({"value":"other"})").status == 200);
    REQUIRE(a.post("/api/v1/config/PROD/db.password/rollback", R"({"revision":1})").status == 200);
    CHECK(a.get("/api/v1/config/PROD/db.password").str("value") == secret);
    CHECK(a.get("/api/v1/config/PROD").body.find(secret) == std::string::npos);
    CHECK(a.get("/api/v1/config/PROD/db.password/revisions").body.find(secret) ==
          std::string::npos);
    CHECK(a.get("/api/v1/config/PROD/db.password/diff?from=1&to=2").body.find(secret) ==
          std::string::npos);
    auto t = a.post("/api/v1/templates",
                    R"({"name":"Deploy","environment":"PROD","purpose":"DeployGit",)"
                    R"("command":"deploy --password {config.db.password}"})");
    REQUIRE(t.status == 201);
    auto preview = a.post("/api/v1/templates/" + std::to_string(t.num("id")) + "/preview", "{}");
    REQUIRE(preview.status == 200);
    CHECK(preview.body.find(secret) == std::string::npos);
    CHECK(preview.body.find("--password") != std::string::npos);
    auto audit = a.get("/api/v1/audit-events?limit=500");
    REQUIRE(audit.status == 200);
    CHECK(audit.body.find("config.rollback") != std::string::npos);
    CHECK(audit.body.find(secret) == std::string::npos);
    srv.stop();

    const auto log = slurp(srv.log);
    CHECK(log.find("\"route\":\"/api/v1/config/{env}/{key}\"") != std::string::npos);  // logged
    CHECK(log.find(secret) == std::string::npos);
    for (const auto& f : std::filesystem::directory_iterator(srv.dir)) {
        if (!f.is_regular_file()) continue;
        INFO(f.path());
        CHECK(slurp(f.path()).find(secret) == std::string::npos);
    }
}
