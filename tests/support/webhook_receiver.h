#pragma once
// A real webhook receiver for tests: a cpp-httplib server on 127.0.0.1 in its own thread that
// records every POST and checks X-Orderly-Signature against its copy of the secret, computing
// the HMAC-SHA256 itself (libsodium directly, not Orderly's code). It can be stopped (refusing
// connections) and started again on the same port, and told to answer with an error status.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/reply_hold.h"

namespace httplib {
class Server;
}

namespace orderly::test {

// Binds svr to 127.0.0.1 (port 0: a free port, written back; a given port is retried for a
// while) and serves it on `thread` until svr.stop(). `who` names the server in errors.
void serve_loopback(httplib::Server& svr, uint16_t& port, std::thread& thread, const char* who);

// "sha256=" + hex HMAC-SHA256(secret, body), computed independently of the server.
std::string reference_signature(const std::string& secret, const std::string& body);

class WebhookReceiver {
  public:
    struct Delivery {
        std::string path;
        std::string event;        // X-Orderly-Event
        std::string delivery_id;  // X-Orderly-Delivery
        std::string signature;    // X-Orderly-Signature
        std::string content_type;
        std::string body;
        bool signature_ok = false;
    };

    explicit WebhookReceiver(std::string secret, uint16_t port = 0);
    ~WebhookReceiver();
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    void start();
    void stop();
    uint16_t port() const { return port_; }
    std::string url(const std::string& path = "/hooks/orderly") const;
    void set_secret(std::string secret);
    // The status the receiver answers (200 by default); deliveries are recorded either way.
    void set_status(int status) { status_ = status; }

    // Holds the answer to a delivery (hold.arm()): it is recorded, and a sender that dies
    // before release() never learns it was acknowledged.
    ReplyHold hold;

    std::vector<Delivery> deliveries() const;
    size_t count() const;
    // Deliveries answered with a 2xx (acknowledged).
    size_t acknowledged() const;
    bool wait_for(size_t n, std::chrono::milliseconds timeout) const;

  private:
    std::string secret_;
    uint16_t port_;
    std::atomic<int> status_{200};
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<Delivery> deliveries_;
    size_t acknowledged_ = 0;
};

}  // namespace orderly::test
