// HTTP/1.1 on the wire: pipelining, framing errors, HEAD, security headers and static files,
// checked with raw bytes on a socket (support/raw_http.h).
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "support/process.h"
#include "support/raw_http.h"
#include "support/test_database.h"
#include "support/test_server.h"

using namespace orderly;
using namespace orderly::test;

namespace {

void expect_problem(const RawResponse& r, int status, const std::string& code = {}) {
    INFO(r.body);
    CHECK(r.status == status);
    CHECK(r.header("content-type").rfind("application/problem+json", 0) == 0);
    json::Document d;
    REQUIRE(json::parse_untrusted(r.body, d).ok());
    REQUIRE(d.IsObject());
    CHECK(d["status"].GetInt() == status);
    REQUIRE(d.HasMember("request_id"));
    CHECK(std::string(d["request_id"].GetString()) == r.header("x-request-id"));
    if (!code.empty()) {
        REQUIRE(d.HasMember("code"));
        CHECK(std::string(d["code"].GetString()) == code);
    }
    // No C++ exception text (std::stoull, basic_string::_M_create, ...) ever reaches a client.
    CHECK(r.body.find("stoull") == std::string::npos);
    CHECK(r.body.find("basic_string") == std::string::npos);
}

// A request sent alone on a new connection; the answer must come and the server must close.
RawResponse rejected(const std::string& bytes) {
    RawConnection c(port());
    c.send(bytes);
    auto rs = c.read(1, {}, std::chrono::seconds(5));
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].header("connection") == "close");
    CHECK(c.wait_closed(std::chrono::seconds(5)));
    return rs[0];
}

std::string gzip(const std::string& in) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, in.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string gunzip(const std::string& in) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(inflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    inflateEnd(&z);
    return out;
}

std::string brotli(const std::string& in) {
    size_t n = BrotliEncoderMaxCompressedSize(in.size());
    std::string out(n, '\0');
    REQUIRE(BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                                  in.size(), reinterpret_cast<const uint8_t*>(in.data()), &n,
                                  reinterpret_cast<uint8_t*>(out.data())) == BROTLI_TRUE);
    out.resize(n);
    return out;
}

std::string unbrotli(const std::string& in) {
    std::string out(1 << 20, '\0');
    size_t n = out.size();
    REQUIRE(BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &n,
                                    reinterpret_cast<uint8_t*>(out.data())) ==
            BROTLI_DECODER_RESULT_SUCCESS);
    out.resize(n);
    return out;
}

void write_file(const std::string& path, const std::string& bytes) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string get(const std::string& path, const std::string& extra = {}) {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

}  // namespace

TEST_CASE("pipelined requests are all answered, in order, across reactor and worker threads",
          "[api][http]") {
    RawConnection c(port());
    // GETs run on the reactor, the login POST (password hashing) on a worker: the answers must
    // still come back in request order, each with its own request id.
    const std::string login = R"({"username":"admin","password":"wrong-password"})";
    c.send(get("/healthz", "X-Request-Id: pipe-1\r\n") +
           "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nX-Request-Id: pipe-2\r\n"
           "Content-Type: application/json\r\nContent-Length: " +
           std::to_string(login.size()) + "\r\n\r\n" + login +
           get("/readyz", "X-Request-Id: pipe-3\r\n") +
           "HEAD /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: pipe-4\r\n\r\n" +
           get("/api/v1/nothing-here", "X-Request-Id: pipe-5\r\n"));
    auto rs = c.read(5, {false, false, false, true, false});
    REQUIRE(rs.size() == 5);
    CHECK(rs[0].header("x-request-id") == "pipe-1");
    CHECK(rs[0].status == 200);
    CHECK(rs[1].header("x-request-id") == "pipe-2");
    CHECK(rs[1].status == 401);
    CHECK(rs[2].header("x-request-id") == "pipe-3");
    CHECK(rs[3].header("x-request-id") == "pipe-4");
    CHECK(rs[3].status == 200);
    CHECK(rs[4].header("x-request-id") == "pipe-5");
    CHECK(rs[4].status == 404);
    // The connection stays open and usable.
    CHECK_FALSE(c.closed());
    c.send(get("/healthz", "X-Request-Id: pipe-6\r\n"));
    auto more = c.read(1);
    REQUIRE(more.size() == 1);
    CHECK(more[0].header("x-request-id") == "pipe-6");
}

TEST_CASE("a request split across many writes is framed once it is whole", "[api][http]") {
    RawConnection c(port());
    const std::string body = R"({"username":"admin","password":"wrong-password"})";
    const std::string req = "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
    for (size_t i = 0; i < req.size(); i += 7) c.send(req.substr(i, 7));
    auto rs = c.read(1);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 401);
}

