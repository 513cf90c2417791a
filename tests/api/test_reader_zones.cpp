// Readers' time zones and languages over the API: a user's `timezone` on /me and on the users
// an admin manages, a chat channel's `language` and `timezone`, each checked against the
// system's zoneinfo (422 with a stable code for an unknown zone). And @mentions in comments,
// which reach the mentioned users' inboxes.
#include "api/test_tickets_support.h"

using namespace orderly;
using namespace orderly::test;
using namespace orderly::test::tickets;

TEST_CASE("a user sets, changes and clears their time zone on /me", "[api][users][zone]") {
    std::string name;
    Client u = make_user("zoned", {}, &name);
    CHECK(u.get("/api/v1/me").json["timezone"].IsNull());  // the server's zone
    auto set = u.patch("/api/v1/me", R"({"timezone":"Asia/Shanghai"})");
    INFO(set.body);
    REQUIRE(set.status == 200);
    CHECK(u.get("/api/v1/me").str("timezone") == "Asia/Shanghai");

    auto bad = u.patch("/api/v1/me", R"({"timezone":"Asia/Atlantis"})");
    INFO(bad.body);
    CHECK(bad.status == 422);
    CHECK(bad.str("code") == "user.timezone_unknown");
    REQUIRE(bad.json["errors"].Size() == 1);
    CHECK(std::string(bad.json["errors"][0]["field"].GetString()) == "timezone");
    CHECK(std::string(bad.json["errors"][0]["params"]["timezone"].GetString()) == "Asia/Atlantis");
    CHECK(u.get("/api/v1/me").str("timezone") == "Asia/Shanghai");  // unchanged

    REQUIRE(u.patch("/api/v1/me", R"({"timezone":null})").status == 200);
    CHECK(u.get("/api/v1/me").json["timezone"].IsNull());
}

TEST_CASE("an admin gives a user a time zone when creating and updating them",
          "[api][users][zone]") {
    auto a = admin();
    const std::string name = unique("berliner");
    auto created = a.post("/api/v1/users", R"({"username":)" + q(name) +
                                               R"(,"password":"Secret-pass-123","locale":"en",)"
                                               R"("timezone":"Europe/Berlin"})");
    INFO(created.body);
    REQUIRE(created.status == 201);
    CHECK(created.str("timezone") == "Europe/Berlin");
    const std::string path = "/api/v1/users/" + std::to_string(created.num("id"));
    CHECK(a.get(path).str("timezone") == "Europe/Berlin");

    auto bad = a.patch(path, R"({"timezone":"Europe/Nowhere"})");
    CHECK(bad.status == 422);
    CHECK(bad.str("code") == "user.timezone_unknown");
    auto moved = a.patch(path, R"({"timezone":"America/New_York"})");
    REQUIRE(moved.status == 200);
    CHECK(moved.str("timezone") == "America/New_York");

    auto refused = a.post("/api/v1/users", R"({"username":)" + q(unique("nowhere")) +
                                               R"(,"password":"Secret-pass-123",)"
                                               R"("timezone":"Nowhere/City"})");
    CHECK(refused.status == 422);
    CHECK(refused.str("code") == "user.timezone_unknown");
}

