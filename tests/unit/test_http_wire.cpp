#include <catch2/catch.hpp>

#include <string>

#include "http/wire.h"

using namespace orderly::http::wire;

namespace {
Parsed parse(const std::string& s, size_t max_body = 1 << 20) {
    Limits l;
    l.max_body_bytes = max_body;
    return parse_request(s, l);
}
}  // namespace

TEST_CASE("wire: a complete request is taken off the front of the buffer", "[wire]") {
    std::string two =
        "GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
    auto p = parse(two);
    REQUIRE(p.status == Status::complete);
    CHECK(p.message.method == "GET");
    CHECK(p.message.target == "/a?x=1");
    CHECK(p.message.keep_alive);
    auto q = parse(two.substr(p.consumed));
    REQUIRE(q.status == Status::complete);
    CHECK(q.message.method == "POST");
    CHECK(q.message.body == "abc");
    CHECK(p.consumed + q.consumed == two.size());
}

TEST_CASE("wire: partial requests wait, the body waits for Content-Length bytes", "[wire]") {
    CHECK(parse("GET /a HT").status == Status::incomplete);
    CHECK(parse("GET /a HTTP/1.1\r\nHost: h\r\n").status == Status::incomplete);
    auto p = parse("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab");
    CHECK(p.status == Status::incomplete);
    CHECK_FALSE(p.expect_continue);
    auto e =
        parse("POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    CHECK(e.status == Status::incomplete);
    CHECK(e.expect_continue);
}

TEST_CASE("wire: Content-Length must be one decimal number", "[wire]") {
    for (const char* cl : {"-1", "abc", "1.5", "0x10", "", "99999999999999999999", "+5"}) {
        INFO(cl);
        auto p =
            parse(std::string("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: ") + cl + "\r\n\r\n");
        CHECK(p.status == Status::error);
        CHECK(p.http_status == 400);
        CHECK(p.code == "http.content_length_invalid");
    }
    auto conflict =
        parse("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
    CHECK(conflict.http_status == 400);
    CHECK(conflict.code == "http.content_length_conflict");
    auto same = parse(
        "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2, 02\r\n\r\nab");
    REQUIRE(same.status == Status::complete);
    CHECK(same.message.body == "ab");
    auto big = parse("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n", 1024);
    CHECK(big.http_status == 413);
    auto te_cl = parse(
        "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    CHECK(te_cl.http_status == 400);
}

TEST_CASE("wire: chunked bodies are decoded, other transfer codings are 501", "[wire]") {
    auto p = parse(
        "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nGET");
    REQUIRE(p.status == Status::complete);
    CHECK(p.message.body == "abc0123456789");
    CHECK(p.consumed == 103);  // the "GET" after the body is the next request
    CHECK(
        parse("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab").status ==
        Status::incomplete);
    CHECK(parse("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
              .http_status == 400);
    CHECK(parse("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
              .http_status == 501);
}

TEST_CASE("wire: Host is required once in HTTP/1.1", "[wire]") {
    CHECK(parse("GET / HTTP/1.1\r\n\r\n").code == "http.host_missing");
    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").code == "http.host_repeated");
    auto old = parse("GET / HTTP/1.0\r\n\r\n");
    REQUIRE(old.status == Status::complete);
    CHECK_FALSE(old.message.keep_alive);
    CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").message.keep_alive);
    CHECK_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").message.keep_alive);
}

TEST_CASE("wire: bare LF, bad request lines and bad headers are errors at once", "[wire]") {
    CHECK(parse("GET / HTTP/1.1\nHost: a\n\n").http_status == 400);
    CHECK(parse("GET / HTTP/1.1\nHost: a\n").http_status == 400);  // before the head ends
    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n").http_status == 400);
    CHECK(parse("\x16\x03\x01\x02").http_status == 400);  // a TLS hello
    CHECK(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n").code == "http.bad_request_line");
    CHECK(parse("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n").code == "http.bad_request_line");
    CHECK(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").http_status == 505);
    CHECK(parse("BREW / HTTP/1.1\r\nHost: a\r\n\r\n").http_status == 501);
    CHECK(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n").code == "http.header_invalid");
    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n").code == "http.header_invalid");
    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(70000, 'a')).http_status ==
          431);
    auto abs = parse("GET http://example.org/x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n");
    REQUIRE(abs.status == Status::complete);
    CHECK(abs.message.target == "/x?y=1");
    // Empty lines before a request are skipped.
    CHECK(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").status == Status::complete);
}

TEST_CASE("wire: responses carry the real Content-Length, HEAD without the body", "[wire]") {
    std::string body = "hello";
    OutResponse r;
    r.status = 200;
    r.body = &body;
    r.headers = {{"X-A", "1\r\nInjected: yes"}};
    std::string get = serialize(r, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(get.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(get.find("Content-Length: 5\r\n") != std::string::npos);
    CHECK(get.find("\r\nInjected") == std::string::npos);
    CHECK(get.substr(get.size() - 9) == "\r\n\r\nhello");
    r.head = true;
    std::string head = serialize(r, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(head.find("Content-Length: 5\r\n") != std::string::npos);
    CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
    CHECK(http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
}
