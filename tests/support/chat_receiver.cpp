#include "support/chat_receiver.h"

#include <httplib.h>
#include <rapidjson/document.h>
#include <sodium.h>

#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "support/process.h"
#include "support/webhook_receiver.h"

namespace orderly::test {

std::string reference_hmac_base64(const std::string& key, const std::string& message) {
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()),
                                key.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size());
    crypto_auth_hmacsha256_final(&st, mac);
    char b64[sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return b64;
}

namespace {

// Within an hour of now, as DingTalk and Feishu require.
bool recent(const std::string& ts, long long per_second) {
    if (ts.empty()) return false;
    const long long t = std::atoll(ts.c_str()) / per_second;
    const long long now = static_cast<long long>(std::time(nullptr));
    return t > now - 3600 && t < now + 3600;
}

}  // namespace

ChatReceiver::ChatReceiver(std::string kind, std::string secret, uint16_t port)
    : kind_(std::move(kind)), secret_(std::move(secret)), port_(port) {}

ChatReceiver::~ChatReceiver() {
    stop();
}

std::string ChatReceiver::url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/robot/send?access_token=tok-" + kind_;
}

void ChatReceiver::answer(const Message& m, int& status, std::string& body) {
    const bool feishu = kind_ == "feishu";
    auto coded = [&](int code, const std::string& msg) {
        status = 200;
        body = feishu
                   ? R"({"code":)" + std::to_string(code) + R"(,"msg":")" + msg + R"(","data":{}})"
                   : R"({"errcode":)" + std::to_string(code) + R"(,"errmsg":")" + msg + "\"}";
    };
    if (!m.signature_ok) {
        if (feishu)
            coded(19021, "sign match fail or timestamp is not within one hour from current time");
        else
            coded(310000, "sign not match");
        return;
    }
    if (rate_limited_.load() > 0) {
        --rate_limited_;
        if (kind_ == "dingtalk") {
            coded(130101, "send too fast, exceed 20 times per minute");
        } else {
            status = 429;
            body = "rate limited";
        }
        return;
    }
    if (failing_.load() > 0) {
        --failing_;
        coded(fail_code_.load(), "refused by the test");
        return;
    }
    if (kind_ == "slack") {
        status = 200;
        body = "ok";
        return;
    }
    coded(0, feishu ? "success" : "ok");
}

void ChatReceiver::start() {
    if (server_) return;
    auto svr = std::make_unique<httplib::Server>();
    svr->Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
        Message m;
        m.path = req.path;
        m.body = req.body;
        if (kind_ == "dingtalk") {
            m.timestamp = req.get_param_value("timestamp");
            m.sign = req.get_param_value("sign");  // httplib URL-decodes it
            m.signature_ok =
                secret_.empty() ||
                (recent(m.timestamp, 1000) &&
                 m.sign == reference_hmac_base64(secret_, m.timestamp + "\n" + secret_));
        } else if (kind_ == "feishu") {
            rapidjson::Document doc;
            doc.Parse(m.body.c_str(), m.body.size());
            if (!doc.HasParseError() && doc.IsObject()) {
                if (doc.HasMember("timestamp") && doc["timestamp"].IsString())
                    m.timestamp = doc["timestamp"].GetString();
                if (doc.HasMember("sign") && doc["sign"].IsString())
                    m.sign = doc["sign"].GetString();
            }
            m.signature_ok = secret_.empty() ||
                             (recent(m.timestamp, 1) &&
                              m.sign == reference_hmac_base64(m.timestamp + "\n" + secret_, ""));
        } else {
            m.signature_ok = true;
        }
        int status = 200;
        std::string body;
        answer(m, status, body);
        m.accepted =
            status == 200 && (body == "ok" || body.find(R"("errcode":0,)") != std::string::npos ||
                              body.find(R"("code":0,)") != std::string::npos);
        {
            std::lock_guard lock(mu_);
            messages_.push_back(m);
            if (m.accepted) ++accepted_;
        }
        cv_.notify_all();
        res.status = status;
        res.set_content(body,
                        status == 200 && kind_ != "slack" ? "application/json" : "text/plain");
    });
    server_ = std::move(svr);
    serve_loopback(*server_, port_, thread_, "chat receiver");
}

void ChatReceiver::stop() {
    if (!server_) return;
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
}

std::vector<ChatReceiver::Message> ChatReceiver::messages() const {
    std::lock_guard lock(mu_);
    return messages_;
}

size_t ChatReceiver::accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
}

bool ChatReceiver::wait_accepted(size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return accepted_ >= n; });
}

}  // namespace orderly::test
