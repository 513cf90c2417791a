// Chat platforms: each platform's signature against a vector computed independently, the
// message bodies (valid JSON, Chinese intact, mentions where the platform wants them) and how a
// platform's answer is read.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include "domain/chat.h"
#include "integrations/chat.h"
#include "integrations/crypto.h"

using namespace orderly;

namespace {

domain::TicketNotice notice() {
    domain::TicketNotice n;
    n.event = "node.waiting";
    n.ticket_id = 42;
    n.ticket_sn = "CHG-20261206-0001";
    n.title = "环境变更申请";
    n.status = "in_progress";
    n.node_name = "变更审核";
    n.actor = "ops1";
    n.at = 1'765'000'000'000;
    n.url = "https://orderly.example.com/tickets/42";
    return n;
}

rapidjson::Document parsed(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.c_str(), body.size());
    REQUIRE_FALSE(doc.HasParseError());
    REQUIRE(doc.IsObject());
    return doc;
}

}  // namespace

TEST_CASE("DingTalk's sign matches a vector computed with python3's hmac", "[chat][signature]") {
    crypto::init();
    // python3 -c 'import hmac,hashlib,base64,urllib.parse; s="SEC0123456789abcdef";
    //   t="1733480000000"; print(urllib.parse.quote_plus(base64.b64encode(hmac.new(s.encode(),
    //   f"{t}\n{s}".encode(), hashlib.sha256).digest())))'
    CHECK(chat::dingtalk_sign("SEC0123456789abcdef", 1733480000000) ==
          "iqNAKI6i0bbfQI%2BogIJfQIzA9Ot6J3tUeb1P3Y1LZXQ%3D");
    // In the query, after the robot's own access token.
    auto r = chat::signed_request(domain::ChatKind::dingtalk,
                                  "https://oapi.dingtalk.com/robot/send?access_token=abc", "{}",
                                  "SEC0123456789abcdef", 1733480000000);
    CHECK(r.url ==
          "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1733480000000&sign="
          "iqNAKI6i0bbfQI%2BogIJfQIzA9Ot6J3tUeb1P3Y1LZXQ%3D");
    CHECK(r.body == "{}");
}

TEST_CASE("Feishu's sign matches a vector computed with python3's hmac", "[chat][signature]") {
    crypto::init();
    // python3 -c 'import hmac,hashlib,base64; s="feishu-secret-密钥"; t="1733480000";
    //   print(base64.b64encode(hmac.new(f"{t}\n{s}".encode(), b"", hashlib.sha256).digest())
    //   .decode())'
    CHECK(chat::feishu_sign("feishu-secret-密钥", 1733480000) ==
          "tlJBzPHrrYWSbIe2Cva/BzkARayMu1MmANHrNJj6SN4=");
    // In the body, in seconds; the URL is left as it is.
    auto r =
        chat::signed_request(domain::ChatKind::feishu, "https://open.feishu.cn/hook/x",
                             R"({"msg_type":"interactive"})", "feishu-secret-密钥", 1733480000123);
    CHECK(r.url == "https://open.feishu.cn/hook/x");
    auto doc = parsed(r.body);
    CHECK(std::string(doc["timestamp"].GetString()) == "1733480000");
    CHECK(std::string(doc["sign"].GetString()) == "tlJBzPHrrYWSbIe2Cva/BzkARayMu1MmANHrNJj6SN4=");
    CHECK(std::string(doc["msg_type"].GetString()) == "interactive");
}

TEST_CASE("unsigned platforms and channels without a secret are sent as they are",
          "[chat][signature]") {
    for (auto kind : {domain::ChatKind::wecom, domain::ChatKind::slack})
        CHECK(chat::signed_request(kind, "https://h/x?key=1", "{}", "ignored", 1).url ==
              "https://h/x?key=1");
    auto r = chat::signed_request(domain::ChatKind::dingtalk, "https://h/x?t=1", "{}", "", 1);
    CHECK(r.url == "https://h/x?t=1");
    CHECK(chat::url_encode("a+b/c=d 中") == "a%2Bb%2Fc%3Dd%20%E4%B8%AD");
}

