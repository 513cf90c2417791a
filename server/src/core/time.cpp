#include "core/time.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace orderly {

TimeMs SystemClock::now_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Every response carries several timestamps, so this avoids gmtime_r and printf: days to a
// civil date by the proleptic Gregorian algorithm of H. Hinnant ("chrono-compatible low-level
// date algorithms"), then fixed-width digits.
std::string format_rfc3339(TimeMs t) {
    Rfc3339Text text;
    format_rfc3339(t, text);
    return std::string(text.data(), text.size());
}

void format_rfc3339(TimeMs t, Rfc3339Text& out) {
    int64_t secs = t / 1000;
    int ms = static_cast<int>(t % 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) {
        // Outside what four digits can show: never a real ticket time; keep the output valid.
        const char* edge = year < 0 ? "0000-01-01T00:00:00.000Z" : "9999-12-31T23:59:59.999Z";
        std::memcpy(out.data(), edge, out.size());
        return;
    }
    char* buf = out.data();
    std::memcpy(buf, "0000-00-00T00:00:00.000Z", out.size());
    auto put = [&](int pos, int64_t v, int width) {
        for (int i = width - 1; i >= 0; --i) {
            buf[pos + i] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, rem / 3600, 2);
    put(14, rem / 60 % 60, 2);
    put(17, rem % 60, 2);
    put(20, ms, 3);
}

namespace {
bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
}  // namespace

std::optional<TimeMs> parse_rfc3339(std::string_view s) {
    int Y, M, D, h, m, sec;
    if (!digits(s, 0, 4, Y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, M) || s[7] != '-' ||
        !digits(s, 8, 2, D) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
        s[13] != ':' || !digits(s, 14, 2, m) || s[16] != ':' || !digits(s, 17, 2, sec))
        return std::nullopt;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return std::nullopt;
    size_t pos = 19;
    int ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int scale = 100, n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            ms += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
            ++n;
        }
        if (n == 0) return std::nullopt;
    }
    int64_t offset_min = 0;
    if (pos >= s.size()) return std::nullopt;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    int64_t days = days_from_civil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D));
    int64_t secs = days * 86400 + h * 3600 + m * 60 + (sec == 60 ? 59 : sec) - offset_min * 60;
    // An offset can carry a time past the years format_rfc3339 writes (0000-9999, in UTC):
    // refused, so that every accepted time reads back as itself.
    static const int64_t first = days_from_civil(0, 1, 1) * 86400;
    static const int64_t last = days_from_civil(9999, 12, 31) * 86400 + 86399;
    if (secs < first || secs > last) return std::nullopt;
    return secs * 1000 + ms;
}

std::optional<TimeMs> parse_duration_ms(std::string_view s) {
    int64_t unit_ms = 1000;
    if (!s.empty()) {
        switch (s.back()) {
            case 's':
                unit_ms = 1000;
                s.remove_suffix(1);
                break;
            case 'm':
                unit_ms = 60'000;
                s.remove_suffix(1);
                break;
            case 'h':
                unit_ms = 3'600'000;
                s.remove_suffix(1);
                break;
            case 'd':
                unit_ms = 86'400'000;
                s.remove_suffix(1);
                break;
            default:
                break;
        }
    }
    if (s.empty() || s.size() > 12) return std::nullopt;
    int64_t n = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return std::nullopt;
        n = n * 10 + (ch - '0');
    }
    const int64_t ms = n * unit_ms;
    constexpr int64_t kTenYears = 3650LL * 86'400'000;
    if (n == 0 || n > kTenYears / unit_ms) return std::nullopt;
    return ms;
}

}  // namespace orderly
