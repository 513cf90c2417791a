#pragma once
// Time is kept as milliseconds since the Unix epoch (UTC) everywhere inside Orderly and shown as
// RFC 3339 UTC strings at the edges.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderly {

using TimeMs = int64_t;

// The clock is an interface so domain tests can use a fake one.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
  public:
    TimeMs now_ms() const override;
};

// "2026-11-21T05:40:39.123Z"
std::string format_rfc3339(TimeMs t);
// The same 24 characters, without allocating.
using Rfc3339Text = std::array<char, 24>;
void format_rfc3339(TimeMs t, Rfc3339Text& out);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]" (also lowercase t/z); nullopt when malformed.
std::optional<TimeMs> parse_rfc3339(std::string_view s);
// A duration setting: whole seconds ("259200"), or a number with one unit s, m, h or d ("72h",
// "30m"). nullopt when malformed, zero or above ten years.
std::optional<TimeMs> parse_duration_ms(std::string_view s);

}  // namespace orderly
