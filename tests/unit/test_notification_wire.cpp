// What goes on the wire: the MIME message, SMTP and webhook URLs, webhook signatures.
#include <catch2/catch.hpp>

#include <set>

#include "domain/notification.h"
#include "integrations/crypto.h"
#include "integrations/smtp.h"
#include "integrations/webhook.h"
#include "support/smtp_listener.h"
#include "support/webhook_receiver.h"

using namespace orderly;

namespace {
smtp::Message sample() {
    smtp::Message m;
    m.from = {"Orderly 工单", "orderly@example.com"};
    m.to = "lead@example.com";
    m.subject =
        "[Orderly] 待处理 Pending: 变更审核 · CHG-20261121-0001 环境变更申请（一个足够长的标题，"
        "让主题分成好几个编码字）";
    m.text = "第一行\n.以点开头的行\n\nhttps://orderly.example.com/tickets/42\n";
    m.html = "<p>变更审核</p>";
    m.message_id = "0123456789abcdef0123456789abcdef@example.com";
    m.date = *parse_rfc3339("2026-11-21T05:40:39Z");
    m.extra_headers = {{"X-Orderly-Event", "node.waiting"}};
    return m;
}
}  // namespace

TEST_CASE("the MIME message: headers, CRLF, line lengths, and it decodes back intact",
          "[notification][mime]") {
    auto m = sample();
    const std::string raw = smtp::build_message(m);
    // CRLF only, no line over 78 characters (RFC 5322 recommends 78, requires 998), ASCII only.
    size_t pos = 0;
    while (pos < raw.size()) {
        auto eol = raw.find("\r\n", pos);
        REQUIRE(eol != std::string::npos);
        std::string line = raw.substr(pos, eol - pos);
        INFO(line);
        CHECK(line.size() <= 78);
        CHECK(line.find('\n') == std::string::npos);
        CHECK(line.find('\r') == std::string::npos);
        for (unsigned char ch : line) CHECK(ch < 0x80);
        pos = eol + 2;
    }
    CHECK(raw.find("Date: Sat, 21 Nov 2026 05:40:39 +0000\r\n") != std::string::npos);
    CHECK(raw.find("Message-ID: <0123456789abcdef0123456789abcdef@example.com>\r\n") !=
          std::string::npos);
    CHECK(raw.find("MIME-Version: 1.0\r\n") != std::string::npos);
    CHECK(raw.find("Content-Type: multipart/alternative;") != std::string::npos);
    CHECK(raw.find("Content-Type: text/plain; charset=UTF-8") != std::string::npos);
    CHECK(raw.find("Content-Type: text/html; charset=UTF-8") != std::string::npos);
    CHECK(raw.find("X-Orderly-Event: node.waiting\r\n") != std::string::npos);
    CHECK(raw.find("To: lead@example.com\r\n") != std::string::npos);
    CHECK(raw.find("<orderly@example.com>") != std::string::npos);

    auto parsed = test::parse_mail(raw);
    CHECK(parsed.subject == m.subject);
    CHECK(parsed.text ==
          "第一行\r\n.以点开头的行\r\n\r\nhttps://orderly.example.com/tickets/42\r\n");
    CHECK(parsed.html == "<p>变更审核</p>");
    CHECK(test::decode_header_words(parsed.header("from")) == "Orderly 工单 <orderly@example.com>");
    // Deterministic: a retry sends the same bytes.
    CHECK(smtp::build_message(m) == raw);
}

TEST_CASE("encoded words never split a character and stay within 75 characters",
          "[notification][mime]") {
    std::string s;
    for (int i = 0; i < 40; ++i) s += "变更😀";
    auto enc = smtp::encode_header_text(s);
    size_t pos = 0;
    while (pos < enc.size()) {
        auto eol = enc.find("\r\n ", pos);
        std::string word =
            enc.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        CHECK(word.size() <= 75);
        CHECK(word.rfind("=?UTF-8?B?", 0) == 0);
        // Each word decodes on its own to whole UTF-8 characters.
        auto piece = test::decode_base64(word.substr(10, word.size() - 12));
        CHECK((static_cast<unsigned char>(piece.back()) & 0xC0) != 0xC0);
        pos = eol == std::string::npos ? enc.size() : eol + 3;
    }
    CHECK(test::decode_header_words(enc) == s);
    CHECK(smtp::encode_header_text("plain ascii") == "plain ascii");
    CHECK(smtp::encode_header_text("no\r\nInjected: header") == "noInjected: header");
}

TEST_CASE("base64 matches the reference vectors", "[notification][mime]") {
    CHECK(smtp::base64("") == "");
    CHECK(smtp::base64("f") == "Zg==");
    CHECK(smtp::base64("fo") == "Zm8=");
    CHECK(smtp::base64("foo") == "Zm9v");
    CHECK(smtp::base64("foobar") == "Zm9vYmFy");
    CHECK(test::decode_base64(smtp::base64("中文\x01\xff")) == "中文\x01\xff");
}

