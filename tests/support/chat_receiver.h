#pragma once
// A chat platform's robot for tests: a cpp-httplib server on 127.0.0.1 that plays WeCom,
// DingTalk, Feishu or Slack. It records every message and checks its signature the way the
// platform documents it, computing it itself (libsodium directly, not Orderly's code):
//   DingTalk: query `timestamp` (ms, within an hour) and `sign` =
//             base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)), URL-encoded;
//   Feishu:   body `timestamp` (s, within an hour) and `sign` =
//             base64(HMAC-SHA256(key = timestamp + "\n" + secret, "")).
// It answers as the platform does: success, a refused signature (HTTP 200 with an error code),
// an error code it is told to give, or its rate limit (DingTalk errcode 130101, HTTP 429 for the
// others). It can be stopped (refusing connections) and started again on the same port.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace orderly::test {

// base64(HMAC-SHA256(key, message)), standard alphabet with padding.
std::string reference_hmac_base64(const std::string& key, const std::string& message);

class ChatReceiver {
  public:
    struct Message {
        std::string path;
        std::string timestamp;  // DingTalk's query / Feishu's body member
        std::string sign;       // as received (URL-decoded for DingTalk)
        std::string body;
        bool signature_ok = false;
        bool accepted = false;  // answered as a success
    };

    // kind: "wecom", "dingtalk", "feishu" or "slack"; secret empty = the robot checks no
    // signature.
    ChatReceiver(std::string kind, std::string secret, uint16_t port = 0);
    ~ChatReceiver();
    ChatReceiver(const ChatReceiver&) = delete;
    ChatReceiver& operator=(const ChatReceiver&) = delete;

    void start();
    void stop();
    uint16_t port() const { return port_; }
    // A URL like the platform's, with an access token in the query.
    std::string url() const;

    // The next n messages get the platform's rate-limit answer.
    void rate_limit_next(int n) { rate_limited_ = n; }
    // The next n messages get HTTP 200 with this error code.
    void fail_next(int n, int code) {
        fail_code_ = code;
        failing_ = n;
    }

    std::vector<Message> messages() const;
    size_t accepted() const;
    bool wait_accepted(size_t n, std::chrono::milliseconds timeout) const;

  private:
    void answer(const Message& m, int& status, std::string& body);

    std::string kind_, secret_;
    uint16_t port_;
    std::atomic<int> rate_limited_{0};
    std::atomic<int> failing_{0};
    std::atomic<int> fail_code_{0};
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<Message> messages_;
    size_t accepted_ = 0;
};

}  // namespace orderly::test
