#pragma once
// Helpers shared by the catalog API tests: building request bodies and catalog objects.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_server.h"

namespace orderly::test::catalog {

// A JSON string literal (quoted, escaped) for building request bodies.
inline std::string q(const std::string& s) {
    json::Writer w;
    w.str(s);
    return w.take();
}

inline std::string q_list(const std::vector<std::string>& items) {
    json::Writer w;
    w.strings(items);
    return w.take();
}

// Creates an environment and a purpose with unique keys; returns {env, purpose}.
inline std::pair<std::string, std::string> make_categories(Client& a) {
    std::string env = unique("PROD");
    std::string purpose = unique("DeployGit");
    auto e = a.post("/api/v1/environments", R"({"key":)" + q(env) + R"(,"name":"生产环境"})");
    REQUIRE(e.status == 201);
    auto p = a.post("/api/v1/purposes", R"({"key":)" + q(purpose) + R"(,"name":"Git 发布"})");
    REQUIRE(p.status == 201);
    return {env, purpose};
}

// Creates a registered (static) variable with a unique name; returns the name.
inline std::string make_static_variable(Client& a, const std::string& base,
                                        const std::vector<std::string>& options,
                                        bool multiple = false, bool secret = false) {
    std::string name = unique(base);
    auto r = a.post("/api/v1/variables",
                    R"({"name":)" + q(name) + R"(,"multiple":)" + (multiple ? "true" : "false") +
                        R"(,"secret":)" + (secret ? "true" : "false") +
                        R"(,"source":"static","options":)" + q_list(options) + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    return name;
}

// Creates a template; extra is spliced into the body (e.g. ,"choices":{...}). Returns the reply.
inline Reply create_template(Client& a, const std::string& env, const std::string& purpose,
                             const std::string& command, const std::string& extra = "") {
    return a.post("/api/v1/templates",
                  R"({"name":)" + q(unique("Deploy app01")) + R"(,"environment":)" + q(env) +
                      R"(,"purpose":)" + q(purpose) + R"(,"command":)" + q(command) + extra + "}");
}

// Writes an executable script into dir and returns its path.
inline std::string write_script(const std::string& dir, const std::string& name,
                                const std::string& body) {
    std::string path = dir + "/" + name;
    {
        std::ofstream out(path);
        out << "#!/bin/sh\n" << body << "\n";
    }
    chmod(path.c_str(), 0755);
    return path;
}

// Every audit event (as admin), newest first, as raw JSON text.
inline std::string audit_dump() {
    std::string all;
    std::string cursor;
    for (int page = 0; page < 50; ++page) {
        auto r = admin().get("/api/v1/audit-events?limit=500" +
                             (cursor.empty() ? std::string() : "&cursor=" + cursor));
        REQUIRE(r.status == 200);
        all += r.body;
        if (!r.json["next_cursor"].IsString()) break;
        cursor = r.json["next_cursor"].GetString();
    }
    return all;
}

}  // namespace orderly::test::catalog
