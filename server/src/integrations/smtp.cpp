#include "integrations/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <mutex>

#include "core/codes.h"

namespace orderly::smtp {

namespace {

bool is_ascii_printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u >= 0x20 && u < 0x7f;
    });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

// [scheme://][userinfo@]host[:port][/path][?query] -> positions of the authority.
struct UrlParts {
    std::string scheme, authority, path, query;
};
std::optional<UrlParts> split_url(std::string_view url) {
    auto sep = url.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    UrlParts p;
    p.scheme = lower(url.substr(0, sep));
    std::string_view rest = url.substr(sep + 3);
    auto q = rest.find('?');
    if (q != std::string_view::npos) {
        p.query = std::string(rest.substr(q + 1));
        rest = rest.substr(0, q);
    }
    auto slash = rest.find('/');
    p.authority = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) p.path = std::string(rest.substr(slash));
    return p;
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return std::string(s.substr(b, e - b));
}

// Splits UTF-8 text into pieces of at most max_bytes, never inside a character.
std::vector<std::string_view> utf8_chunks(std::string_view s, size_t max_bytes) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        size_t end = std::min(s.size(), i + max_bytes);
        // Back off while `end` points at a continuation byte (10xxxxxx).
        while (end < s.size() && end > i + 1 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
            --end;
        out.push_back(s.substr(i, end - i));
        i = end;
    }
    return out;
}

std::string base64_lines(std::string_view data) {
    const std::string b = base64(data);
    std::string out;
    for (size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
    return out;
}

std::string crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') continue;
        if (text[i] == '\n') {
            out += "\r\n";
            continue;
        }
        out.push_back(text[i]);
    }
    return out;
}

std::string header_safe(std::string_view v) {
    std::string out;
    for (char ch : v)
        if (ch != '\r' && ch != '\n') out.push_back(ch);
    return out;
}

std::string format_mailbox(const Mailbox& m) {
    if (m.name.empty()) return m.address;
    std::string name;
    if (is_ascii_printable(m.name)) {
        name = "\"";
        for (char ch : m.name) {
            if (ch == '"' || ch == '\\') name.push_back('\\');
            name.push_back(ch);
        }
        name += "\"";
    } else {
        name = encode_header_text(m.name);
    }
    return name + " <" + m.address + ">";
}

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
    const std::string* data;
    size_t pos = 0;
};

size_t read_cb(char* buf, size_t size, size_t nitems, void* userp) {
    auto* u = static_cast<Upload*>(userp);
    size_t n = std::min(size * nitems, u->data->size() - u->pos);
    std::memcpy(buf, u->data->data() + u->pos, n);
    u->pos += n;
    return n;
}

int progress_cb(void* userp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* cancelled = static_cast<const std::function<bool()>*>(userp);
    return (*cancelled && (*cancelled)()) ? 1 : 0;
}

}  // namespace

std::optional<ServerUrl> parse_server_url(std::string_view url, std::string* why) {
    auto bad = [&](std::string msg) -> std::optional<ServerUrl> {
        if (why) *why = std::move(msg);
        return std::nullopt;
    };
    auto p = split_url(url);
    if (!p) return bad("must look like smtp://host:port or smtps://host:port");
    ServerUrl out;
    if (p->scheme == "smtps")
        out.implicit_tls = true;
    else if (p->scheme != "smtp")
        return bad("the scheme must be smtp:// or smtps://, not " + p->scheme + "://");
    std::string host = p->authority.substr(
        p->authority.rfind('@') == std::string::npos ? 0 : p->authority.rfind('@') + 1);
    if (host.empty() || host.front() == ':') return bad("names no host");
    for (char ch : std::string(url))
        if (static_cast<unsigned char>(ch) <= 0x20)
            return bad("contains spaces or control characters");
    std::string_view q = p->query;
    while (!q.empty()) {
        auto amp = q.find('&');
        std::string_view kv = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
        if (kv.empty()) continue;
        auto eq = kv.find('=');
        std::string key = lower(kv.substr(0, eq));
        std::string val = eq == std::string_view::npos ? "1" : lower(kv.substr(eq + 1));
        if (key == "starttls") {
            if (val == "required" || val == "1" || val == "true")
                out.starttls = ServerUrl::StartTls::required;
            else if (val == "optional" || val == "try")
                out.starttls = ServerUrl::StartTls::optional;
            else if (val == "no" || val == "0" || val == "false")
                out.starttls = ServerUrl::StartTls::no;
            else
                return bad("starttls must be required, optional or no");
        } else if (key == "insecure") {
            out.verify_tls = !(val == "1" || val == "true" || val == "yes");
        } else {
            return bad("unknown parameter \"" + key + "\" (known: starttls, insecure)");
        }
    }
    out.curl_url = p->scheme + "://" + p->authority + p->path;
    return out;
}

std::string redact_url(std::string_view url) {
    auto p = split_url(url);
    if (!p) return std::string(url);
    std::string auth = p->authority;
    auto at = auth.rfind('@');
    if (at != std::string::npos) {
        auto colon = auth.find(':');
        if (colon != std::string::npos && colon < at)
            auth = auth.substr(0, colon) + ":***" + auth.substr(at);
    }
    return p->scheme + "://" + auth + p->path + (p->query.empty() ? "" : "?" + p->query);
}

bool is_plausible_address(std::string_view a) {
    if (a.empty() || a.size() > 254) return false;
    auto at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == a.size()) return false;
    for (char ch : a) {
        auto u = static_cast<unsigned char>(ch);
        if (u <= 0x20 || u == 0x7f || ch == '<' || ch == '>' || ch == '(' || ch == ')' ||
            ch == ',' || ch == ';' || ch == '"' || ch == '\\')
            return false;
    }
    return a.substr(at + 1).find('.') != std::string_view::npos || a.substr(at + 1) == "localhost";
}

