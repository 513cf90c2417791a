#include "support/smtp_listener.h"
#include "support/process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace orderly::test {

namespace {

std::string upper(std::string s) {
    for (auto& ch : s)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    return s;
}

std::string lower(std::string s) {
    for (auto& ch : s)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return s;
}

std::string angle_address(const std::string& arg) {
    auto lt = arg.find('<');
    auto gt = arg.find('>', lt == std::string::npos ? 0 : lt);
    if (lt == std::string::npos || gt == std::string::npos) return arg;
    return arg.substr(lt + 1, gt - lt - 1);
}

// Line reader over a socket: returns lines without their CRLF.
class LineReader {
  public:
    explicit LineReader(int fd) : fd_(fd) {}
    bool next(std::string& line) {
        for (;;) {
            auto eol = buf_.find("\r\n");
            if (eol != std::string::npos) {
                line = buf_.substr(0, eol);
                buf_.erase(0, eol + 2);
                return true;
            }
            if (buf_.size() > (1 << 20)) return false;
            char tmp[4096];
            ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
            if (n <= 0) return false;
            buf_.append(tmp, static_cast<size_t>(n));
        }
    }

  private:
    int fd_;
    std::string buf_;
};

bool send_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

SmtpListener::SmtpListener(uint16_t port) : port_(port) {}

SmtpListener::~SmtpListener() {
    stop();
}

std::string SmtpListener::url() const {
    return "smtp://127.0.0.1:" + std::to_string(port_);
}

void SmtpListener::require_auth(std::string user, std::string password) {
    std::lock_guard lock(mu_);
    auth_user_ = std::move(user);
    auth_password_ = std::move(password);
}

void SmtpListener::reject_recipient(std::string address) {
    std::lock_guard lock(mu_);
    rejected_.insert(std::move(address));
}

void SmtpListener::allow_recipient(const std::string& address) {
    std::lock_guard lock(mu_);
    rejected_.erase(address);
}

void SmtpListener::start() {
    if (listen_fd_ >= 0) return;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("smtp listener: socket failed");
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    // A restart on the same port may race the old sockets' teardown: try for a while.
    int rc = -1;
    wait_until(
        [&] {
            rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
            return rc == 0 || errno != EADDRINUSE;
        },
        std::chrono::seconds(5));
    if (rc != 0 || ::listen(fd, 64) != 0) {
        ::close(fd);
        throw std::runtime_error("smtp listener: cannot listen on port " + std::to_string(port_) +
                                 ": " + std::strerror(errno));
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    stopping_ = false;
    listen_fd_ = fd;
    acceptor_ = std::thread([this, fd] { accept_loop(fd); });
}

void SmtpListener::stop() {
    if (listen_fd_ < 0) return;
    stopping_ = true;
    hold.release();  // a held answer would keep its session from ending
    if (acceptor_.joinable()) acceptor_.join();
    ::close(listen_fd_);
    listen_fd_ = -1;
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mu_);
        for (int fd : session_fds_) ::shutdown(fd, SHUT_RDWR);
        threads.swap(sessions_);
    }
    for (auto& t : threads)
        if (t.joinable()) t.join();
}

void SmtpListener::accept_loop(int fd) {
    while (!stopping_) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        ++connections_;
        timeval tv{30, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::lock_guard lock(mu_);
        session_fds_.insert(c);
        sessions_.emplace_back([this, c] { session(c); });
    }
}

