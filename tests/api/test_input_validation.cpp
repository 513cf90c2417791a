// Input the spec refuses is refused by the server, whatever the route: missing bodies, integers
// outside int64 or outside the spec's bounds, path ids that name nothing, query parameters
// that do not fit their schema. The generic cases walk the embedded spec's routes.
#include <regex>

#include "api/test_tickets_support.h"
#include "http/spec.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {
void expect_400(const Reply& r, const std::string& field) {
    INFO(r.body);
    REQUIRE(r.status == 400);
    REQUIRE(r.json.IsObject());
    REQUIRE(r.json.HasMember("errors"));
    CHECK(r.json["errors"][0]["field"].GetString() == field);
}
// A concrete path for a route template: {id}-like parameters become 1, others "x".
std::string concrete(std::string_view route) {
    static const std::regex param(R"(\{([a-z_]+)\})");
    std::string out;
    std::string s(route);
    std::smatch m;
    while (std::regex_search(s, m, param)) {
        out += m.prefix();
        out += (m[1] == "id" || m[1] == "version") ? "1" : "x";
        s = m.suffix();
    }
    return out + s;
}
Reply call(Client& c, std::string_view method, const std::string& path, const std::string& body) {
    if (method == "POST") return c.post(path, body);
    if (method == "PUT") return c.put(path, body);
    if (method == "PATCH") return c.patch(path, body);
    if (method == "DELETE") return c.del(path);
    return c.get(path);
}
}  // namespace

TEST_CASE("every operation with a required body answers a missing or empty body with 400",
          "[api][input]") {
    auto a = admin();
    int checked = 0;
    for (const auto& r : orderly::spec::routes()) {
        if (!r.body_required) continue;
        const std::string p = concrete(r.path);
        for (const char* body : {"", "  \r\n"}) {
            INFO(r.method << " " << p << " body=\"" << body << "\"");
            auto res = call(a, r.method, p, body);
            INFO(res.body);
            CHECK(res.status == 400);
            CHECK(res.header("Content-Type").find("application/problem+json") == 0);
        }
        ++checked;
    }
    // Every operation whose body schema requires a member needs a body.
    for (const auto& r : orderly::spec::routes())
        if (r.body_schema.find("\"required\"") != std::string_view::npos) {
            INFO(r.method << " " << r.path);
            CHECK(r.body_required);
        }
    CHECK(checked > 30);
}

TEST_CASE("transfer, comment and return without a body are 400 and change nothing",
          "[api][input]") {
    ChangeScenario s;
    int64_t id = s.submit();
    auto before = s.ops.get(path(id));
    for (const char* action : {"transfer", "comments", "return", "fill", "evaluate"}) {
        INFO(action);
        auto r = s.lead.post(path(id, action), "");
        INFO(r.body);
        CHECK(r.status == 400);
    }
    auto t = s.lead.post(path(id, "transfer"), "{}");
    expect_400(t, "to_user");
    auto after = s.ops.get(path(id));
    CHECK(after.num("version") == before.num("version"));
    CHECK(after.json["steps"].Size() == before.json["steps"].Size());
}

