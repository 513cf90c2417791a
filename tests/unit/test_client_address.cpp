#include <catch2/catch.hpp>

#include "http/client_address.h"

using orderly::http::canonical_address;
using orderly::http::throttle_key;
using orderly::http::TrustedProxies;

namespace {
TrustedProxies proxies(const char* list) {
    auto r = TrustedProxies::parse(list);
    REQUIRE(r.ok());
    return *r;
}
}  // namespace

TEST_CASE("trusted proxies: addresses and CIDR blocks, IPv4 and IPv6", "[unit][address]") {
    auto t = proxies(" 10.0.0.2, 172.16.0.0/12 ,::1,fd00::/8,,192.168.1.0/24");
    CHECK(t.contains("10.0.0.2"));
    CHECK_FALSE(t.contains("10.0.0.3"));
    CHECK(t.contains("172.16.0.1"));
    CHECK(t.contains("172.31.255.255"));
    CHECK_FALSE(t.contains("172.32.0.1"));
    CHECK(t.contains("192.168.1.77"));
    CHECK(t.contains("::1"));
    CHECK(t.contains("fd12:3456::1"));
    CHECK_FALSE(t.contains("fe80::1"));
    CHECK(t.contains("::ffff:10.0.0.2"));  // an IPv4 peer on a dual-stack socket
    CHECK_FALSE(t.contains("not an address"));
    CHECK(proxies("").empty());
    CHECK(proxies("0.0.0.0/0").contains("203.0.113.9"));
    CHECK_FALSE(proxies("0.0.0.0/0").contains("2001:db8::1"));

    for (const char* bad : {"10.0.0.256", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x",
                            "nginx", "10.0.0.1 10.0.0.2", "1.2.3.4:80", "::1/-1"}) {
        INFO(bad);
        auto r = TrustedProxies::parse(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find(bad) != std::string::npos);
    }
}

TEST_CASE("client address: X-Forwarded-For only from a trusted peer, right to left",
          "[unit][address]") {
    const TrustedProxies none;
    CHECK(none.client_address("127.0.0.1", std::string("203.0.113.9")) == "127.0.0.1");

    auto t = proxies("127.0.0.1, 10.0.0.0/8, ::1");
    // Not from a trusted peer: the header is the client's own claim.
    CHECK(t.client_address("198.51.100.1", std::string("203.0.113.9")) == "198.51.100.1");
    // From the trusted proxy: the hop it appended (the right-most), never what
    // the client wrote.
    CHECK(t.client_address("127.0.0.1", std::string("203.0.113.9")) == "203.0.113.9");
    CHECK(t.client_address("127.0.0.1", std::string("1.1.1.1, 203.0.113.9")) == "203.0.113.9");
    // Further left only past other trusted proxies.
    CHECK(t.client_address("127.0.0.1", std::string("1.1.1.1, 203.0.113.9, 10.1.2.3")) ==
          "203.0.113.9");
    CHECK(t.client_address("127.0.0.1", std::string("10.9.9.9,10.1.2.3")) == "10.9.9.9");
    // No header, an empty one, or a hop that is not an address: as far as the
    // chain is believable.
    CHECK(t.client_address("127.0.0.1", std::nullopt) == "127.0.0.1");
    CHECK(t.client_address("127.0.0.1", std::string("")) == "127.0.0.1");
    CHECK(t.client_address("127.0.0.1", std::string("evil, unknown")) == "127.0.0.1");
    CHECK(t.client_address("127.0.0.1", std::string("evil, 10.1.2.3")) == "10.1.2.3");
    // IPv6, ports and canonical forms.
    CHECK(t.client_address("::1", std::string("2001:DB8:0:0::7")) == "2001:db8::7");
    CHECK(t.client_address("::ffff:127.0.0.1", std::string("[2001:db8::7]:4711")) == "2001:db8::7");
    CHECK(t.client_address("127.0.0.1", std::string("203.0.113.9:5000")) == "203.0.113.9");
}

TEST_CASE("canonical addresses and throttle keys", "[unit][address]") {
    CHECK(canonical_address("::ffff:192.0.2.1") == std::optional<std::string>("192.0.2.1"));
    CHECK(canonical_address(" 2001:0db8::0001 ") == std::optional<std::string>("2001:db8::1"));
    CHECK_FALSE(canonical_address("x@example.com").has_value());
    CHECK(throttle_key("192.0.2.1") == "192.0.2.1");
    CHECK(throttle_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
    CHECK(throttle_key("2001:db8:1:2::9") == throttle_key("2001:db8:1:2:ffff::1"));
}
