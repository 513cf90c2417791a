#pragma once
// Tests on eight bytes at once, for loops that look for the few bytes that need attention in
// text that mostly has none (JSON strings to escape, control characters in an HTTP head). Each
// test is exact: it answers whether some byte of the word matches, never a false alarm (from
// "Bit Twiddling Hacks": a borrow between bytes only starts at a byte that matches).
#include <cstdint>
#include <cstring>

namespace orderly::word_scan {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// The eight bytes at p, in any byte order (the tests do not depend on it).
inline uint64_t load(const void* p) {
    uint64_t x;
    std::memcpy(&x, p, sizeof x);
    return x;
}

// The *_mask tests are non-zero exactly when some byte matches (which bits are set beyond that
// is not meaningful), so several can be ORed into one test: one branch instead of several.

// Non-zero when some byte is below n (n at most 0x80).
constexpr uint64_t below_mask(uint64_t x, unsigned char n) {
    return (x - kOnes * n) & ~x & kHighs;
}

// Non-zero when some byte equals c.
constexpr uint64_t equal_mask(uint64_t x, unsigned char c) {
    const uint64_t v = x ^ (kOnes * c);
    return (v - kOnes) & ~v & kHighs;
}

// Non-zero when some byte is 0x80 or above.
constexpr uint64_t high_mask(uint64_t x) {
    return x & kHighs;
}

// Some byte is below n (n at most 0x80).
constexpr bool any_below(uint64_t x, unsigned char n) {
    return below_mask(x, n) != 0;
}

// Some byte equals c.
constexpr bool any_equal(uint64_t x, unsigned char c) {
    return equal_mask(x, c) != 0;
}

// Some byte is 0x80 or above.
constexpr bool any_high(uint64_t x) {
    return high_mask(x) != 0;
}

}  // namespace orderly::word_scan