TEST_CASE("SMTP URLs: schemes, STARTTLS and options, credentials redacted",
          "[notification][smtp]") {
    std::string why;
    auto u = smtp::parse_server_url("smtp://127.0.0.1:2525");
    REQUIRE(u);
    CHECK(u->curl_url == "smtp://127.0.0.1:2525");
    CHECK(u->starttls == smtp::ServerUrl::StartTls::no);
    u = smtp::parse_server_url("smtp://user:p%40ss@mail.example.com:587?starttls=required");
    REQUIRE(u);
    CHECK(u->curl_url == "smtp://user:p%40ss@mail.example.com:587");
    CHECK(u->starttls == smtp::ServerUrl::StartTls::required);
    u = smtp::parse_server_url("smtps://mail.example.com?insecure=1");
    REQUIRE(u);
    CHECK(u->implicit_tls);
    CHECK_FALSE(u->verify_tls);
    CHECK(smtp::parse_server_url("smtp://h?starttls=optional")->starttls ==
          smtp::ServerUrl::StartTls::optional);
    CHECK_FALSE(smtp::parse_server_url("http://mail.example.com", &why));
    CHECK(why.find("smtp://") != std::string::npos);
    CHECK_FALSE(smtp::parse_server_url("smtp://mail.example.com?tls=1", &why));
    CHECK(why.find("tls") != std::string::npos);
    CHECK_FALSE(smtp::parse_server_url("smtp://", &why));
    CHECK_FALSE(smtp::parse_server_url("mail.example.com:25", &why));
    CHECK(smtp::redact_url("smtp://user:secret@mail.example.com:587?starttls=required") ==
          "smtp://user:***@mail.example.com:587?starttls=required");
    CHECK(smtp::redact_url("smtp://mail.example.com") == "smtp://mail.example.com");
}

TEST_CASE("mailboxes and addresses", "[notification][smtp]") {
    auto m = smtp::parse_mailbox("Orderly 工单 <orderly@example.com>");
    REQUIRE(m);
    CHECK(m->name == "Orderly 工单");
    CHECK(m->address == "orderly@example.com");
    m = smtp::parse_mailbox("\"Ops, Team\" <ops@example.com>");
    REQUIRE(m);
    CHECK(m->name == "Ops, Team");
    m = smtp::parse_mailbox("bare@example.com");
    REQUIRE(m);
    CHECK(m->name.empty());
    CHECK_FALSE(smtp::parse_mailbox("no address"));
    CHECK_FALSE(smtp::parse_mailbox("X <a@b.c> trailing"));
    CHECK(smtp::is_plausible_address("lead@example.com"));
    CHECK(smtp::is_plausible_address("root@localhost"));
    CHECK_FALSE(smtp::is_plausible_address("lead@example.com\r\nBcc: x@evil.com"));
    CHECK_FALSE(smtp::is_plausible_address("a b@example.com"));
    CHECK_FALSE(smtp::is_plausible_address("<a@example.com>"));
    CHECK_FALSE(smtp::is_plausible_address("@example.com"));
    CHECK_FALSE(smtp::is_plausible_address("a@"));
    CHECK_FALSE(smtp::is_plausible_address(std::string(250, 'a') + "@example.com"));
}

TEST_CASE("webhook URLs: http and https only", "[notification][webhook]") {
    std::string why;
    auto u = webhook::parse_url("https://hooks.example.com/orderly?x=1");
    REQUIRE(u);
    CHECK(u->scheme == "https");
    CHECK(u->host == "hooks.example.com");
    CHECK(u->port == 443);
    CHECK(u->target == "/orderly?x=1");
    CHECK(u->origin() == "https://hooks.example.com:443");
    u = webhook::parse_url("http://127.0.0.1:8099");
    REQUIRE(u);
    CHECK(u->port == 8099);
    CHECK(u->target == "/");
    u = webhook::parse_url("http://[::1]:9000/h#frag");
    REQUIRE(u);
    CHECK(u->host == "::1");
    CHECK(u->target == "/h");
    CHECK_FALSE(webhook::parse_url("ftp://example.com/x", &why));
    CHECK_FALSE(webhook::parse_url("file:///etc/passwd", &why));
    CHECK_FALSE(webhook::parse_url("javascript:alert(1)", &why));
    CHECK_FALSE(webhook::parse_url("http://", &why));
    CHECK_FALSE(webhook::parse_url("http://h:99999/", &why));
    CHECK_FALSE(webhook::parse_url("http://user:pw@h/", &why));
    CHECK_FALSE(webhook::parse_url("http://h/a b", &why));
}

TEST_CASE("webhook signatures: HMAC-SHA256 of the exact body", "[notification][webhook]") {
    crypto::init();
    const std::string secret = "whsec_test_secret_value";
    const std::string body = R"({"event":"node.waiting","ticket":{"title":"环境变更申请"}})";
    const std::string sig = webhook::signature(secret, body);
    CHECK(sig.rfind("sha256=", 0) == 0);
    CHECK(sig.size() == 7 + 64);
    CHECK(sig == test::reference_signature(secret, body));
    // RFC 4231 test case 2.
    CHECK(webhook::signature("Jefe", "what do ya want for nothing?") ==
          "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(webhook::verify_signature(secret, body, sig));
    std::string tampered = body;
    tampered[tampered.find("waiting")] = 'W';
    CHECK_FALSE(webhook::verify_signature(secret, tampered, sig));
    CHECK_FALSE(webhook::verify_signature("other-secret", body, sig));
    CHECK_FALSE(webhook::verify_signature(secret, body, sig.substr(0, 20)));
}
