#include "domain/action_link.h"

namespace orderly::domain {

std::string_view to_string(LinkState s) {
    switch (s) {
        case LinkState::usable:
            return "usable";
        case LinkState::used:
            return "used";
        case LinkState::expired:
            return "expired";
        case LinkState::superseded:
            return "superseded";
    }
    return "usable";
}

LinkState link_state(const ActionLink& link, bool waiting, TimeMs now) {
    if (link.used_at) return LinkState::used;
    if (now >= link.expires_at) return LinkState::expired;
    if (!waiting) return LinkState::superseded;
    return LinkState::usable;
}

std::string action_url(std::string_view base_url, std::string_view token) {
    std::string out(base_url);
    while (!out.empty() && out.back() == '/') out.pop_back();
    out += "/act/";
    out += token;
    return out;
}

}  // namespace orderly::domain
