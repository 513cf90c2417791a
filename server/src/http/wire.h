#pragma once
// HTTP/1.1 message framing (RFC 9112), done by Orderly itself: Pistache 0.0.5 only carries the
// bytes. Its own parser answers one request per read and drops the rest of the read (so
// pipelined requests went unanswered), lets std::stoull exceptions out as "500 stoull", accepts
// bare LF and missing or repeated Host, and writes a fixed Content-Length that is wrong for HEAD.
// Everything here is pure (no I/O), so it is unit-tested on its own.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderly::http::wire {

struct Limits {
    size_t max_head_bytes = 64 * 1024;  // request line + header fields
    size_t max_headers = 100;
    size_t max_body_bytes = 1 << 20;
};

// One request taken off the front of a connection's buffer.
struct Message {
    std::string method;  // one of the nine methods of RFC 9110
    std::string target;  // the request-target, origin-form (absolute-form is reduced to it)
    int minor = 1;       // HTTP/1.minor
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
    std::string body;                                          // chunked bodies already decoded
    bool keep_alive = true;  // what the client asked for (HTTP/1.0 needs "keep-alive")
};

enum class Status { incomplete, complete, error };

struct Parsed {
    Status status = Status::incomplete;
    size_t consumed = 0;  // bytes of the buffer that belong to this request (complete)
    Message message;      // complete
    // error: the status to answer with, a stable code, and a message for the client. The
    // connection is closed after an error response: the rest of the stream cannot be framed.
    int http_status = 400;
    std::string code;
    std::string detail;
    // incomplete: the head is complete and asks for "Expect: 100-continue" before the body.
    bool expect_continue = false;
};

// Looks at the start of `buf`. incomplete = wait for more bytes (nothing is wrong yet);
// complete = one whole request; error = answer and close.
Parsed parse_request(std::string_view buf, const Limits& limits);

const char* reason_phrase(int status);

// "Sun, 06 Nov 1994 08:49:37 GMT" for the given Unix time (RFC 9110 §5.6.7).
std::string http_date(int64_t unix_seconds);

// Serializes a response. `body` is left out for HEAD requests and for 1xx/204/304, while
// Content-Length still says how long it would be (RFC 9110 §9.3.2).
struct OutResponse {
    int status = 200;
    // Without Content-Length; the texts must outlive serialize().
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    const std::string* body = nullptr;
    bool head = false;
    bool close = false;
};
std::string serialize(const OutResponse& r, const std::string& date);

}  // namespace orderly::http::wire