void SmtpListener::session(int fd) {
    LineReader in(fd);
    std::string line, helo, auth_user;
    Received cur;
    bool have_from = false;
    bool authed = false;
    std::string need_user, need_pass;
    {
        std::lock_guard lock(mu_);
        need_user = auth_user_;
        need_pass = auth_password_;
    }
    auto check_plain = [&](const std::string& b64) {
        // authzid \0 authcid \0 password
        std::string raw = decode_base64(b64);
        auto a = raw.find('\0');
        auto b = a == std::string::npos ? a : raw.find('\0', a + 1);
        if (b == std::string::npos) return false;
        std::string user = raw.substr(a + 1, b - a - 1), pass = raw.substr(b + 1);
        if (user == need_user && pass == need_pass) {
            auth_user = user;
            return true;
        }
        return false;
    };
    bool ok = send_all(fd, "220 127.0.0.1 Orderly test SMTP ready\r\n");
    while (ok && in.next(line)) {
        const std::string verb = upper(line.substr(0, line.find(' ')));
        const std::string arg =
            line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
        if (verb == "EHLO") {
            helo = arg;
            std::string r = "250-127.0.0.1 hello\r\n250-8BITMIME\r\n";
            if (!need_user.empty()) r += "250-AUTH PLAIN\r\n";
            r += "250 SIZE 10485760\r\n";
            ok = send_all(fd, r);
        } else if (verb == "HELO") {
            helo = arg;
            ok = send_all(fd, "250 127.0.0.1\r\n");
        } else if (verb == "AUTH") {
            std::string mech = upper(arg.substr(0, arg.find(' ')));
            std::string initial =
                arg.find(' ') == std::string::npos ? "" : arg.substr(arg.find(' ') + 1);
            if (mech != "PLAIN") {
                ok = send_all(fd, "504 only PLAIN\r\n");
                continue;
            }
            if (initial.empty()) {
                ok = send_all(fd, "334 \r\n") && in.next(initial);
                if (!ok) break;
            }
            authed = check_plain(initial);
            ok = send_all(fd,
                          authed ? "235 2.7.0 authenticated\r\n" : "535 5.7.8 bad credentials\r\n");
        } else if (verb == "MAIL") {
            if (!need_user.empty() && !authed) {
                ok = send_all(fd, "530 5.7.0 authentication required\r\n");
                continue;
            }
            cur = Received{};
            cur.helo = helo;
            cur.auth_user = auth_user;
            cur.mail_from = angle_address(arg);
            have_from = true;
            ok = send_all(fd, "250 2.1.0 ok\r\n");
        } else if (verb == "RCPT") {
            if (!have_from) {
                ok = send_all(fd, "503 5.5.1 MAIL first\r\n");
                continue;
            }
            std::string to = angle_address(arg);
            bool rejected;
            {
                std::lock_guard lock(mu_);
                rejected = rejected_.count(to) > 0;
            }
            if (rejected) {
                ok = send_all(fd, "550 5.1.1 no such user here\r\n");
            } else {
                cur.rcpt_to.push_back(to);
                ok = send_all(fd, "250 2.1.5 ok\r\n");
            }
        } else if (verb == "DATA") {
            if (!have_from || cur.rcpt_to.empty()) {
                ok = send_all(fd, "503 5.5.1 RCPT first\r\n");
                continue;
            }
            ok = send_all(fd, "354 end with <CRLF>.<CRLF>\r\n");
            std::string data;
            bool complete = false;
            while (ok && in.next(line)) {
                if (line == ".") {
                    complete = true;
                    break;
                }
                if (!line.empty() && line[0] == '.') line.erase(0, 1);  // dot-unstuffing
                data += line + "\r\n";
            }
            if (!complete) break;
            cur.data = std::move(data);
            {
                std::lock_guard lock(mu_);
                messages_.push_back(cur);
            }
            cv_.notify_all();
            hold.before_answer();
            cur = Received{};
            have_from = false;
            ok = send_all(fd, "250 2.0.0 queued\r\n");
        } else if (verb == "RSET") {
            cur = Received{};
            have_from = false;
            ok = send_all(fd, "250 2.0.0 ok\r\n");
        } else if (verb == "NOOP") {
            ok = send_all(fd, "250 2.0.0 ok\r\n");
        } else if (verb == "QUIT") {
            send_all(fd, "221 2.0.0 bye\r\n");
            break;
        } else {
            ok = send_all(fd, "502 5.5.2 command not recognized\r\n");
        }
    }
    std::lock_guard lock(mu_);
    session_fds_.erase(fd);
    ::close(fd);
}

std::vector<SmtpListener::Received> SmtpListener::messages() const {
    std::lock_guard lock(mu_);
    return messages_;
}

size_t SmtpListener::count() const {
    std::lock_guard lock(mu_);
    return messages_.size();
}

bool SmtpListener::wait_for(size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
}

