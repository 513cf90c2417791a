#pragma once
// Which address a request comes from. Behind a reverse proxy the TCP peer is
// the proxy: only when that peer is one of the trusted proxies
// (ORDERLY_TRUSTED_PROXIES) is the client's address taken from X-Forwarded-For,
// so that a client cannot choose the address it is throttled and audited under.
// Addresses are parsed with inet_pton(3) and written back with inet_ntop(3).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace orderly::http {

class TrustedProxies {
  public:
    TrustedProxies() = default;  // trusts no one
    // A comma-separated list of addresses and CIDR blocks, IPv4 and IPv6
    // ("10.0.0.2, 172.16.0.0/12, ::1, fd00::/8"); empty = trust no one. A
    // 400-kind error naming the first entry that is neither an address nor a
    // block.
    static Result<TrustedProxies> parse(std::string_view list);

    bool empty() const { return nets_.empty(); }
    bool contains(std::string_view address) const;

    // The client's address for a request from `peer` that carried X-Forwarded-For
    // `xff`: the peer itself unless it is trusted; then the right-most entry of
    // X-Forwarded-For (the hop the trusted proxy appended), walking further left
    // only past entries that are trusted proxies too. Entries to the left of the
    // first untrusted one are the client's own claims and are never used.
    // Returned in canonical form (IPv4-mapped IPv6 as IPv4).
    std::string client_address(std::string_view peer, const std::optional<std::string>& xff) const;
    // The same for a peer already in canonical form (canonical_address of the peer, or the peer
    // when that has none): a connection's peer is made canonical once, not on every request.
    std::string client_address_of_canonical(std::string client,
                                            const std::optional<std::string>& xff) const;

  private:
    struct Net {
        std::array<uint8_t, 16> addr{};  // IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d)
        int prefix = 128;                // bits
    };
    std::vector<Net> nets_;
};

// The canonical text of an IP address (IPv4-mapped IPv6 written as IPv4, IPv6
// compressed, an optional port or brackets removed), or nullopt when `text` is
// not an address.
std::optional<std::string> canonical_address(std::string_view text);

// What login throttling counts failures under: an IPv4 address itself, an IPv6
// address's /64 (one host usually holds a whole /64, so single IPv6 addresses
// are free to rotate through).
std::string throttle_key(std::string_view address);

}  // namespace orderly::http
