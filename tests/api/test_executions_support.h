#pragma once
// Shared by the execution API tests (in-process server and real processes): a catalog made over
// the API, task scripts on disk, running a template through a ticket, reading logs.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"
#include "support/test_server.h"

namespace orderly::test::executions {

using namespace std::chrono_literals;

inline std::string q(const std::string& s) {
    json::Writer w;
    w.str(s);
    return w.take();
}

// A temporary directory the tasks can enter, removed at the end of the test.
struct Dir {
    std::string path = temp_dir();
    Dir() { chmod(path.c_str(), 0755); }
    ~Dir() { std::filesystem::remove_all(path); }
};

// Writes an executable script (with its own #! line) and returns its path.
inline std::string write_script(const std::string& dir, const std::string& name,
                                const std::string& text) {
    std::string path = dir + "/" + name;
    {
        std::ofstream out(path);
        out << text;
    }
    chmod(path.c_str(), 0755);
    return path;
}

// Prints its arguments and its ORDERLY_* environment as one JSON line.
inline const char* kArgvScript =
    "#!/usr/bin/python3\n"
    "import json, os, sys\n"
    "print(json.dumps({'argv': sys.argv[1:], 'env': {k: v for k, v in os.environ.items() "
    "if k.startswith('ORDERLY_')}}))\n";

// An environment and a purpose with unique keys, made by `a` (an admin).
struct Categories {
    std::string env, purpose;
    explicit Categories(Client& a) {
        env = unique("PROD");
        purpose = unique("DeployGit");
        auto e = a.post("/api/v1/environments", R"({"key":)" + q(env) + R"(,"name":"生产环境"})");
        INFO(e.body);
        REQUIRE(e.status == 201);
        auto p = a.post("/api/v1/purposes", R"({"key":)" + q(purpose) + R"(,"name":"Git 发布"})");
        INFO(p.body);
        REQUIRE(p.status == 201);
    }
};

// A template without approval (it runs at submit); extra is spliced into the body.
inline int64_t make_template(Client& a, const Categories& cat, const std::string& command,
                             const std::string& extra = "") {
    auto r = a.post("/api/v1/templates", R"({"name":)" + q(unique("task")) + R"(,"environment":)" +
                                             q(cat.env) + R"(,"purpose":)" + q(cat.purpose) +
                                             R"(,"command":)" + q(command) + extra + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    return r.num("id");
}

struct Started {
    int64_t ticket_id = 0;
    int64_t execution_id = 0;
};

// Submits a ticket of the template and runs it at once (a template without a workflow).
inline Started run_template(Client& submitter, int64_t template_id,
                            const std::string& variables_json = "{}") {
    auto r =
        submitter.post("/api/v1/tickets", R"({"template_id":)" + std::to_string(template_id) +
                                              R"(,"title":"run it","execute":true,"variables":)" +
                                              variables_json + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    Started s;
    s.ticket_id = r.num("id");
    const auto& execs = r.json["executions"];
    REQUIRE(execs.IsArray());
    REQUIRE(execs.Size() >= 1);
    s.execution_id = execs[execs.Size() - 1]["id"].GetInt64();
    return s;
}

inline std::string exec_path(int64_t id, const std::string& rest = "") {
    return "/api/v1/executions/" + std::to_string(id) + rest;
}

inline bool ended(const std::string& status) {
    return status != "queued" && status != "running" && !status.empty();
}

// Polls until the execution has ended (or the time is up); returns the last reply.
inline Reply wait_end(Client& c, int64_t id, std::chrono::milliseconds within = 30s) {
    Reply r;
    wait_until(
        [&] {
            r = c.get(exec_path(id));
            return r.status != 200 || ended(r.str("status"));
        },
        within);
    return r;
}

// Reads the whole log by paging with next_offset; pages counts the requests.
inline std::string read_log(Client& c, int64_t id, int* pages = nullptr,
                            const std::string& extra = "") {
    std::string all;
    int64_t offset = 0;
    for (int i = 0; i < 100000; ++i) {
        auto r = c.get(exec_path(id, "/log?offset=" + std::to_string(offset) + extra));
        REQUIRE(r.status == 200);
        REQUIRE(r.num("offset") == offset);
        all += r.str("data");
        if (pages) ++*pages;
        int64_t next = r.num("next_offset");
        if (next == offset) break;
        offset = next;
    }
    return all;
}

// Waits until the log contains `needle`.
inline std::string wait_log(Client& c, int64_t id, const std::string& needle,
                            std::chrono::milliseconds within = 15s) {
    std::string text;
    wait_until(
        [&] {
            text = read_log(c, id);
            return text.find(needle) != std::string::npos;
        },
        within);
    return text;
}

// The number printed after "pid " in a log (scripts print their own pid: the group's id).
inline pid_t pid_in(const std::string& log) {
    auto at = log.find("pid ");
    return at == std::string::npos ? 0 : static_cast<pid_t>(std::stol(log.substr(at + 4)));
}

inline bool group_gone(pid_t pgid, std::chrono::milliseconds within = 5s) {
    return wait_until([&] { return kill(-pgid, 0) != 0 && errno == ESRCH; }, within);
}

}  // namespace orderly::test::executions
