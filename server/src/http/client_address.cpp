#include "http/client_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace orderly::http {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Parses an address as 16 bytes (IPv4 mapped into IPv6). Accepts "[v6]",
// "[v6]:port" and "v4:port" as X-Forwarded-For entries are sometimes written
// with a port.
std::optional<std::array<uint8_t, 16>> parse_address(std::string_view text, bool allow_port) {
    text = trim(text);
    if (allow_port) {
        if (!text.empty() && text.front() == '[') {
            auto close = text.find(']');
            if (close == std::string_view::npos) return std::nullopt;
            auto rest = text.substr(close + 1);
            if (!rest.empty() && rest.front() != ':') return std::nullopt;
            text = text.substr(1, close - 1);
        } else if (auto colon = text.find(':');
                   colon != std::string_view::npos &&
                   text.find(':', colon + 1) == std::string_view::npos) {
            text = text.substr(0, colon);  // a.b.c.d:port
        }
    }
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    const std::string s(text);
    std::array<uint8_t, 16> out{};
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, &v4, 4);
        return out;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(out.data(), &v6, 16);
        return out;
    }
    return std::nullopt;
}

bool is_v4_mapped(const std::array<uint8_t, 16>& a) {
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(a.data(), prefix, 12) == 0;
}

std::string format_address(const std::array<uint8_t, 16>& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_v4_mapped(a))
        inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
    else
        inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
    return buf;
}

bool in_net(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& net, int prefix) {
    int full = prefix / 8, rest = prefix % 8;
    if (std::memcmp(a.data(), net.data(), static_cast<size_t>(full)) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a[static_cast<size_t>(full)] & mask) == (net[static_cast<size_t>(full)] & mask);
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
    TrustedProxies out;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto entry = trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (entry.empty()) continue;
        auto bad = [&] {
            return Error::BadRequest("\"" + std::string(entry) +
                                     "\" is not an IP address or CIDR block (like 10.0.0.0/8 "
                                     "or fd00::/8)");
        };
        auto slash = entry.find('/');
        auto addr = parse_address(entry.substr(0, slash), false);
        if (!addr) return bad();
        const bool v4 = entry.substr(0, slash).find(':') == std::string_view::npos;
        Net n{*addr, 128};
        if (slash != std::string_view::npos) {
            auto bits = entry.substr(slash + 1);
            if (bits.empty() || bits.size() > 3) return bad();
            int b = 0;
            for (char ch : bits) {
                if (ch < '0' || ch > '9') return bad();
                b = b * 10 + (ch - '0');
            }
            if (b > (v4 ? 32 : 128)) return bad();
            n.prefix = v4 ? 96 + b : b;
        }
        out.nets_.push_back(n);
    }
    return out;
}

bool TrustedProxies::contains(std::string_view address) const {
    auto a = parse_address(address, false);
    if (!a) return false;
    for (const auto& n : nets_)
        if (in_net(*a, n.addr, n.prefix)) return true;
    return false;
}

std::string TrustedProxies::client_address(std::string_view peer,
                                           const std::optional<std::string>& xff) const {
    return client_address_of_canonical(canonical_address(peer).value_or(std::string(peer)), xff);
}

std::string TrustedProxies::client_address_of_canonical(
    std::string client, const std::optional<std::string>& xff) const {
    if (nets_.empty() || !xff || !contains(client)) return client;
    std::string_view rest = *xff;
    while (!rest.empty()) {
        auto comma = rest.rfind(',');
        auto entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        if (trim(entry).empty()) continue;
        auto hop = canonical_address(entry);
        // A trusted proxy appends a real address; anything else was not written by
        // one, so the last trusted hop is as far as the chain can be believed.
        if (!hop) return client;
        client = *hop;
        if (!contains(client)) return client;
    }
    return client;
}

std::optional<std::string> canonical_address(std::string_view text) {
    auto a = parse_address(text, true);
    if (!a) return std::nullopt;
    return format_address(*a);
}

std::string throttle_key(std::string_view address) {
    auto a = parse_address(address, true);
    if (!a) return std::string(address);
    if (is_v4_mapped(*a)) return format_address(*a);
    std::fill(a->begin() + 8, a->end(), uint8_t{0});
    return format_address(*a) + "/64";
}

}  // namespace orderly::http