std::string decode_base64(const std::string& b64) {
    auto val = [](char ch) -> int {
        if (ch >= 'A' && ch <= 'Z') return ch - 'A';
        if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
        if (ch >= '0' && ch <= '9') return ch - '0' + 52;
        if (ch == '+') return 62;
        if (ch == '/') return 63;
        return -1;
    };
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char ch : b64) {
        int v = val(ch);
        if (v < 0) continue;  // line breaks, padding
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

std::string decode_header_words(const std::string& value) {
    std::string out;
    size_t i = 0;
    bool last_was_word = false;
    while (i < value.size()) {
        auto start = value.find("=?", i);
        if (start == std::string::npos) {
            out += value.substr(i);
            break;
        }
        std::string between = value.substr(i, start - i);
        // Whitespace (and folding) between two encoded words is not part of the text.
        bool blank = between.find_first_not_of(" \t\r\n") == std::string::npos;
        if (!(last_was_word && blank)) out += between;
        auto q1 = value.find('?', start + 2);
        auto q2 = q1 == std::string::npos ? q1 : value.find('?', q1 + 1);
        auto end = q2 == std::string::npos ? q2 : value.find("?=", q2 + 1);
        if (end == std::string::npos) {
            out += value.substr(start);
            break;
        }
        std::string enc = upper(value.substr(q1 + 1, q2 - q1 - 1));
        std::string payload = value.substr(q2 + 1, end - q2 - 1);
        if (enc == "B") {
            out += decode_base64(payload);
        } else {
            for (size_t k = 0; k < payload.size(); ++k) {
                if (payload[k] == '_') {
                    out.push_back(' ');
                } else if (payload[k] == '=' && k + 2 < payload.size()) {
                    out.push_back(
                        static_cast<char>(std::stoi(payload.substr(k + 1, 2), nullptr, 16)));
                    k += 2;
                } else {
                    out.push_back(payload[k]);
                }
            }
        }
        i = end + 2;
        last_was_word = true;
    }
    return out;
}

std::string ParsedMail::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

namespace {

// Splits "headers CRLF CRLF body" and unfolds the header lines.
void split_entity(const std::string& entity, std::map<std::string, std::string>& headers,
                  std::string& body) {
    auto sep = entity.find("\r\n\r\n");
    std::string head = entity.substr(0, sep);
    body = sep == std::string::npos ? "" : entity.substr(sep + 4);
    std::vector<std::string> lines;
    size_t i = 0;
    while (i <= head.size()) {
        auto eol = head.find("\r\n", i);
        std::string l = head.substr(i, eol == std::string::npos ? std::string::npos : eol - i);
        if (!l.empty() && (l[0] == ' ' || l[0] == '\t') && !lines.empty())
            lines.back() += "\r\n" + l;
        else if (!l.empty())
            lines.push_back(l);
        if (eol == std::string::npos) break;
        i = eol + 2;
    }
    for (const auto& l : lines) {
        auto colon = l.find(':');
        if (colon == std::string::npos) continue;
        std::string v = l.substr(colon + 1);
        v.erase(0, v.find_first_not_of(' '));
        headers[lower(l.substr(0, colon))] = v;
    }
}

std::string param_of(const std::string& header_value, const std::string& name) {
    auto p = header_value.find(name + "=");
    if (p == std::string::npos) return {};
    std::string v = header_value.substr(p + name.size() + 1);
    if (!v.empty() && v[0] == '"') return v.substr(1, v.find('"', 1) - 1);
    return v.substr(0, v.find_first_of("; \r\n"));
}

}  // namespace

ParsedMail parse_mail(const std::string& data) {
    ParsedMail m;
    std::string body;
    split_entity(data, m.headers, body);
    m.subject = decode_header_words(m.header("subject"));
    const std::string boundary = param_of(m.header("content-type"), "boundary");
    if (boundary.empty()) {
        m.text = body;
        return m;
    }
    const std::string delim = "--" + boundary;
    size_t pos = body.find(delim);
    while (pos != std::string::npos) {
        size_t start = pos + delim.size();
        if (body.compare(start, 2, "--") == 0) break;
        start += 2;  // CRLF
        size_t next = body.find("\r\n" + delim, start);
        if (next == std::string::npos) break;
        std::map<std::string, std::string> ph;
        std::string pbody;
        split_entity(body.substr(start, next - start), ph, pbody);
        std::string decoded =
            lower(ph["content-transfer-encoding"]) == "base64" ? decode_base64(pbody) : pbody;
        const std::string ct = lower(ph["content-type"]);
        if (ct.rfind("text/plain", 0) == 0) m.text = decoded;
        if (ct.rfind("text/html", 0) == 0) m.html = decoded;
        pos = next + 2;
    }
    return m;
}

}  // namespace orderly::test
