#include "http/wire.h"

#include <ctime>

#include "core/word_scan.h"

namespace orderly::http::wire {

namespace {

bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

char lower_ascii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower_ascii(c);
    return out;
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

Parsed fail(int status, std::string code, std::string detail) {
    Parsed p;
    p.status = Status::error;
    p.http_status = status;
    p.code = std::move(code);
    p.detail = std::move(detail);
    return p;
}

Parsed bad(std::string code, std::string detail) {
    return fail(400, std::move(code), std::move(detail));
}

// Every line of the head must end in CRLF: a bare LF or a lone CR is an error at once, so that a
// client that sends them gets an answer instead of a wait for a blank line that never comes.
// Control characters other than HTAB have no place in a head either.
bool head_bytes_ok(std::string_view s, bool complete_prefix_only, std::string* why,
                   std::string* code = nullptr) {
    if (code) *code = "http.bad_line_ending";
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    for (size_t i = 0; i < s.size(); ++i) {
        // Eight bytes at a time past those none of the tests below is about: everything but
        // control characters (CR and LF among them) and DEL.
        for (; i + 8 <= s.size(); i += 8) {
            const uint64_t x = word_scan::load(p + i);
            if ((word_scan::below_mask(x, 0x20) | word_scan::equal_mask(x, 0x7f)) != 0) break;
        }
        if (i == s.size()) break;
        unsigned char c = p[i];
        if (c == '\n') {
            if (i == 0 || s[i - 1] != '\r') {
                *why = "lines must end with CRLF; a bare LF was received";
                return false;
            }
        } else if (c == '\r') {
            if (i + 1 < s.size() && s[i + 1] != '\n') {
                *why = "a CR not followed by LF was received";
                return false;
            }
            if (i + 1 == s.size() && !complete_prefix_only) {
                *why = "a CR not followed by LF was received";
                return false;
            }
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            *why = "the request head contains a control character";
            // Which part: the request line, or a header field.
            if (code)
                *code = s.substr(0, i).find('\n') == std::string_view::npos
                            ? "http.bad_request_line"
                            : "http.header_invalid";
            return false;
        }
    }
    return true;
}

bool known_method(std::string_view m) {
    static const char* const kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                           "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (const char* k : kMethods)
        if (m == k) return true;
    return false;
}

// 1*DIGIT without overflow; false when malformed or too large for 64 bits.
bool parse_decimal(std::string_view s, uint64_t& out) {
    if (s.empty()) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Validates the request line as far as it has arrived; a complete line fills method, target,
// minor. Returns an error Parsed, or status incomplete when all is well so far.
Parsed request_line(std::string_view line, bool complete, Message& m) {
    // method SP request-target SP HTTP-version
    size_t sp1 = line.find(' ');
    std::string_view method = line.substr(0, sp1);
    for (char c : method)
        if (!is_tchar(static_cast<unsigned char>(c)))
            return bad("http.bad_request_line",
                       "the request line is not \"METHOD /path HTTP/1.1\"");
    if (!complete) return {};
    if (sp1 == std::string_view::npos || method.empty())
        return bad("http.bad_request_line", "the request line is not \"METHOD /path HTTP/1.1\"");
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return bad("http.bad_request_line", "the request line is not \"METHOD /path HTTP/1.1\"");
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (target.empty())
        return bad("http.bad_request_line", "the request line has no request target");
    for (char c : target) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return bad("http.bad_request_line",
                       "the request target must be ASCII without spaces; percent-encode the rest");
    }
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return bad("http.bad_request_line", "the request line does not end with HTTP/1.1");
    if (version[5] != '1')
        return fail(505, "http.version_not_supported", "only HTTP/1.1 and HTTP/1.0 are supported");
    if (!known_method(method))
        return fail(501, "http.method_not_implemented",
                    "the method " + std::string(method) + " is not implemented");
    m.method = std::string(method);
    m.minor = version[7] - '0';
    if (target.front() == '/') {
        m.target = std::string(target);
    } else if (target == "*" && method == "OPTIONS") {
        m.target = "*";
    } else {
        // absolute-form: http://authority/path?query -> /path?query
        std::string lt = lower(target.substr(0, 8));
        size_t start = lt.rfind("http://", 0) == 0 ? 7 : lt.rfind("https://", 0) == 0 ? 8 : 0;
        if (start == 0)
            return bad("http.bad_request_line", "the request target must start with \"/\"");
        size_t slash = target.find_first_of("/?", start);
        if (slash == std::string_view::npos)
            m.target = "/";
        else if (target[slash] == '?')
            m.target = "/" + std::string(target.substr(slash));
        else
            m.target = std::string(target.substr(slash));
    }
    return {};
}

// Decodes a chunked body starting at `pos`. Returns incomplete, error, or complete with
// `end` = the offset just after the last CRLF.
Parsed chunked_body(std::string_view buf, size_t pos, const Limits& limits, std::string& out,
                    size_t& end) {
    constexpr size_t kMaxLine = 4096;
    out.clear();
    for (;;) {
        size_t eol = buf.find("\r\n", pos);
        std::string_view avail =
            buf.substr(pos, eol == std::string_view::npos ? kMaxLine + 1 : eol - pos);
        if (avail.find('\n') != std::string_view::npos)
            return bad("http.chunk_invalid", "a chunk line ends with a bare LF");
        if (eol == std::string_view::npos) {
            if (buf.size() - pos > kMaxLine)
                return bad("http.chunk_invalid", "a chunk line is too long");
            return {};
        }
        std::string_view line = buf.substr(pos, eol - pos);
        size_t semi = line.find(';');
        std::string_view hex = trim_ows(line.substr(0, semi));
        if (hex.empty() || hex.size() > 15)
            return bad("http.chunk_invalid", "a chunk size is not a hexadecimal number");
        uint64_t size = 0;
        for (char c : hex) {
            int h = hexval(c);
            if (h < 0) return bad("http.chunk_invalid", "a chunk size is not a hexadecimal number");
            size = size * 16 + static_cast<uint64_t>(h);
        }
        for (char c : line)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return bad("http.chunk_invalid", "a chunk line contains a control character");
        pos = eol + 2;
        if (size == 0) {
            // Trailer fields until an empty line; they are read and dropped.
            for (;;) {
                size_t t = buf.find("\r\n", pos);
                std::string_view rest =
                    buf.substr(pos, t == std::string_view::npos ? std::string_view::npos : t - pos);
                std::string why;
                if (!head_bytes_ok(rest, true, &why)) return bad("http.chunk_invalid", why);
                if (t == std::string_view::npos) {
                    if (buf.size() - pos > limits.max_head_bytes)
                        return fail(431, "http.headers_too_large",
                                    "the trailer section is too large");
                    return {};
                }
                pos = t + 2;
                if (rest.empty()) {
                    end = pos;
                    Parsed p;
                    p.status = Status::complete;
                    return p;
                }
            }
        }
        if (out.size() + size > limits.max_body_bytes)
            return fail(413, "http.payload_too_large",
                        "the request body is larger than " + std::to_string(limits.max_body_bytes) +
                            " bytes");
        if (buf.size() - pos < size + 2) return {};
        if (buf.substr(pos + size, 2) != "\r\n")
            return bad("http.chunk_invalid", "a chunk is longer than its size says");
        out.append(buf.substr(pos, size));
        pos += size + 2;
    }
}

}  // namespace

// Long on purpose: the request line, headers and body framing (RFC 9112, sections 2-6) are one
// pass over the bytes that shares the limits and the read position.
Parsed parse_request(std::string_view buf, const Limits& limits) {
    size_t start = 0;
    // RFC 9112 §2.2: empty lines before the request line are ignored.
    while (buf.size() - start >= 2 && buf[start] == '\r' && buf[start + 1] == '\n') start += 2;
    std::string_view s = buf.substr(start);
    if (s.empty()) return {};

    size_t head_end = s.find("\r\n\r\n");
    std::string_view head = head_end == std::string_view::npos
                                ? s.substr(0, limits.max_head_bytes + 1)
                                : s.substr(0, head_end + 2);
    std::string why, code;
    if (!head_bytes_ok(head, head_end == std::string_view::npos, &why, &code))
        return bad(code, why);

    Message m;
    size_t line_end = head.find("\r\n");
    {
        Parsed rl = request_line(head.substr(0, line_end), line_end != std::string_view::npos, m);
        if (rl.status == Status::error) return rl;
    }
    if (head_end == std::string_view::npos) {
        if (s.size() > limits.max_head_bytes)
            return fail(431, "http.headers_too_large",
                        "the request line and headers are larger than " +
                            std::to_string(limits.max_head_bytes) + " bytes");
        return {};
    }

    // Header fields.
    size_t host_count = 0;
    uint64_t content_length = 0;
    bool has_content_length = false;
    std::string transfer_encoding;
    bool has_transfer_encoding = false;
    std::string connection;
    bool expect_continue = false;
    size_t pos = line_end + 2;
    while (pos < head.size()) {
        size_t eol = head.find("\r\n", pos);
        std::string_view line = head.substr(pos, eol - pos);
        pos = eol + 2;
        if (line.empty()) break;
        if (line.front() == ' ' || line.front() == '\t')
            return bad("http.header_invalid", "folded header lines are not accepted");
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return bad("http.header_invalid", "a header line has no \"name:\"");
        std::string_view name = line.substr(0, colon);
        for (char c : name)
            if (!is_tchar(static_cast<unsigned char>(c)))
                return bad("http.header_invalid",
                           "a header name contains a character that is not allowed");
        if (m.headers.size() >= limits.max_headers)
            return fail(431, "http.headers_too_large",
                        "more than " + std::to_string(limits.max_headers) + " header fields");
        std::string lname = lower(name);
        std::string_view value = trim_ows(line.substr(colon + 1));
        if (lname == "host") {
            ++host_count;
        } else if (lname == "content-length") {
            // A list of equal values ("5, 5") is one value (RFC 9110 §8.6); anything else is not.
            size_t i = 0;
            while (i <= value.size()) {
                size_t comma = value.find(',', i);
                std::string_view item = trim_ows(value.substr(
                    i, comma == std::string_view::npos ? std::string_view::npos : comma - i));
                uint64_t n = 0;
                if (!parse_decimal(item, n))
                    return bad("http.content_length_invalid",
                               "Content-Length must be a decimal number of bytes");
                if (has_content_length && n != content_length)
                    return bad("http.content_length_conflict",
                               "the request has Content-Length values that disagree");
                content_length = n;
                has_content_length = true;
                if (comma == std::string_view::npos) break;
                i = comma + 1;
            }
        } else if (lname == "transfer-encoding") {
            if (!transfer_encoding.empty()) transfer_encoding += ",";
            transfer_encoding += lower(value);
            has_transfer_encoding = true;
        } else if (lname == "connection") {
            if (!connection.empty()) connection += ",";
            connection += lower(value);
        } else if (lname == "expect") {
            if (lower(value) == "100-continue") expect_continue = true;
        }
        m.headers.emplace_back(std::move(lname), std::string(value));
    }

    if (host_count > 1)
        return bad("http.host_repeated", "the request has more than one Host header");
    if (host_count == 0 && m.minor >= 1)
        return bad("http.host_missing", "an HTTP/1.1 request must have a Host header");

    // Connection options.
    {
        bool close = false, keep = false;
        size_t i = 0;
        while (i < connection.size()) {
            size_t comma = connection.find(',', i);
            if (comma == std::string::npos) comma = connection.size();
            std::string_view opt = trim_ows(std::string_view(connection).substr(i, comma - i));
            if (opt == "close") close = true;
            if (opt == "keep-alive") keep = true;
            i = comma + 1;
        }
        m.keep_alive = !close && (m.minor >= 1 || keep);
    }

    const size_t body_start = start + head_end + 4;
    if (has_transfer_encoding) {
        if (has_content_length)
            return bad("http.content_length_conflict",
                       "a request must not have both Transfer-Encoding and Content-Length");
        if (m.minor == 0)
            return bad("http.transfer_encoding_unsupported",
                       "Transfer-Encoding is not allowed in HTTP/1.0");
        std::string te(trim_ows(transfer_encoding));
        if (te != "chunked")
            return fail(501, "http.transfer_encoding_unsupported",
                        "only Transfer-Encoding: chunked is supported");
        size_t end = 0;
        Parsed body = chunked_body(buf, body_start, limits, m.body, end);
        if (body.status == Status::error) return body;
        if (body.status == Status::incomplete) {
            body.expect_continue = expect_continue;
            return body;
        }
        Parsed p;
        p.status = Status::complete;
        p.consumed = end;
        p.message = std::move(m);
        return p;
    }
    const uint64_t length = has_content_length ? content_length : 0;
    if (length > limits.max_body_bytes)
        return fail(
            413, "http.payload_too_large",
            "the request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes");
    if (buf.size() - body_start < length) {
        Parsed p;
        p.expect_continue = expect_continue;
        return p;
    }
    m.body.assign(buf.substr(body_start, length));
    Parsed p;
    p.status = Status::complete;
    p.consumed = body_start + length;
    p.message = std::move(m);
    return p;
}

const char* reason_phrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            return "Length Required";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 428:
            return "Precondition Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

std::string http_date(int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

namespace {
// Header values come from handlers; a CR or LF in one would split the response.
void append_clean(std::string& out, std::string_view v) {
    const size_t at = out.size();
    out.append(v);
    for (size_t i = at; i < out.size(); ++i) {
        // Eight bytes at a time past words without a byte below 0x0e (CR, LF and NUL are).
        while (i + 8 <= out.size() && !word_scan::any_below(word_scan::load(out.data() + i), 0x0e))
            i += 8;
        if (i == out.size()) break;
        if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0') out[i] = ' ';
    }
}
}  // namespace

std::string serialize(const OutResponse& r, const std::string& date) {
    const size_t body_size = r.body ? r.body->size() : 0;
    const bool no_body = r.head || r.status < 200 || r.status == 204 || r.status == 304;
    std::string out;
    size_t head_size = 128 + date.size();  // status line, Date, Content-Length, Connection
    for (const auto& [k, v] : r.headers) head_size += k.size() + v.size() + 4;
    out.reserve(head_size + (no_body ? 0 : body_size));
    out.append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ");
    out.append(reason_phrase(r.status)).append("\r\n");
    out.append("Date: ").append(date).append("\r\n");
    for (const auto& [k, v] : r.headers) {
        append_clean(out, k);
        out.append(": ");
        append_clean(out, v);
        out.append("\r\n");
    }
    if (r.status >= 200 && r.status != 204 && r.status != 304)
        out.append("Content-Length: ").append(std::to_string(body_size)).append("\r\n");
    out.append(r.close ? "Connection: close\r\n" : "Connection: keep-alive\r\n");
    out.append("\r\n");
    if (!no_body && r.body) out.append(*r.body);
    return out;
}

}  // namespace orderly::http::wire
