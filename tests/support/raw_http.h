#pragma once
// A plain TCP client for tests that must control the exact bytes sent to the server (pipelining,
// malformed framing) and see the exact bytes of each answer.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace orderly::test {

struct RawResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-cased names; repeated ones joined ", "
    std::string body;
    std::string header(const std::string& lower_name) const;
};

class RawConnection {
  public:
    explicit RawConnection(uint16_t port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void send(std::string_view bytes);
    // Reads until `n` whole responses have arrived (bodies framed by Content-Length; the answer
    // to a HEAD has none: pass heads[i] = true for those), the server closes, or the deadline
    // passes. 1xx interim responses are skipped.
    std::vector<RawResponse> read(size_t n, const std::vector<bool>& heads = {},
                                  std::chrono::milliseconds deadline = std::chrono::seconds(10));
    // True when the server closed the connection (EOF) before the deadline; bytes that arrive
    // meanwhile are kept for read().
    bool wait_closed(std::chrono::milliseconds deadline = std::chrono::seconds(10));
    bool closed() const { return eof_; }
    const std::string& raw() const { return buf_; }

  private:
    bool fill(std::chrono::steady_clock::time_point until);
    int fd_ = -1;
    std::string buf_;
    size_t pos_ = 0;
    bool eof_ = false;
};

// One request with one response, on a fresh connection.
RawResponse raw_exchange(uint16_t port, std::string_view request, bool head = false);

}  // namespace orderly::test
