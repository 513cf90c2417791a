#pragma once
// A small but real SMTP server on 127.0.0.1 for tests: one thread per connection, EHLO/HELO,
// AUTH PLAIN (optional), MAIL FROM, RCPT TO, DATA (with dot-unstuffing), RSET, NOOP, QUIT. It
// records every message it accepted. It can be stopped (refusing connections, like a mail server
// that is down) and started again on the same port.
//
// Also: a MIME reader for what Orderly sends (multipart/alternative, base64 parts, RFC 2047
// subject), so tests check the decoded text rather than the wire encoding.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/reply_hold.h"

namespace orderly::test {

class SmtpListener {
  public:
    struct Received {
        std::string helo;
        std::string auth_user;  // from AUTH PLAIN, when the client authenticated
        std::string mail_from;  // address inside <>
        std::vector<std::string> rcpt_to;
        std::string data;  // the message as received, dot-unstuffed, CRLF line ends
    };

    // port 0 = pick a free port on the first start(); later starts reuse it.
    explicit SmtpListener(uint16_t port = 0);
    ~SmtpListener();
    SmtpListener(const SmtpListener&) = delete;
    SmtpListener& operator=(const SmtpListener&) = delete;

    void start();
    // Closes the listening socket and every open session; connections are refused until start().
    void stop();
    bool running() const { return listen_fd_ >= 0; }
    uint16_t port() const { return port_; }
    std::string url() const;  // smtp://127.0.0.1:<port>

    // Require AUTH PLAIN with these credentials (535 otherwise), and advertise it.
    void require_auth(std::string user, std::string password);
    // Answer RCPT TO for this address with 550 (a permanent refusal).
    void reject_recipient(std::string address);
    void allow_recipient(const std::string& address);

    // Holds the "250" that accepts a message (hold.arm()): the message is recorded, and a
    // client that dies before release() never learns it was accepted.
    ReplyHold hold;

    std::vector<Received> messages() const;
    size_t count() const;
    // Waits until at least n messages were accepted; false on timeout.
    bool wait_for(size_t n, std::chrono::milliseconds timeout) const;
    // Connections accepted so far (including refused sessions).
    int connections() const { return connections_.load(); }

  private:
    void accept_loop(int fd);
    void session(int fd);

    uint16_t port_;
    int listen_fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::thread acceptor_;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<std::thread> sessions_;
    std::set<int> session_fds_;
    std::vector<Received> messages_;
    std::string auth_user_, auth_password_;
    std::set<std::string> rejected_;
    std::atomic<int> connections_{0};
};

std::string decode_base64(const std::string& b64);
// Decodes RFC 2047 "=?UTF-8?B?...?=" / "?Q?" words in a (possibly folded) header value.
std::string decode_header_words(const std::string& value);

// A decoded email: the headers (names lowercased, folded lines joined, last one wins), the
// decoded subject, and the text/plain and text/html parts decoded to UTF-8.
struct ParsedMail {
    std::map<std::string, std::string> headers;
    std::string subject;
    std::string text;
    std::string html;
    std::string header(const std::string& lower_name) const;
};
ParsedMail parse_mail(const std::string& data);

}  // namespace orderly::test
