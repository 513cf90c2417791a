#include "support/test_server.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "support/process.h"
#include "support/test_database.h"

namespace orderly::test {

std::string Reply::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::string Reply::str(const char* member) const {
    if (!json.IsObject()) return {};
    auto it = json.FindMember(member);
    if (it == json.MemberEnd() || !it->value.IsString()) return {};
    return it->value.GetString();
}

int64_t Reply::num(const char* member) const {
    if (!json.IsObject()) return 0;
    auto it = json.FindMember(member);
    if (it == json.MemberEnd() || !it->value.IsInt64()) return 0;
    return it->value.GetInt64();
}

Client::Client(uint16_t port) : port_(port) {}

httplib::Headers Client::headers(const httplib::Headers& extra) const {
    httplib::Headers h = extra;
    if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
    return h;
}

Reply Client::send(const std::string& method, const std::string& path, const std::string& body,
                   const httplib::Headers& extra) {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_connection_timeout(5);
    cli.set_read_timeout(60);
    cli.set_write_timeout(30);
    httplib::Result r(nullptr, httplib::Error::Unknown);
    auto h = headers(extra);
    if (method == "GET")
        r = cli.Get(path, h);
    else if (method == "DELETE")
        r = cli.Delete(path, h, body, "application/json");
    else if (method == "POST")
        r = cli.Post(path, h, body, "application/json");
    else if (method == "PATCH")
        r = cli.Patch(path, h, body, "application/json");
    else if (method == "PUT")
        r = cli.Put(path, h, body, "application/json");
    else {
        httplib::Request req;
        req.method = method;
        req.path = path;
        req.headers = h;
        req.body = body;
        r = cli.send(req);
    }
    Reply out;
    if (!r) {
        out.status = -1;
        out.body = "transport error " + httplib::to_string(r.error());
        return out;
    }
    out.status = r->status;
    out.body = r->body;
    out.headers = r->headers;
    out.json.Parse(out.body.c_str());
    if (out.json.HasParseError()) out.json.SetNull();
    return out;
}

Reply Client::get(const std::string& path, const httplib::Headers& extra) {
    return send("GET", path, "", extra);
}
Reply Client::del(const std::string& path, const httplib::Headers& extra) {
    return send("DELETE", path, "", extra);
}
Reply Client::post(const std::string& path, const std::string& body,
                   const httplib::Headers& extra) {
    return send("POST", path, body, extra);
}
Reply Client::patch(const std::string& path, const std::string& body,
                    const httplib::Headers& extra) {
    return send("PATCH", path, body, extra);
}
Reply Client::put(const std::string& path, const std::string& body, const httplib::Headers& extra) {
    return send("PUT", path, body, extra);
}

namespace {
std::string secret_key_file_in(const std::string& dir) {
    return dir + "/secret.key";
}
struct Shared {
    std::string dir;
    std::unique_ptr<OrderlyApp> app;
    Shared() {
        char tmpl[] = "/tmp/orderly-test-XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir = tmpl;
        AppOptions o;
        o.db_path = database_location(dir, "test.db");
        o.server.port = 0;
        o.server.access_log = std::getenv("ORDERLY_TEST_ACCESS_LOG") != nullptr;
        o.secret_key_file = secret_key_file_in(dir);
        // A web UI directory the tests fill with the files they serve (see ui_dir()).
        o.server.ui_dir = dir + "/ui";
        std::filesystem::create_directories(dir + "/ui/assets");
        // Short enough for the timeout tests to wait for (test_http_protocol.cpp).
        o.server.header_timeout = std::chrono::seconds(3);
        o.server.body_timeout = std::chrono::seconds(3);
        o.work_dir = dir + "/work";
        app = std::make_unique<OrderlyApp>(o);
        app->ensure_admin(kAdminPassword);
        app->start();
        started = this;
    }
    ~Shared() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    void stop() {
        if (!app) return;
        app->stop(std::chrono::milliseconds(2000));
        app.reset();
    }
    static inline Shared* started = nullptr;
};
Shared& shared() {
    static Shared s;
    return s;
}
}  // namespace

void stop_shared_server() {
    if (Shared::started) Shared::started->stop();
}

OrderlyApp& server() {
    return *shared().app;
}
uint16_t port() {
    return shared().app->port();
}
std::string ui_dir() {
    return shared().dir + "/ui";
}
std::string secret_key_file() {
    return secret_key_file_in(shared().dir);
}

Client login(const std::string& username, const std::string& password) {
    return login_at(port(), username, password);
}

Client login_at(uint16_t port, const std::string& username, const std::string& password) {
    Client c(port);
    json::Writer w;
    w.start_object().kv("username", username).kv("password", password).end_object();
    auto r = c.post("/api/v1/auth/login", w.take());
    if (r.status != 200) throw std::runtime_error("login as " + username + " failed: " + r.body);
    c.set_token(r.str("token"));
    return c;
}

Client admin() {
    static std::string token;
    if (token.empty()) token = login("admin", kAdminPassword).token();
    Client c(port());
    c.set_token(token);
    return c;
}

std::string unique(const std::string& base) {
    static std::atomic<int> n{0};
    return base + std::to_string(getpid() % 10000) + "x" + std::to_string(++n);
}

Client make_user(const std::string& base_name, const std::vector<std::string>& roles,
                 std::string* out_name) {
    Client a = admin();
    return make_user(a, port(), base_name, roles, out_name);
}

Client make_user(Client& admin, uint16_t port, const std::string& base_name,
                 const std::vector<std::string>& roles, std::string* out_name) {
    std::string name = unique(base_name);
    json::Writer w;
    w.start_object()
        .kv("username", name)
        .kv("password", "password-" + name)
        .kv("roles", roles)
        .end_object();
    auto r = admin.post("/api/v1/users", w.take());
    if (r.status != 201) throw std::runtime_error("creating user " + name + " failed: " + r.body);
    if (out_name) *out_name = name;
    return login_at(port, name, "password-" + name);
}

std::string make_role(const std::string& base_key, const std::vector<std::string>& permissions) {
    Client a = admin();
    return make_role(a, base_key, permissions);
}

std::string make_role(Client& admin, const std::string& base_key,
                      const std::vector<std::string>& permissions) {
    std::string key = unique(base_key);
    json::Writer w;
    w.start_object().kv("key", key).kv("name", key).kv("permissions", permissions).end_object();
    auto r = admin.post("/api/v1/roles", w.take());
    if (r.status != 201) throw std::runtime_error("creating role " + key + " failed: " + r.body);
    return key;
}

bool wait_in_flight(uint16_t port, int requests, const std::function<bool()>& stop) {
    Client probe(port);
    return wait_until([&] {
        if (stop && stop()) return true;
        const auto m = probe.get("/metrics").body;
        const auto at = m.find("\norderly_http_in_flight ");
        return at != std::string::npos && std::atoi(m.c_str() + at + 24) >= requests + 1;
    });
}

}  // namespace orderly::test
