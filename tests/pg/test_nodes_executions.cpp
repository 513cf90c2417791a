// Executions across several real nodes (orderly processes) on one PostgreSQL database, with the
// production heartbeat and lease (5 s, 30 s): 200 queued executions raced for by 3 nodes each
// run exactly once; a node killed with SIGKILL mid-run is found lost by another node, which
// marks its execution interrupted and kills its processes; a node frozen past its lease comes
// back fenced: it records nothing more for that execution and stops its processes.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "api/test_executions_support.h"
#include "pg_test_db.h"

using namespace orderly::test;
using namespace orderly::test::executions;

namespace {

constexpr const char* kAdminPw = "nodes-admin-pw";

// A PostgreSQL database and a directory for nodes on it, which share one secret key.
struct Nodes {
    PgTestDb pg;
    Dir dir;
    int started = 0;

    std::unique_ptr<ServerProcess> start() {
        ++started;
        return std::make_unique<ServerProcess>(
            pg.uri(), std::vector<std::string>{},
            std::vector<std::string>{
                "ORDERLY_ADMIN_PASSWORD=" + std::string(kAdminPw),
                "ORDERLY_SECRET_KEY_FILE=" + dir.path + "/orderly.key",
                "ORDERLY_WORK_DIR=" + dir.path + "/work" + std::to_string(started),
                "ORDERLY_EXECUTION_WORKERS=4"});
    }
};

Client admin_on(const ServerProcess& node) {
    return login_at(node.port(), "admin", kAdminPw);
}

// The executions in one status, seen through any node (at most 100).
size_t count_status(Client& c, const std::string& status) {
    auto r = c.get("/api/v1/executions?status=" + status + "&limit=100");
    REQUIRE(r.status == 200);
    return r.json["items"].Size();
}

// The lines of a file; none when it does not exist.
std::vector<std::string> lines_of(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

size_t files_in(const std::string& dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
    return n;
}

// A task running on the first of two nodes: the second starts once it runs, so that the first
// one owns it. The task prints "pid <its process group>" first.
struct RunningOnFirst {
    std::unique_ptr<ServerProcess> first;
    Client a;
    int64_t id = 0;
    pid_t pgid = 0;
    std::unique_ptr<ServerProcess> second;
    Client b;

    RunningOnFirst(Nodes& nodes, const std::string& script, const std::string& shows)
        : first(nodes.start()),
          a(admin_on(*first)),
          id(start(nodes, script)),
          pgid(pid_in(wait_log(a, id, shows))),
          second(nodes.start()),
          b(admin_on(*second)) {
        REQUIRE(pgid > 1);
        REQUIRE(b.get(exec_path(id)).str("status") == "running");
    }

    int64_t start(Nodes& nodes, const std::string& script) {
        Categories cat(a);
        auto path = write_script(nodes.dir.path, "task.sh", script);
        return run_template(a, make_template(a, cat, path)).execution_id;
    }
};

// What a node reports in /metrics as the executions it runs now; -1 when it cannot be read.
int running_on(const ServerProcess& node) {
    Client c(node.port());
    auto r = c.get("/metrics");
    const std::string key = "\norderly_executions_running ";
    auto at = r.body.find(key);
    return r.status != 200 || at == std::string::npos ? -1
                                                      : std::stoi(r.body.substr(at + key.size()));
}

}  // namespace

TEST_CASE("nodes: 200 queued executions raced for by 3 nodes each run exactly once",
          "[nodes][executions]") {
    Nodes nodes;
    std::vector<std::unique_ptr<ServerProcess>> procs;
    for (int i = 0; i < 3; ++i) procs.push_back(nodes.start());
    std::vector<Client> clients;
    for (const auto& p : procs) clients.push_back(admin_on(*p));
    const std::string runs = nodes.dir.path + "/runs", gate = nodes.dir.path + "/go";
    std::filesystem::create_directory(runs);
    // Each run appends the pid of the node that started it to a file named after its
    // execution, then waits for the gate: the first runs hold every worker of every node
    // while the rest queue up, and opening the gate sets all 12 workers racing for them.
    auto script = write_script(nodes.dir.path, "count.sh",
                               "#!/bin/sh\necho \"$PPID\" >> " + runs +
                                   "/\"$ORDERLY_EXECUTION_ID\"\n"
                                   "while [ ! -e " +
                                   gate + " ]; do sleep 0.05; done\n");
    Categories cat(clients[0]);
    const int64_t tmpl = make_template(clients[0], cat, script);
    std::vector<int64_t> ids;
    for (int i = 0; i < 200; ++i) ids.push_back(run_template(clients[i % 3], tmpl).execution_id);
    const size_t workers = 3 * 4;  // ORDERLY_EXECUTION_WORKERS=4 on each node
    REQUIRE(wait_until([&] { return files_in(runs) == workers; }, 30s));
    CHECK(count_status(clients[1], "running") == workers);
    std::ofstream(gate).close();

    REQUIRE(wait_until(
        [&] {
            return files_in(runs) == ids.size() && count_status(clients[2], "queued") == 0 &&
                   count_status(clients[2], "running") == 0;
        },
        60s));
    std::set<std::string> node_pids;
    for (int64_t id : ids) {
        INFO("execution " << id);
        auto lines = lines_of(runs + "/" + std::to_string(id));
        CHECK(lines.size() == 1);
        if (!lines.empty()) node_pids.insert(lines[0]);
        CHECK(clients[id % 3].get(exec_path(id)).str("status") == "succeeded");
    }
    // Every node ran some, and only these nodes ran any.
    std::set<std::string> expected;
    for (const auto& p : procs) expected.insert(std::to_string(p->pid()));
    CHECK(node_pids == expected);
}

TEST_CASE(
    "nodes: a node killed with SIGKILL mid-run is found lost and its processes killed by another",
    "[nodes][executions]") {
    Nodes nodes;
    RunningOnFirst run(nodes, "#!/bin/sh\necho \"pid $$\"\nsleep 1000 &\nsleep 1000\n", "pid ");
    auto& [first, a, id, pgid, second, b] = run;

    first->signal(SIGKILL);
    first->wait();
    const auto killed_at = std::chrono::steady_clock::now();
    REQUIRE(kill(-pgid, 0) == 0);  // its task outlived it
    auto e = wait_end(b, id, 45s);
    const auto took = std::chrono::steady_clock::now() - killed_at;
    INFO("marked after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                         << " ms");
    CHECK(took < 45s);
    CHECK(e.str("status") == "interrupted");
    CHECK(e.str("message").find("interrupted: the server process that ran it (pid " +
                                std::to_string(first->pid())) == 0);
    CHECK(e.str("message").find(" was lost: it stopped while it ran; ") != std::string::npos);
    CHECK(e.str("message").find("leftover processes were killed") != std::string::npos);
    CHECK(group_gone(pgid));
    CHECK(read_log(b, id).find("\n[orderly] interrupted: ") != std::string::npos);
    CHECK(count_status(b, "running") == 0);
}

TEST_CASE("nodes: a node frozen past its lease comes back fenced and stops its processes",
          "[nodes][executions]") {
    Nodes nodes;
    RunningOnFirst run(
        nodes, "#!/bin/sh\necho \"pid $$\"\nwhile true; do echo tick; sleep 0.2; done\n", "tick\n");
    auto& [first, a, id, pgid, second, b] = run;

    // Frozen: no heartbeat renews its lease, while its task goes on printing into the pipe.
    first->signal(SIGSTOP);
    const auto frozen_at = std::chrono::steady_clock::now();
    auto e = wait_end(b, id, 40s);
    INFO("marked after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - frozen_at)
                                .count()
                         << " ms");
    REQUIRE(e.str("status") == "interrupted");
    CHECK(e.str("message").find(" was lost: its lease ran out ") != std::string::npos);
    CHECK(e.str("message").find("it stops the processes it ran if it comes back") !=
          std::string::npos);
    const std::string log_then = read_log(b, id);
    CHECK(log_then.find("\n[orderly] interrupted: ") != std::string::npos);
    // The other node leaves them to their node, which is alive (frozen).
    REQUIRE(kill(-pgid, 0) == 0);

    first->signal(SIGCONT);
    CHECK(group_gone(pgid, 15s));
    // Its worker is done with the execution once the node reports nothing running.
    CHECK(wait_until([&] { return running_on(*first) == 0; }));
    auto after = a.get(exec_path(id));
    CHECK(after.str("status") == "interrupted");
    CHECK(after.str("message") == e.str("message"));
    CHECK(after.str("finished_at") == e.str("finished_at"));
    CHECK(after.num("log_size") == e.num("log_size"));
    CHECK(read_log(a, id) == log_then);
}