TEST_CASE("integers from 2^63 up are refused naming the field, not misread", "[api][input]") {
    auto a = admin();
    // Beyond a double: not JSON the server can read at all, 400 too.
    CHECK(a.post("/api/v1/config/PROD/some.key/rollback", R"({"revision":1e400})").status == 400);
    for (const char* n : {"9223372036854775808", "18446744073709551615"}) {
        INFO(n);
        // A config rollback to such a revision must not roll back to another one.
        expect_400(a.post("/api/v1/config/PROD/some.key/rollback",
                          std::string(R"({"revision":)") + n + "}"),
                   "revision");
        // A version from 2^63 must not skip the stale-version check.
        expect_400(a.post("/api/v1/tickets/1/approve", std::string(R"({"version":)") + n + "}"),
                   "version");
        // A webhook's workflow_id must not silently become null.
        expect_400(a.post("/api/v1/webhooks", std::string(R"({"url":"http://127.0.0.1:9/h",)") +
                                                  R"("workflow_id":)" + n + "}"),
                   "workflow_id");
    }
    // Ids stop at 2^53 - 1, the largest integer every JSON client reads exactly.
    expect_400(a.post("/api/v1/webhooks",
                      R"({"url":"http://127.0.0.1:9/h","workflow_id":9007199254740992})"),
               "workflow_id");
    expect_400(a.post("/api/v1/webhooks", R"({"url":"http://127.0.0.1:9/h","workflow_id":0})"),
               "workflow_id");
    CHECK(a.get("/api/v1/webhooks?workflow_id=9007199254740991").status == 200);
}

TEST_CASE("path ids that name nothing are 404 on every route, never 400 or 500", "[api][input]") {
    auto a = admin();
    int checked = 0;
    for (const auto& r : orderly::spec::routes()) {
        std::string_view route = r.path;
        auto at = route.find("{id}");
        if (at == std::string_view::npos) continue;
        for (const char* bad : {"0", "-1", "abc", "1.5", "+1", "01", "9007199254740992",
                                "9223372036854775808", "99999999999999999999"}) {
            std::string p = concrete(std::string(route.substr(0, at)) + bad +
                                     std::string(route.substr(at + 4)));
            INFO(r.method << " " << p);
            auto res = call(a, r.method, p, "{}");
            INFO(res.body);
            CHECK(res.status == 404);
        }
        ++checked;
    }
    CHECK(checked > 30);
}

TEST_CASE("query parameters are validated against the spec", "[api][input]") {
    auto a = admin();
    // Every list's limit: 1..500, an integer.
    int lists = 0;
    for (const auto& r : orderly::spec::routes()) {
        if (r.method != "GET" || r.query_schema.find("\"limit\"") == std::string_view::npos)
            continue;
        const std::string p = concrete(r.path);
        for (const char* bad : {"0", "-1", "501", "abc", "", "1.5", "99999999999999999999"}) {
            INFO(p << "?limit=" << bad);
            expect_400(a.get(p + "?limit=" + bad), "limit");
        }
        ++lists;
    }
    CHECK(lists >= 10);
    expect_400(a.get("/api/v1/tickets?q=" + std::string(201, 'x')), "q");
    CHECK(a.get("/api/v1/tickets?q=" + std::string(200, 'x')).status == 200);
    expect_400(a.get("/api/v1/audit-events?actor=" + std::string(65, 'a')), "actor");
    expect_400(a.get("/api/v1/audit-events?object_id=" + std::string(129, 'a')), "object_id");
    expect_400(a.get("/api/v1/notifications?event=" + std::string(65, 'e')), "event");
    expect_400(a.get("/api/v1/notifications?status=lost"), "status");
    expect_400(a.get("/api/v1/tickets?view=everything"), "view");
    expect_400(a.get("/api/v1/templates?active=maybe"), "active");
    expect_400(a.get("/api/v1/executions?from=yesterday"), "from");
    expect_400(a.get("/api/v1/services?catalog_id=0"), "catalog_id");
    // Unknown parameters are refused rather than silently ignored.
    expect_400(a.get("/api/v1/businesses?limt=5"), "limt");
    expect_400(a.get("/api/v1/me?x=1"), "x");
    CHECK(a.get("/api/v1/notifications?status=sent&event=ticket.approved&limit=5").status == 200);
}

TEST_CASE("every operation documents the 400 that parameter and body validation can answer",
          "[api][input]") {
    orderly::json::Document spec;
    auto text = orderly::spec::openapi_json();
    spec.Parse(text.data(), text.size());
    REQUIRE(spec.IsObject());
    int operations = 0;
    for (const auto& r : orderly::spec::routes()) {
        std::string method(r.method);
        for (auto& ch : method) ch = static_cast<char>(std::tolower(ch));
        const auto& op = spec["paths"][std::string(r.path).c_str()][method.c_str()];
        INFO(r.method << " " << r.path);
        CHECK(op["responses"].HasMember("400"));
        ++operations;
    }
    CHECK(operations > 60);
}