TEST_CASE("malformed or conflicting Content-Length is a 400 problem, never a 500", "[api][http]") {
    for (const char* cl : {"-1", "99999999999999999999", "12abc", "1e3"}) {
        INFO(cl);
        expect_problem(rejected(std::string("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n"
                                            "Content-Length: ") +
                                cl + "\r\n\r\n{}"),
                       400, "http.content_length_invalid");
    }
    expect_problem(rejected("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                            "Content-Length: 3\r\n\r\n{}x"),
                   400, "http.content_length_conflict");
    expect_problem(rejected("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n{}"),
                   400, "http.content_length_conflict");
    // Above the hard limit: 413 before the body is read.
    expect_problem(rejected("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n"
                            "Content-Length: 1073741824\r\n\r\n"),
                   413, "http.payload_too_large");
    // A chunked body is accepted.
    const std::string body = R"({"username":"admin","password":"wrong-password"})";
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    auto r = raw_exchange(port(),
                          "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n" +
                              std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
    CHECK(r.status == 401);
}

TEST_CASE("HTTP/1.1 without Host or with two is a 400, HTTP/1.0 needs none", "[api][http]") {
    expect_problem(rejected("GET /healthz HTTP/1.1\r\n\r\n"), 400, "http.host_missing");
    expect_problem(rejected("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400,
                   "http.host_repeated");
    RawConnection c(port());
    c.send("GET /healthz HTTP/1.0\r\n\r\n");
    auto rs = c.read(1);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].status == 200);
    CHECK(c.wait_closed(std::chrono::seconds(5)));  // HTTP/1.0 without keep-alive
}

TEST_CASE("bare LF line endings and bad request lines are answered at once", "[api][http]") {
    const auto started = std::chrono::steady_clock::now();
    expect_problem(rejected("GET /healthz HTTP/1.1\nHost: t\n\n"), 400, "http.bad_line_ending");
    expect_problem(rejected("GET /healthz HTTP/1.1\nHost: t\n"), 400, "http.bad_line_ending");
    expect_problem(rejected("GET /a b c HTTP/1.1\r\nHost: t\r\n\r\n"), 400,
                   "http.bad_request_line");
    expect_problem(rejected("\x16\x03\x01\x00\xa5\x01\x00\x00"), 400, "http.bad_request_line");
    expect_problem(rejected("BREW /coffee HTTP/1.1\r\nHost: t\r\n\r\n"), 501,
                   "http.method_not_implemented");
    expect_problem(rejected("GET / HTTP/3.0\r\nHost: t\r\n\r\n"), 505,
                   "http.version_not_supported");
    expect_problem(rejected("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " +
                            std::string(70 * 1024, 'a') + "\r\n\r\n"),
                   431, "http.headers_too_large");
    // All of it well inside the 30 s header timeout.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    CHECK(raw_exchange(port(), get("/healthz")).status == 200);
}

TEST_CASE("HEAD is answered like GET, with the real Content-Length and no body", "[api][http]") {
    auto a = admin();
    const std::string auth = "Authorization: Bearer " + a.token() + "\r\n";
    for (const std::string path : {"/healthz", "/api/v1/users?limit=5", "/api/v1/me"}) {
        INFO(path);
        RawConnection c(port());
        c.send("HEAD " + path + " HTTP/1.1\r\nHost: t\r\n" + auth + "\r\n" + get(path, auth));
        auto rs = c.read(2, {true, false});
        REQUIRE(rs.size() == 2);
        CHECK(rs[0].status == 200);
        CHECK(rs[0].body.empty());
        CHECK(rs[1].status == 200);
        CHECK_FALSE(rs[1].body.empty());
        CHECK(rs[0].header("content-length") == std::to_string(rs[1].body.size()));
        CHECK(rs[0].header("content-type") == rs[1].header("content-type"));
    }
}

TEST_CASE("API responses are not stored and not framed, 401 names the Bearer scheme",
          "[api][http]") {
    auto r = raw_exchange(port(), get("/api/v1/users"));
    CHECK(r.status == 401);
    CHECK(r.header("www-authenticate").rfind("Bearer", 0) == 0);
    CHECK(r.header("cache-control") == "no-store");
    CHECK(r.header("x-content-type-options") == "nosniff");
    CHECK(r.header("x-frame-options") == "DENY");
    auto a = admin();
    auto ok =
        raw_exchange(port(), get("/api/v1/users", "Authorization: Bearer " + a.token() + "\r\n"));
    CHECK(ok.status == 200);
    CHECK(ok.header("cache-control") == "no-store");
    CHECK(ok.header("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
}

TEST_CASE("the UI is served with a CSP and framing, referrer and sniffing protection",
          "[api][http][static]") {
    write_file(ui_dir() + "/index.html", "<!doctype html><title>t</title>");
    for (const std::string path : {"/", "/tickets/12"}) {  // a client-side route falls back
        auto r = raw_exchange(port(), get(path));
        INFO(path);
        CHECK(r.status == 200);
        CHECK(r.body == "<!doctype html><title>t</title>");
        const auto csp = r.header("content-security-policy");
        CHECK(csp.find("default-src 'self'") != std::string::npos);
        CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
        CHECK(csp.find("unsafe-eval") == std::string::npos);
        CHECK(r.header("x-frame-options") == "DENY");
        CHECK(r.header("referrer-policy") == "same-origin");
        CHECK(r.header("x-content-type-options") == "nosniff");
        CHECK(r.header("cache-control") == "no-cache");
    }
}

TEST_CASE("GET /assets/ and missing assets are 404, not an empty file cached for a year",
          "[api][http][static]") {
    std::filesystem::create_directories(ui_dir() + "/assets/sub");
    for (const std::string path : {"/assets/", "/assets", "/assets/sub", "/assets/none.js"}) {
        INFO(path);
        auto r = raw_exchange(port(), get(path));
        CHECK(r.status == 404);
        CHECK(r.header("cache-control").find("immutable") == std::string::npos);
    }
}

TEST_CASE("static files: precompressed br and gzip by Accept-Encoding, identical once decoded",
          "[api][http][static]") {
    std::string js;
    for (int i = 0; i < 2000; ++i) js += "export const v" + std::to_string(i) + " = 'value';\n";
    const std::string base = ui_dir() + "/assets/app-c0ffee.js";
    write_file(base, js);
    write_file(base + ".gz", gzip(js));
    write_file(base + ".br", brotli(js));

    auto plain = raw_exchange(port(), get("/assets/app-c0ffee.js"));
    CHECK(plain.status == 200);
    CHECK(plain.header("content-encoding").empty());
    CHECK(plain.body == js);
    CHECK(plain.header("vary") == "Accept-Encoding");
    CHECK(plain.header("cache-control") == "public, max-age=31536000, immutable");

    auto gz = raw_exchange(port(), get("/assets/app-c0ffee.js", "Accept-Encoding: gzip\r\n"));
    CHECK(gz.header("content-encoding") == "gzip");
    CHECK(gz.header("content-length") == std::to_string(gz.body.size()));
    CHECK(gz.body.size() < js.size() / 4);
    CHECK(gunzip(gz.body) == js);
    CHECK(gz.header("vary") == "Accept-Encoding");
    CHECK(gz.header("content-type").rfind("text/javascript", 0) == 0);

    auto br = raw_exchange(port(),
                           get("/assets/app-c0ffee.js", "Accept-Encoding: gzip, deflate, br\r\n"));
    CHECK(br.header("content-encoding") == "br");
    CHECK(unbrotli(br.body) == js);
    CHECK(br.header("cache-control") == "public, max-age=31536000, immutable");

    // q=0 refuses an encoding; HEAD gives the length of what GET would send.
    auto no_br = raw_exchange(
        port(), get("/assets/app-c0ffee.js", "Accept-Encoding: br;q=0, gzip;q=0.5\r\n"));
    CHECK(no_br.header("content-encoding") == "gzip");
    auto head = raw_exchange(port(),
                             "HEAD /assets/app-c0ffee.js HTTP/1.1\r\nHost: t\r\n"
                             "Accept-Encoding: br\r\n\r\n",
                             true);
    CHECK(head.header("content-length") == std::to_string(br.body.size()));
}

TEST_CASE("a head or body that does not arrive in time gets a 408 problem, then the close",
          "[api][http]") {
    // The shared test server waits 3 s (support/test_server.cpp).
    for (const std::string& partial :
         {std::string("GET /healthz HTTP/1.1\r\nHost: t\r\n"),
          std::string(
              "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n{\"")}) {
        INFO(partial);
        const auto started = std::chrono::steady_clock::now();
        RawConnection c(port());
        c.send(partial);
        auto rs = c.read(1, {}, std::chrono::seconds(20));
        REQUIRE(rs.size() == 1);
        expect_problem(rs[0], 408, "http.request_timeout");
        CHECK(rs[0].header("connection") == "close");
        CHECK(c.wait_closed(std::chrono::seconds(10)));
        CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(2900));
    }
}

TEST_CASE("paths with invalid UTF-8 are refused, and the access log stays valid JSON",
          "[api][http]") {
    const std::string dir = temp_dir();
    const std::string log = dir + "/access.log";
    {
        ServerProcess p(database_location(dir, "orderly.db"), {}, {}, log);
        // A surrogate, an overlong "/", a code point above U+10FFFF, raw bytes.
        for (const std::string path :
             {"/api/v1/%ED%A0%80", "/api/v1/users/%C0%AF", "/%F4%90%80%80", "/api/\xff\xfe"}) {
            INFO(path);
            auto r = raw_exchange(p.port(), get(path));
            CHECK(r.status == 400);
            json::Document d;
            CHECK(json::parse_untrusted(r.body, d).ok());
        }
        p.signal(SIGTERM);
        CHECK(p.wait() == 0);
    }
    std::ifstream in(log);
    std::string line;
    int requests = 0;
    while (std::getline(in, line)) {
        INFO(line);
        json::Document d;
        CHECK(json::parse_untrusted(line, d).ok());  // UTF-8 validated
        if (line.find("\"msg\":\"request\"") != std::string::npos) ++requests;
    }
    CHECK(requests >= 4);
    std::filesystem::remove_all(dir);
}
