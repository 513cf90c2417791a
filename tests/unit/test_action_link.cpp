// When a one-click approval link still decides, its address, and the duration setting of its
// lifetime.
#include <catch2/catch.hpp>

#include "core/time.h"
#include "domain/action_link.h"

using namespace orderly;
using domain::LinkState;

TEST_CASE("a link decides once, before it expires, while its step waits for its approver",
          "[unit][action_link]") {
    domain::ActionLink l;
    l.expires_at = 10'000;
    CHECK(domain::link_state(l, true, 9'999) == LinkState::usable);
    CHECK(domain::link_state(l, true, 10'000) == LinkState::expired);
    CHECK(domain::link_state(l, false, 9'999) == LinkState::superseded);
    // The approver hears first what happened to their own link.
    CHECK(domain::link_state(l, false, 10'000) == LinkState::expired);
    l.used_at = 5'000;
    l.used_action = "approve";
    CHECK(domain::link_state(l, false, 20'000) == LinkState::used);
}

TEST_CASE("a link's address is the base URL's /act/ page", "[unit][action_link]") {
    CHECK(domain::action_url("https://ops.example.com/", "abc_-1") ==
          "https://ops.example.com/act/abc_-1");
    CHECK(domain::action_url("http://127.0.0.1:8080", "t") == "http://127.0.0.1:8080/act/t");
}

TEST_CASE("durations read as seconds or with a unit", "[unit][time]") {
    CHECK(parse_duration_ms("259200") == 259'200'000);
    CHECK(parse_duration_ms("72h") == 259'200'000);
    CHECK(parse_duration_ms("30m") == 1'800'000);
    CHECK(parse_duration_ms("3d") == 259'200'000);
    CHECK(parse_duration_ms("45s") == 45'000);
    for (const char* bad :
         {"", "h", "0", "0h", "-1", "1.5h", "72 h", "1w", "99999999999999", "3651d"})
        CHECK_FALSE(parse_duration_ms(bad).has_value());
    CHECK(parse_duration_ms("3650d").has_value());
}