std::optional<Mailbox> parse_mailbox(std::string_view text) {
    Mailbox m;
    auto lt = text.rfind('<');
    if (lt != std::string_view::npos) {
        auto gt = text.find('>', lt);
        if (gt == std::string_view::npos || trim(text.substr(gt + 1)) != "") return std::nullopt;
        m.address = trim(text.substr(lt + 1, gt - lt - 1));
        m.name = trim(text.substr(0, lt));
        if (m.name.size() >= 2 && m.name.front() == '"' && m.name.back() == '"')
            m.name = m.name.substr(1, m.name.size() - 2);
        for (char ch : m.name)
            if (ch == '\r' || ch == '\n') return std::nullopt;
    } else {
        m.address = trim(text);
    }
    if (!is_plausible_address(m.address)) return std::nullopt;
    return m;
}

std::string base64(std::string_view data) {
    static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        uint32_t v = (static_cast<unsigned char>(data[i]) << 16) |
                     (static_cast<unsigned char>(data[i + 1]) << 8) |
                     static_cast<unsigned char>(data[i + 2]);
        out.push_back(tbl[(v >> 18) & 63]);
        out.push_back(tbl[(v >> 12) & 63]);
        out.push_back(tbl[(v >> 6) & 63]);
        out.push_back(tbl[v & 63]);
    }
    if (i < data.size()) {
        uint32_t v = static_cast<unsigned char>(data[i]) << 16;
        if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
        out.push_back(tbl[(v >> 18) & 63]);
        out.push_back(tbl[(v >> 12) & 63]);
        out.push_back(i + 1 < data.size() ? tbl[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

std::string encode_header_text(std::string_view utf8) {
    std::string clean = header_safe(utf8);
    if (is_ascii_printable(clean) && clean.size() <= 900) return clean;
    // An encoded-word is at most 75 characters (RFC 2047 section 2); 39 bytes give 52 base64
    // characters, a 64-character word, so even "Subject: " + the first word stays under 78.
    // Words never split a character.
    std::string out;
    for (auto piece : utf8_chunks(clean, 39)) {
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(piece) + "?=";
    }
    return out;
}

std::string rfc5322_date(TimeMs t) {
    static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t secs = static_cast<time_t>(t / 1000);
    struct tm tmv {};
    gmtime_r(&secs, &tmv);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tmv.tm_wday],
                  tmv.tm_mday, months[tmv.tm_mon], tmv.tm_year + 1900, tmv.tm_hour, tmv.tm_min,
                  tmv.tm_sec);
    return buf;
}

std::string build_message(const Message& m) {
    // "=_" cannot occur in base64, so the boundary never collides with a body line.
    const std::string boundary = "=_orderly_" + base64(m.message_id).substr(0, 24);
    std::string out;
    out += "Date: " + rfc5322_date(m.date) + "\r\n";
    out += "From: " + format_mailbox(m.from) + "\r\n";
    out += "To: " + header_safe(m.to) + "\r\n";
    out += "Subject: " + encode_header_text(m.subject) + "\r\n";
    out += "Message-ID: <" + header_safe(m.message_id) + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    for (const auto& [k, v] : m.extra_headers)
        out += header_safe(k) + ": " + header_safe(v) + "\r\n";
    out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    out += "\r\n";
    out += "This is a multi-part message in MIME format.\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(crlf(m.text));
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/html; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(crlf(m.html));
    out += "--" + boundary + "--\r\n";
    return out;
}

SendResult send(const Settings& s, const Message& m, const std::function<bool()>& cancelled) {
    SendResult r;
    std::string why;
    auto url = parse_server_url(s.url, &why);
    if (!url) {
        r.error = {"ORDERLY_SMTP_URL " + why, codes::email_smtp_url_invalid, {{"reason", why}}};
        return r;
    }
    if (!is_plausible_address(m.to)) {
        r.permanent = true;
        r.error = {"\"" + header_safe(m.to) + "\" is not a usable email address",
                   codes::notification_address_unusable,
                   {{"address", header_safe(m.to)}}};
        return r;
    }
    init_curl_once();
    CURL* curl = curl_easy_init();
    if (!curl) {
        r.error = {"could not create a libcurl handle", codes::notification_smtp_failed, {}};
        return r;
    }
    const std::string payload = build_message(m);
    Upload up{&payload};
    char errbuf[CURL_ERROR_SIZE] = {0};
    const std::string from = "<" + m.from.address + ">";
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + m.to + ">").c_str());

    curl_easy_setopt(curl, CURLOPT_URL, url->curl_url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for timeouts
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, s.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, s.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    if (url->starttls == ServerUrl::StartTls::required)
        curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    else if (url->starttls == ServerUrl::StartTls::optional)
        curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    if (!url->verify_tls) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cancelled) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &cancelled);
    }

    CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);

    r.smtp_code = code;
    if (rc == CURLE_OK) {
        r.ok = true;
        return r;
    }
    auto& text = r.error.text;
    text = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    if (code > 0 && text.find(std::to_string(code)) == std::string::npos)
        text += " (SMTP " + std::to_string(code) + ")";
    // The server's reply code when it answered with one; else it could not be reached or the
    // session broke (connection, TLS, timeout).
    if (code > 0) {
        r.error.code = codes::notification_smtp_refused;
        r.error.params = {{"smtp_code", code}};
    } else {
        r.error.code = codes::notification_smtp_failed;
    }
    r.permanent = code == 501 || code == 550 || code == 551 || code == 553;
    return r;
}

}  // namespace orderly::smtp
