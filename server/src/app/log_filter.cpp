#include "app/log_filter.h"

#include <algorithm>

#include "core/json.h"
#include "domain/command.h"

namespace orderly {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr const char* kMask = "******";

// Length of the UTF-8 sequence starting at s[i] when it is complete and valid; 0 when invalid;
// -1 when it could become valid with more bytes.
int utf8_sequence(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4)) return 0;
    size_t avail = std::min<size_t>(len, s.size() - i);
    for (size_t k = 1; k < avail; ++k)
        if (!is_utf8_continuation(b(k))) return 0;
    if (avail >= 2) {
        unsigned char d = b(1);
        if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d >= 0xA0) || (c == 0xF0 && d < 0x90) ||
            (c == 0xF4 && d >= 0x90))
            return 0;  // overlong, surrogate or beyond U+10FFFF
    }
    return avail < static_cast<size_t>(len) ? -1 : len;
}

// Masks every string in a JSON value (variable values), keys included.
void mask_json(json::Value& v, json::Document::AllocatorType& a,
               const std::vector<std::string>& secrets) {
    if (v.IsString()) {
        std::string s(v.GetString(), v.GetStringLength());
        std::string m = domain::mask_secrets(s, secrets);
        if (m != s) v.SetString(m.c_str(), static_cast<rapidjson::SizeType>(m.size()), a);
    } else if (v.IsArray()) {
        for (auto& x : v.GetArray()) mask_json(x, a, secrets);
    } else if (v.IsObject()) {
        for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) mask_json(m->value, a, secrets);
    }
}

}  // namespace

std::string masked_variables(const std::string& text, const std::vector<std::string>& secrets) {
    json::Document d;
    if (text.empty() || !json::parse_untrusted(text, d).ok() || !d.IsObject()) return "{}";
    mask_json(d, d.GetAllocator(), secrets);
    return json::to_string(d);
}

std::string masked_argv(const std::vector<std::string>& argv,
                        const std::vector<std::string>& secrets) {
    json::Writer w;
    w.start_array();
    for (const auto& a : argv) w.str(domain::mask_secrets(a, secrets));
    w.end_array();
    return w.take();
}

LogFilter::LogFilter(std::vector<std::string> secrets) {
    for (auto& s : secrets)
        if (!s.empty()) secrets_.push_back(std::move(s));
    std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
    for (const auto& s : secrets_) first_byte_[static_cast<unsigned char>(s[0])] = true;
}

std::string LogFilter::feed(std::string_view raw) {
    return mask(sanitize(raw, false), false);
}

std::string LogFilter::finish() {
    return mask(sanitize({}, true), true);
}
std::string LogFilter::sanitize(std::string_view raw, bool final) {
    std::string joined;
    std::string_view in = raw;
    if (!utf8_carry_.empty()) {
        joined = std::move(utf8_carry_);
        utf8_carry_.clear();
        joined.append(raw);
        in = joined;
    }
    std::string out;
    out.reserve(in.size());
    size_t i = 0, run = 0;  // [run, i) is valid text not yet copied
    while (i < in.size()) {
        if (static_cast<unsigned char>(in[i]) < 0x80) {
            ++i;
            continue;
        }
        int len = utf8_sequence(in, i);
        if (len > 0) {
            i += static_cast<size_t>(len);
            continue;
        }
        out.append(in, run, i - run);
        if (len < 0 && !final) {  // incomplete at the end: wait for the rest
            utf8_carry_.assign(in.substr(i));
            return out;
        }
        out += kReplacement;
        ++i;
        run = i;
    }
    out.append(in, run, in.size() - run);
    return out;
}

std::string LogFilter::mask(std::string_view text, bool final) {
    if (secrets_.empty()) return std::string(text);
    std::string joined;
    std::string_view in = text;
    if (!mask_carry_.empty()) {
        joined = std::move(mask_carry_);
        mask_carry_.clear();
        joined.append(text);
        in = joined;
    }
    std::string out;
    out.reserve(in.size());
    size_t i = 0, run = 0;
    while (i < in.size()) {
        if (!first_byte_[static_cast<unsigned char>(in[i])]) {
            ++i;
            continue;
        }
        size_t match = 0;
        bool undecided = false;
        const size_t left = in.size() - i;
        for (const auto& s : secrets_) {  // longest first
            if (s.size() <= left) {
                if (in.compare(i, s.size(), s) == 0) {
                    match = s.size();
                    break;
                }
            } else if (!final && in.compare(i, left, s, 0, left) == 0) {
                undecided = true;  // a longer secret may be completed by the next read
                break;
            }
        }
        if (undecided) {
            out.append(in, run, i - run);
            mask_carry_.assign(in.substr(i));
            return out;
        }
        if (match) {
            out.append(in, run, i - run);
            out += kMask;
            i += match;
            run = i;
        } else {
            ++i;
        }
    }
    out.append(in, run, in.size() - run);
    return out;
}

}  // namespace orderly
