#include "http/headers.h"

#include <sodium.h>

#include <cctype>
#include <chrono>
#include <cstdint>

#include "http/wire.h"

namespace orderly::http {

namespace {

// API responses are data, never documents to render or frame.
constexpr const char* kApiCsp = "default-src 'none'; frame-ancestors 'none'";

// The Date header, formatted once a second per thread.
const std::string& current_http_date() {
    thread_local int64_t cached_second = -1;
    thread_local std::string cached;
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (now != cached_second) {
        cached = wire::http_date(now);
        cached_second = now;
    }
    return cached;
}

}  // namespace

std::string ascii_lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

bool has_header(const Response& r, std::string_view lower_name) {
    for (const auto& [k, v] : r.headers) {
        if (k.size() != lower_name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < k.size() && same; ++i) {
            char c = k[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            same = c == lower_name[i];
        }
        if (same) return true;
    }
    return false;
}

// A per-thread generator (xorshift64*, seeded once from the system's randomness) spares a
// getrandom() system call on every request.
std::string random_request_id() {
    thread_local uint64_t state = [] {
        uint64_t seed = 0;
        while (seed == 0) randombytes_buf(&seed, sizeof seed);
        return seed;
    }();
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    const uint64_t r = state * 0x2545F4914F6CDD1DULL;
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(r >> (8 * i));
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) {
        s.push_back(hex[c >> 4]);
        s.push_back(hex[c & 15]);
    }
    return s;
}

bool acceptable_request_id(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            return false;
    return true;
}

std::string serialize_response(const Request& req, const Response& res, bool close) {
    wire::OutResponse out;
    out.status = res.status;
    out.head = req.method == "HEAD";
    out.close = close;
    out.body = &res.body;
    auto& h = out.headers;
    h.reserve(res.headers.size() + 8);
    if (!res.content_type.empty()) h.emplace_back("Content-Type", res.content_type);
    h.emplace_back("X-Request-Id", req.request_id);
    for (const auto& [k, v] : res.headers) h.emplace_back(k, v);
    if (!has_header(res, "cache-control")) h.emplace_back("Cache-Control", "no-store");
    if (!has_header(res, "content-security-policy"))
        h.emplace_back("Content-Security-Policy", kApiCsp);
    if (!has_header(res, "x-content-type-options"))
        h.emplace_back("X-Content-Type-Options", "nosniff");
    h.emplace_back("X-Frame-Options", "DENY");
    h.emplace_back("Referrer-Policy", "same-origin");
    if (res.status == 401 && !has_header(res, "www-authenticate"))
        h.emplace_back("WWW-Authenticate", "Bearer realm=\"orderly\"");
    return wire::serialize(out, current_http_date());
}

}  // namespace orderly::http
