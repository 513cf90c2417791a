#include "http/url.h"

#include "core/json.h"

namespace orderly::http {

namespace {
int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            char d = static_cast<char>(hi * 16 + lo);
            if (d == '\0') return std::nullopt;
            out.push_back(d);
            i += 2;
        } else if (c == '\0') {
            return std::nullopt;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool valid_utf8(std::string_view s) {
    // RapidJSON's validator, the one that checks JSON bodies: paths, query strings and bodies
    // accept the same text.
    rapidjson::MemoryStream in(s.data(), s.size());
    struct Discard {
        void Put(char) {}
    } out;
    while (in.Tell() < s.size())
        if (!rapidjson::UTF8<>::Validate(in, out)) return false;
    return true;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.emplace_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace orderly::http
