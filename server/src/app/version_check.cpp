#include "app/version_check.h"

#include <charconv>

#include "core/codes.h"
#include "core/error.h"

namespace orderly::app {

int64_t parse_version_tag(std::string_view s) {
    if (s.rfind("W/", 0) == 0) s.remove_prefix(2);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    int64_t v = 0;
    const char* end = s.data() + s.size();
    bool ok = !s.empty() && s.size() <= 19;
    if (ok) {
        auto [p, ec] = std::from_chars(s.data(), end, v);
        ok = ec == std::errc() && p == end && v >= 1;
    }
    if (!ok)
        fail(Error::Field("If-Match", "must be the object's version, e.g. \"3\"",
                          codes::field_if_match));
    return v;
}

void check_version(const std::optional<std::string>& if_match, int64_t current,
                   const std::string& what) {
    if (!if_match) return;
    const int64_t sent = parse_version_tag(*if_match);
    if (sent != current)
        fail(Error::Conflict(what + " was changed by someone else (version " +
                             std::to_string(current) + ", you sent " + std::to_string(sent) +
                             "); reload and try again")
                 .with(codes::request_version_conflict,
                       {{"what", what}, {"current", current}, {"sent", sent}}));
}

}  // namespace orderly::app