TEST_CASE("each platform's body: its format, Chinese intact, mentions", "[chat][format]") {
    const auto n = notice();
    SECTION("WeCom markdown with <@userid>") {
        auto doc =
            parsed(domain::render_chat_body(domain::ChatKind::wecom, n, "zh-CN", {"zhangsan"}));
        CHECK(std::string(doc["msgtype"].GetString()) == "markdown");
        const std::string c = doc["markdown"]["content"].GetString();
        CHECK(c.find("CHG-20261206-0001") != std::string::npos);
        CHECK(c.find("环境变更申请") != std::string::npos);
        CHECK(c.find("正在等待您处理：变更审核") != std::string::npos);
        CHECK(c.find("操作人: ops1") != std::string::npos);
        CHECK(c.find("(https://orderly.example.com/tickets/42)") != std::string::npos);
        CHECK(c.find("<@zhangsan>") != std::string::npos);
    }
    SECTION("DingTalk markdown with at.atMobiles / atUserIds and @ in the text") {
        auto doc = parsed(domain::render_chat_body(domain::ChatKind::dingtalk, n, "en",
                                                   {"13800000000", "manager4451"}));
        CHECK(std::string(doc["msgtype"].GetString()) == "markdown");
        const std::string title = doc["markdown"]["title"].GetString();
        CHECK(title == "[Orderly] Pending: 变更审核 · CHG-20261206-0001 环境变更申请");
        const std::string text = doc["markdown"]["text"].GetString();
        CHECK(text.find("is waiting for you at \"变更审核\"") != std::string::npos);
        CHECK(text.find("@13800000000") != std::string::npos);
        CHECK(text.find("@manager4451") != std::string::npos);
        REQUIRE(doc["at"]["atMobiles"].Size() == 1);
        CHECK(std::string(doc["at"]["atMobiles"][0].GetString()) == "13800000000");
        REQUIRE(doc["at"]["atUserIds"].Size() == 1);
        CHECK(std::string(doc["at"]["atUserIds"][0].GetString()) == "manager4451");
    }
    SECTION("Feishu interactive card with <at id=...>") {
        auto doc =
            parsed(domain::render_chat_body(domain::ChatKind::feishu, n, "zh-CN", {"ou_abc"}));
        CHECK(std::string(doc["msg_type"].GetString()) == "interactive");
        CHECK(std::string(doc["card"]["header"]["title"]["content"].GetString()) ==
              "[Orderly] 待处理: 变更审核 · CHG-20261206-0001 环境变更申请");
        const std::string md = doc["card"]["elements"][0]["content"].GetString();
        CHECK(md.find("<at id=ou_abc></at>") != std::string::npos);
        CHECK(md.find("[打开工单](https://orderly.example.com/tickets/42)") != std::string::npos);
    }
    SECTION("Slack text and blocks with <@member>") {
        auto doc =
            parsed(domain::render_chat_body(domain::ChatKind::slack, n, "en", {"U024BE7LH"}));
        CHECK(std::string(doc["text"].GetString()).find("CHG-20261206-0001") != std::string::npos);
        const std::string md = doc["blocks"][0]["text"]["text"].GetString();
        CHECK(md.find("<https://orderly.example.com/tickets/42|Open the ticket>") !=
              std::string::npos);
        CHECK(md.find("<@U024BE7LH>") != std::string::npos);
    }
}

TEST_CASE("a platform's answer: success, an error code in a 200, a rate limit", "[chat][answer]") {
    using domain::ChatKind;
    CHECK(chat::read_answer(ChatKind::dingtalk, 200, R"({"errcode":0,"errmsg":"ok"})").ok);
    CHECK(chat::read_answer(ChatKind::feishu, 200, R"({"code":0,"msg":"success"})").ok);
    CHECK(chat::read_answer(ChatKind::feishu, 200, R"({"StatusCode":0})").ok);
    CHECK(chat::read_answer(ChatKind::slack, 200, "ok").ok);

    auto bad_sign = chat::read_answer(ChatKind::dingtalk, 200,
                                      R"({"errcode":310000,"errmsg":"sign not match"})");
    CHECK_FALSE(bad_sign.ok);
    CHECK_FALSE(bad_sign.rate_limited);
    CHECK(bad_sign.error.code == "notification.chat_refused");
    CHECK(bad_sign.error.text.find("310000") != std::string::npos);
    CHECK(bad_sign.error.text.find("sign not match") != std::string::npos);

    auto feishu = chat::read_answer(ChatKind::feishu, 200, R"({"code":19021,"msg":"sign fail"})");
    CHECK_FALSE(feishu.ok);
    CHECK(feishu.error.code == "notification.chat_refused");

    auto wecom = chat::read_answer(ChatKind::wecom, 200, R"({"errcode":93000,"errmsg":"bad"})");
    CHECK_FALSE(wecom.ok);

    auto fast = chat::read_answer(ChatKind::dingtalk, 200,
                                  R"({"errcode":130101,"errmsg":"send too fast"})");
    CHECK_FALSE(fast.ok);
    CHECK(fast.rate_limited);
    CHECK(fast.error.code == "notification.chat_rate_limited");
    CHECK(chat::read_answer(ChatKind::slack, 429, "rate_limited").rate_limited);
    CHECK(chat::read_answer(ChatKind::feishu, 429, "").rate_limited);
    auto down = chat::read_answer(ChatKind::wecom, 502, "bad gateway");
    CHECK_FALSE(down.ok);
    CHECK_FALSE(down.rate_limited);
}

TEST_CASE("notify.channels entries", "[chat][workflow]") {
    CHECK(domain::chat_channel_ref("chat:12") == 12);
    CHECK_FALSE(domain::chat_channel_ref("chat:"));
    CHECK_FALSE(domain::chat_channel_ref("chat:012"));
    CHECK_FALSE(domain::chat_channel_ref("chat:1x"));
    CHECK_FALSE(domain::chat_channel_ref("email"));
    CHECK(domain::is_notify_channel("email"));
    CHECK(domain::is_notify_channel("webhook"));
    CHECK(domain::is_notify_channel("chat:3"));
    CHECK_FALSE(domain::is_notify_channel("sms"));
}
