#pragma once
// Email over SMTP with libcurl, and the MIME message Orderly sends.
//
// The server URL (ORDERLY_SMTP_URL) is smtp://[user:pass@]host[:port] or smtps://... (implicit
// TLS). Orderly's own query parameters, removed before the URL reaches libcurl:
//   starttls=required   upgrade with STARTTLS and fail when the server cannot (port 587)
//   starttls=optional   upgrade when the server offers it
//   insecure=1          do not verify the server's certificate (a relay with a private CA)
// Credentials come from the URL's user info (percent-encode ':' '@' '/' in them).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace orderly::smtp {

struct ServerUrl {
    std::string curl_url;  // what libcurl gets (no Orderly parameters)
    bool implicit_tls = false;
    enum class StartTls { no, optional, required } starttls = StartTls::no;
    bool verify_tls = true;
};
// nullopt with *why set when the URL is not a usable smtp:// or smtps:// URL.
std::optional<ServerUrl> parse_server_url(std::string_view url, std::string* why = nullptr);
// The URL with its password replaced by "***", for logs and error messages.
std::string redact_url(std::string_view url);

// A mailbox as written in ORDERLY_SMTP_FROM: "addr@host" or "Display Name <addr@host>".
struct Mailbox {
    std::string name;     // may be empty; UTF-8
    std::string address;  // addr@host
};
std::optional<Mailbox> parse_mailbox(std::string_view text);
// A plausible single address: local@domain, no spaces, angle brackets or control characters
// (it goes into SMTP commands and headers), at most 254 bytes.
bool is_plausible_address(std::string_view address);

struct Message {
    Mailbox from;
    std::string to;  // one address
    std::string subject;
    std::string text;        // UTF-8, LF or CRLF line ends
    std::string html;        // UTF-8
    std::string message_id;  // without angle brackets, e.g. "3f2a...@example.com"; stable per
                             // notification so a re-sent copy is recognisably the same mail
    TimeMs date = 0;
    std::vector<std::pair<std::string, std::string>> extra_headers;  // ASCII values
};

// The RFC 5322 message: multipart/alternative with a text/plain and a text/html part, both
// UTF-8 and base64; Subject (and a non-ASCII From name) as RFC 2047 encoded-words; CRLF line
// ends. Deterministic: the same Message gives the same bytes.
std::string build_message(const Message& m);
// "=?UTF-8?B?...?=" words (folded with CRLF SP) when the text is not plain ASCII; else the text.
std::string encode_header_text(std::string_view utf8);
// "Sat, 21 Nov 2026 05:40:39 +0000"
std::string rfc5322_date(TimeMs t);
std::string base64(std::string_view data);

struct Settings {
    std::string url;  // ORDERLY_SMTP_URL
    long connect_timeout_ms = 10'000;
    long timeout_ms = 60'000;  // the whole session, connect to QUIT
};

struct SendResult {
    bool ok = false;
    // The server refused this recipient or sender for good (550, 551, 553, 501): retrying the
    // same message cannot help.
    bool permanent = false;
    long smtp_code = 0;
    Problem error;  // never contains the password
};

// Sends one message: MAIL FROM m.from.address, RCPT TO m.to, DATA build_message(m).
// Blocking, bounded by the timeouts; `cancelled` is polled during the transfer and aborts it.
// Thread-safe (one curl handle per call).
SendResult send(const Settings& s, const Message& m,
                const std::function<bool()>& cancelled = nullptr);

}  // namespace orderly::smtp