TEST_CASE("a chat channel has a language and a time zone of its own", "[api][chat][zone]") {
    auto a = admin();
    auto plain = a.post("/api/v1/chat-channels",
                        R"({"name":)" + q(unique("ops-zh")) +
                            R"(,"kind":"wecom","url":"https://qyapi.example.com/x"})");
    INFO(plain.body);
    REQUIRE(plain.status == 201);
    CHECK(plain.str("language") == "zh-CN");
    CHECK(plain.json["timezone"].IsNull());

    const std::string name = unique("ops-en");
    auto en = a.post("/api/v1/chat-channels",
                     R"({"name":)" + q(name) +
                         R"(,"kind":"slack","url":"https://hooks.example.com/x",)"
                         R"("language":"en","timezone":"Europe/Berlin"})");
    INFO(en.body);
    REQUIRE(en.status == 201);
    CHECK(en.str("language") == "en");
    CHECK(en.str("timezone") == "Europe/Berlin");
    const std::string path = "/api/v1/chat-channels/" + std::to_string(en.num("id"));

    // A PUT that leaves them out keeps them; null gives the zone back to the server's.
    auto renamed = a.put(path, R"({"name":)" + q(name + "-2") +
                                   R"(,"kind":"slack","url":"https://hooks.example.com/x"})");
    INFO(renamed.body);
    REQUIRE(renamed.status == 200);
    CHECK(renamed.str("language") == "en");
    CHECK(renamed.str("timezone") == "Europe/Berlin");
    auto cleared = a.put(path, R"({"name":)" + q(name + "-2") +
                                   R"(,"kind":"slack","url":"https://hooks.example.com/x",)"
                                   R"("language":"zh-CN","timezone":null})");
    REQUIRE(cleared.status == 200);
    CHECK(cleared.str("language") == "zh-CN");
    CHECK(cleared.json["timezone"].IsNull());

    auto bad_zone = a.post("/api/v1/chat-channels",
                           R"({"name":)" + q(unique("ops-x")) +
                               R"(,"kind":"slack","url":"https://hooks.example.com/x",)"
                               R"("timezone":"Asia/Atlantis"})");
    CHECK(bad_zone.status == 422);
    CHECK(bad_zone.str("code") == "chat_channel.timezone_unknown");
    auto bad_language = a.post("/api/v1/chat-channels",
                               R"({"name":)" + q(unique("ops-y")) +
                                   R"(,"kind":"slack","url":"https://hooks.example.com/x",)"
                                   R"("language":"fr"})");
    CHECK(bad_language.status / 100 == 4);
    CHECK(bad_language.status != 500);
    CHECK(a.get(path).str("language") == "zh-CN");
}

namespace {

const json::Value* mention_in(const Reply& inbox, int64_t ticket_id) {
    for (const auto& item : inbox.json["items"].GetArray())
        if (std::string(item["event"].GetString()) == "ticket.mentioned" &&
            item["ticket_id"].GetInt64() == ticket_id)
            return &item;
    return nullptr;
}

}  // namespace

TEST_CASE("a comment's @mention reaches the mentioned user's inbox, not the author's",
          "[api][inbox][mention]") {
    ChangeScenario s;
    const int64_t id = s.submit("扩容 app01");
    const std::string text = "@" + s.lead_name + " please check, @" + s.ops_name + ", @" +
                             s.product_name + " and @nosuchuser" + " again @" + s.lead_name;
    auto c = s.ops.post(path(id, "comments"), R"({"text":)" + q(text) + "}");
    INFO(c.body);
    REQUIRE(c.status / 100 == 2);

    auto inbox = s.lead.get("/api/v1/me/inbox");
    INFO(inbox.body);
    REQUIRE(inbox.status == 200);
    const json::Value* item = mention_in(inbox, id);
    REQUIRE(item != nullptr);
    CHECK(std::string((*item)["reason"].GetString()) == text);
    CHECK(std::string((*item)["actor"].GetString()) == s.ops_name);
    int mentions = 0;
    for (const auto& it : inbox.json["items"].GetArray())
        if (std::string(it["event"].GetString()) == "ticket.mentioned") ++mentions;
    CHECK(mentions == 1);  // once per comment

    // The author mentioned themselves: nothing for them. A user who may not read the ticket
    // learns nothing of it.
    CHECK(mention_in(s.ops.get("/api/v1/me/inbox"), id) == nullptr);
    REQUIRE(s.product.get(path(id)).status == 404);
    CHECK(mention_in(s.product.get("/api/v1/me/inbox"), id) == nullptr);
    // A comment naming nobody who exists notifies nobody.
    REQUIRE(s.lead.post(path(id, "comments"), R"({"text":"@nosuchuser hi"})").status / 100 == 2);
    CHECK(mention_in(s.ops.get("/api/v1/me/inbox"), id) == nullptr);

    // The workflow notifies by email: the mentioned user gets one, with the comment.
    auto a = admin();
    auto list =
        a.get("/api/v1/notifications?event=ticket.mentioned&ticket_id=" + std::to_string(id));
    INFO(list.body);
    REQUIRE(list.status == 200);
    REQUIRE(list.json["items"].Size() == 1);
    CHECK(std::string(list.json["items"][0]["channel"].GetString()) == "email");
    auto one =
        a.get("/api/v1/notifications/" + std::to_string(list.json["items"][0]["id"].GetInt64()));
    CHECK(one.str("body_text").find("please check") != std::string::npos);
}
