#include "support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace orderly::test {

std::string RawResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

RawConnection::RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        throw std::runtime_error("connect failed");
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

void RawConnection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("send failed");
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

bool RawConnection::fill(std::chrono::steady_clock::time_point until) {
    if (eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    until - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
}

std::vector<RawResponse> RawConnection::read(size_t n, const std::vector<bool>& heads,
                                             std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    std::vector<RawResponse> out;
    while (out.size() < n) {
        size_t end = buf_.find("\r\n\r\n", pos_);
        if (end == std::string::npos) {
            if (!fill(until)) break;
            continue;
        }
        RawResponse r;
        std::string head = buf_.substr(pos_, end - pos_);
        size_t line_end = head.find("\r\n");
        std::string status_line = head.substr(0, line_end);
        if (status_line.size() >= 12) r.status = std::stoi(status_line.substr(9, 3));
        size_t p = line_end == std::string::npos ? head.size() : line_end + 2;
        while (p < head.size()) {
            size_t e = head.find("\r\n", p);
            if (e == std::string::npos) e = head.size();
            std::string line = head.substr(p, e - p);
            p = e + 2;
            size_t colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string name = line.substr(0, colon);
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(value.begin());
            auto [it, inserted] = r.headers.emplace(name, value);
            if (!inserted) it->second += ", " + value;
        }
        size_t length = 0;
        const bool head_req = out.size() < heads.size() && heads[out.size()];
        if (!head_req && r.status >= 200 && r.status != 204 && r.status != 304) {
            auto cl = r.header("content-length");
            if (!cl.empty()) length = std::stoull(cl);
        }
        while (buf_.size() - (end + 4) < length)
            if (!fill(until)) return out;
        r.body = buf_.substr(end + 4, length);
        pos_ = end + 4 + length;
        if (r.status >= 100 && r.status < 200) continue;
        out.push_back(std::move(r));
    }
    return out;
}

bool RawConnection::wait_closed(std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!eof_)
        if (!fill(until) && !eof_) return false;
    return true;
}

RawResponse raw_exchange(uint16_t port, std::string_view request, bool head) {
    RawConnection c(port);
    c.send(request);
    auto rs = c.read(1, {head});
    if (rs.empty())
        throw std::runtime_error("no response to: " + std::string(request.substr(0, 80)));
    return rs.front();
}

}  // namespace orderly::test
