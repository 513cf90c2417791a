#include "integrations/webhook.h"

#include <httplib.h>
#include <sodium.h>

#include "core/codes.h"
#include "integrations/crypto.h"

namespace orderly::webhook {

std::string Url::origin() const {
    return scheme + "://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

std::optional<Url> parse_url(std::string_view url, std::string* why) {
    auto bad = [&](std::string msg) -> std::optional<Url> {
        if (why) *why = std::move(msg);
        return std::nullopt;
    };
    if (url.size() > 2048) return bad("is longer than 2048 characters");
    for (char ch : url)
        if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f)
            return bad("contains spaces or control characters");
    auto sep = url.find("://");
    if (sep == std::string_view::npos) return bad("must be an http:// or https:// URL");
    Url u;
    for (char ch : url.substr(0, sep)) u.scheme.push_back(static_cast<char>(std::tolower(ch)));
    if (u.scheme != "http" && u.scheme != "https") return bad("must be an http:// or https:// URL");
    std::string_view rest = url.substr(sep + 3);
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    std::string_view tail = end == std::string_view::npos ? "" : rest.substr(end);
    if (auto hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
    if (authority.find('@') != std::string_view::npos)
        return bad("must not carry credentials; the signature authenticates Orderly");
    std::string_view host = authority, port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return bad("has an unterminated IPv6 address");
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad("has junk after the IPv6 address");
            port = after.substr(1);
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return bad("names no host");
    u.host = std::string(host);
    u.port = u.scheme == "https" ? 443 : 80;
    if (!port.empty()) {
        int p = 0;
        for (char ch : port) {
            if (ch < '0' || ch > '9' || p > 65535) return bad("has an invalid port");
            p = p * 10 + (ch - '0');
        }
        if (p < 1 || p > 65535) return bad("has an invalid port");
        u.port = p;
    }
    u.target = tail.empty() || tail.front() != '/' ? "/" + std::string(tail) : std::string(tail);
    return u;
}

std::string signature(std::string_view secret, std::string_view body) {
    return "sha256=" + crypto::hmac_sha256_hex(secret, body);
}

bool verify_signature(std::string_view secret, std::string_view body, std::string_view header) {
    const std::string want = signature(secret, body);
    if (header.size() != want.size()) return false;
    return sodium_memcmp(want.data(), header.data(), want.size()) == 0;
}

Answer post_json(const Url& u, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& body, const Timeouts& t, size_t keep) {
    httplib::Client cli(u.origin());
    cli.set_connection_timeout(std::chrono::milliseconds(t.connect_ms));
    cli.set_read_timeout(std::chrono::milliseconds(t.read_ms));
    cli.set_write_timeout(std::chrono::milliseconds(t.write_ms));
    cli.set_follow_location(false);
    cli.set_keep_alive(false);

    httplib::Request req;
    req.method = "POST";
    req.path = u.target;
    for (const auto& [name, value] : headers) req.set_header(name, value);
    req.set_header("Content-Type", "application/json; charset=utf-8");
    req.body = body;
    Answer out;
    // Keep only the start of the receiver's answer; a receiver cannot make us buffer an
    // unbounded body.
    req.content_receiver = [&out, keep](const char* data, size_t n, uint64_t, uint64_t) {
        if (out.head.size() < keep) out.head.append(data, std::min(n, keep - out.head.size()));
        return true;
    };
    auto res = cli.send(req);
    if (!res) {
        out.error = {"no answer from " + u.origin() + ": " + httplib::to_string(res.error()),
                     codes::notification_webhook_no_answer,
                     {{"origin", u.origin()}}};
        return out;
    }
    out.status = res->status;
    return out;
}

Outcome post(const Delivery& d, const Timeouts& t) {
    Outcome out;
    std::string why;
    auto u = parse_url(d.url, &why);
    if (!u) {
        out.error = {"the URL " + why, codes::webhook_url_invalid, {{"reason", why}}};
        return out;
    }
    const Answer a = post_json(*u,
                               {
                                   {"User-Agent", "Orderly-Webhook/1"},
                                   {"X-Orderly-Event", d.event},
                                   {"X-Orderly-Delivery", d.delivery_id},
                                   {"X-Orderly-Signature", signature(d.secret, d.body)},
                               },
                               d.body, t, 512);
    if (a.status == 0) {
        out.error = a.error;
        return out;
    }
    out.status = a.status;
    if (a.status >= 200 && a.status < 300) {
        out.ok = true;
        return out;
    }
    std::string snippet;
    for (char ch : a.head.substr(0, 200))
        snippet.push_back(static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch);
    out.error = {"the receiver answered HTTP " + std::to_string(a.status) +
                     (snippet.empty() ? "" : ": " + snippet),
                 codes::notification_webhook_status,
                 {{"status", a.status}}};
    return out;
}

}  // namespace orderly::webhook
