#include "support/webhook_receiver.h"
#include "support/process.h"

#include <httplib.h>
#include <sodium.h>
#include <sys/socket.h>

#include <stdexcept>

namespace orderly::test {

std::string reference_signature(const std::string& secret, const std::string& body) {
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                                secret.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                  body.size());
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[sizeof mac * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    return std::string("sha256=") + hex;
}

void serve_loopback(httplib::Server& svr, uint16_t& port, std::thread& thread, const char* who) {
    svr.set_socket_options([](int sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    if (port == 0) {
        int p = svr.bind_to_any_port("127.0.0.1");
        if (p <= 0) throw std::runtime_error(std::string(who) + ": cannot bind");
        port = static_cast<uint16_t>(p);
    } else {
        // A restart on the same port may race the old sockets' teardown: try for a while.
        if (!wait_until([&] { return svr.bind_to_port("127.0.0.1", port); },
                        std::chrono::seconds(5)))
            throw std::runtime_error(std::string(who) + ": cannot bind port " +
                                     std::to_string(port));
    }
    thread = std::thread([s = &svr] { s->listen_after_bind(); });
    wait_until([&] { return svr.is_running(); }, std::chrono::seconds(1));
}

WebhookReceiver::WebhookReceiver(std::string secret, uint16_t port)
    : secret_(std::move(secret)), port_(port) {}

WebhookReceiver::~WebhookReceiver() {
    stop();
}

std::string WebhookReceiver::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::set_secret(std::string secret) {
    std::lock_guard lock(mu_);
    secret_ = std::move(secret);
}

void WebhookReceiver::start() {
    if (server_) return;
    auto svr = std::make_unique<httplib::Server>();
    svr->Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
        Delivery d;
        d.path = req.path;
        d.event = req.get_header_value("X-Orderly-Event");
        d.delivery_id = req.get_header_value("X-Orderly-Delivery");
        d.signature = req.get_header_value("X-Orderly-Signature");
        d.content_type = req.get_header_value("Content-Type");
        d.body = req.body;
        const int status = status_.load();
        {
            std::lock_guard lock(mu_);
            d.signature_ok = d.signature == reference_signature(secret_, d.body);
            deliveries_.push_back(d);
            if (status >= 200 && status < 300) ++acknowledged_;
        }
        cv_.notify_all();
        hold.before_answer();
        res.status = status;
        res.set_content(status < 300 ? "ok" : "receiver says no", "text/plain");
    });
    server_ = std::move(svr);
    serve_loopback(*server_, port_, thread_, "webhook receiver");
}

void WebhookReceiver::stop() {
    if (!server_) return;
    hold.release();  // a held answer would keep the server from stopping
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
}

std::vector<WebhookReceiver::Delivery> WebhookReceiver::deliveries() const {
    std::lock_guard lock(mu_);
    return deliveries_;
}

size_t WebhookReceiver::count() const {
    std::lock_guard lock(mu_);
    return deliveries_.size();
}

size_t WebhookReceiver::acknowledged() const {
    std::lock_guard lock(mu_);
    return acknowledged_;
}

bool WebhookReceiver::wait_for(size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return acknowledged_ >= n; });
}

}  // namespace orderly::test
