#pragma once
// Webhook deliveries: a JSON POST with cpp-httplib, signed with the subscription's secret.
//
// Headers: Content-Type: application/json; charset=utf-8, X-Orderly-Event: <event>,
// X-Orderly-Delivery: <delivery id> (the same on every retry of one notification, so a receiver
// can drop duplicates), X-Orderly-Signature: sha256=<hex HMAC-SHA256 of the raw body>.
// A 2xx answer acknowledges the delivery; anything else (or no answer) is retried.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace orderly::webhook {

struct Url {
    std::string scheme;  // "http" | "https"
    std::string host;
    int port = 0;
    std::string target;          // path and query, at least "/"
    std::string origin() const;  // scheme://host:port, as httplib::Client takes it
};
// Accepts http:// and https:// URLs with a host; nullopt with *why set otherwise.
std::optional<Url> parse_url(std::string_view url, std::string* why = nullptr);

// "sha256=" + hex HMAC-SHA256(secret, body).
std::string signature(std::string_view secret, std::string_view body);
// Constant-time check of a X-Orderly-Signature header value, for receivers (and tests).
bool verify_signature(std::string_view secret, std::string_view body, std::string_view header);

struct Timeouts {
    long connect_ms = 5'000;
    long read_ms = 10'000;
    long write_ms = 10'000;
};

struct Delivery {
    std::string url;
    std::string event;
    std::string delivery_id;
    std::string body;
    std::string secret;
};

struct Outcome {
    bool ok = false;
    int status = 0;  // HTTP status, 0 when there was no answer
    Problem error;
};

// What a JSON POST got back: the HTTP status (0 when there was no answer, with the error) and
// the start of the body.
struct Answer {
    int status = 0;
    std::string head;
    Problem error;
};
// POSTs a JSON body to the URL with the given headers (Content-Type is set), keeping the first
// `keep` bytes of the answer. Blocking, bounded by the timeouts; no redirects are followed.
Answer post_json(const Url& u, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& body, const Timeouts& t, size_t keep);

// POSTs one delivery. Blocking, bounded by the timeouts; no redirects are followed. Thread-safe.
Outcome post(const Delivery& d, const Timeouts& t = {});

}  // namespace orderly::webhook
