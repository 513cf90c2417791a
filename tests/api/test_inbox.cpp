// The inbox: what waits for a user and what happened to their tickets, unread until they mark
// it read; the bell's count; nobody reads or marks another user's notices. And what a
// notification said, for the admins who follow deliveries.
#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

int64_t unread_of(Client& c) {
    auto r = c.get("/api/v1/me/inbox/count");
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.num("unread");
}

std::string ids_body(std::initializer_list<int64_t> ids) {
    std::string out = R"({"ids":[)";
    for (auto id : ids) out += (out.back() == '[' ? "" : ",") + std::to_string(id);
    return out + "]}";
}

}  // namespace

TEST_CASE("a rejection waits unread in the submitter's inbox until they read it", "[api][inbox]") {
    ChangeScenario s;
    const int64_t first = s.submit("第一张");
    const int64_t second = s.submit("第二张");
    CHECK(unread_of(s.ops) == 0);
    CHECK(unread_of(s.lead) == 2);  // both tickets wait for the lead

    REQUIRE(s.lead.post(path(first, "reject"), R"({"reason":"时间窗口冲突"})").status == 200);
    REQUIRE(s.lead.post(path(second, "reject"), R"({"reason":"缺少回退方案"})").status == 200);
    CHECK(unread_of(s.ops) == 2);

    auto inbox = s.ops.get("/api/v1/me/inbox");
    INFO(inbox.body);
    REQUIRE(inbox.status == 200);
    CHECK(inbox.num("unread") == 2);
    REQUIRE(inbox.json["items"].Size() == 2);
    const auto& newest = inbox.json["items"][0];
    CHECK(std::string(newest["event"].GetString()) == "ticket.rejected");
    CHECK(newest["ticket_id"].GetInt64() == second);
    CHECK(std::string(newest["reason"].GetString()) == "缺少回退方案");
    CHECK(newest["read"].GetBool() == false);
    // A ticket without a window or an environment says so.
    CHECK(newest["planned_start"].IsNull());
    CHECK(newest["planned_end"].IsNull());
    CHECK(newest["environment"].IsNull());
    const int64_t newest_id = newest["id"].GetInt64();

    // Reading one leaves the other unread, in the count and in the unread filter.
    auto read = s.ops.post("/api/v1/me/inbox/read", ids_body({newest_id}));
    INFO(read.body);
    REQUIRE(read.status == 200);
    CHECK(read.num("unread") == 1);
    auto unread = s.ops.get("/api/v1/me/inbox?unread=true");
    REQUIRE(unread.json["items"].Size() == 1);
    CHECK(unread.json["items"][0]["ticket_id"].GetInt64() == first);
    auto all = s.ops.get("/api/v1/me/inbox");
    CHECK(all.json["items"][0]["read"].GetBool() == true);
    CHECK(all.json["items"][1]["read"].GetBool() == false);

    // Marking again changes nothing; "all" reads the rest.
    CHECK(s.ops.post("/api/v1/me/inbox/read", ids_body({newest_id})).num("unread") == 1);
    CHECK(s.ops.post("/api/v1/me/inbox/read", R"({"all":true})").num("unread") == 0);
    CHECK(s.ops.get("/api/v1/me/inbox?unread=true").json["items"].Size() == 0);
    // The lead's inbox is the lead's own.
    CHECK(unread_of(s.lead) == 2);
}

TEST_CASE("nobody marks another user's notices read", "[api][inbox]") {
    ChangeScenario s;
    s.submit();
    auto lead_inbox = s.lead.get("/api/v1/me/inbox");
    REQUIRE(lead_inbox.json["items"].Size() == 1);
    const int64_t lead_notice = lead_inbox.json["items"][0]["id"].GetInt64();
    auto r = s.ops.post("/api/v1/me/inbox/read", ids_body({lead_notice}));
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.num("unread") == 0);
    CHECK(unread_of(s.lead) == 1);
}

TEST_CASE("the inbox pages newest first and its count covers every page", "[api][inbox]") {
    ChangeScenario s;
    for (int i = 0; i < 3; ++i) s.submit("工单 " + std::to_string(i));
    auto page = s.lead.get("/api/v1/me/inbox?limit=2");
    INFO(page.body);
    REQUIRE(page.json["items"].Size() == 2);
    CHECK(page.num("unread") == 3);
    REQUIRE(page.json["next_cursor"].IsString());
    auto rest = s.lead.get("/api/v1/me/inbox?limit=2&cursor=" +
                           std::string(page.json["next_cursor"].GetString()));
    REQUIRE(rest.json["items"].Size() == 1);
    CHECK(rest.json["items"][0]["id"].GetInt64() < page.json["items"][1]["id"].GetInt64());
    CHECK(rest.json["next_cursor"].IsNull());
}

TEST_CASE("marking read needs exactly one of ids and all", "[api][inbox]") {
    ChangeScenario s;
    s.submit();
    for (const char* body : {R"({})", R"({"ids":[1],"all":true})"}) {
        auto r = s.lead.post("/api/v1/me/inbox/read", body);
        INFO(body << " → " << r.body);
        CHECK(r.status == 422);
        CHECK(r.str("code") == "inbox.read_target");
    }
    for (const char* body : {R"({"ids":[]})", R"({"ids":["x"]})", R"({"all":false})",
                             R"({"ids":[0]})", R"({"read":true})"}) {
        auto r = s.lead.post("/api/v1/me/inbox/read", body);
        INFO(body << " → " << r.body);
        CHECK((r.status == 400 || r.status == 422));
    }
    CHECK(unread_of(s.lead) == 1);
    Client anonymous(port());
    CHECK(anonymous.get("/api/v1/me/inbox").status == 401);
    CHECK(anonymous.get("/api/v1/me/inbox/count").status == 401);
    CHECK(anonymous.post("/api/v1/me/inbox/read", R"({"all":true})").status == 401);
}

TEST_CASE("an admin reads what a notification said, lists leave the bodies out",
          "[api][inbox][notifications]") {
    ChangeScenario s;
    const int64_t id = s.submit("更换 app09 交换机");
    auto a = admin();
    auto list = a.get("/api/v1/notifications?ticket_id=" + std::to_string(id));
    INFO(list.body);
    REQUIRE(list.status == 200);
    REQUIRE(list.json["items"].Size() >= 1);
    const auto& row = list.json["items"][0];
    CHECK_FALSE(row.HasMember("body_text"));
    auto one = a.get("/api/v1/notifications/" + std::to_string(row["id"].GetInt64()));
    INFO(one.body);
    REQUIRE(one.status == 200);
    CHECK(one.str("channel") == "email");
    CHECK(one.str("body_text").find("更换 app09 交换机") != std::string::npos);
    CHECK(one.str("body_html").find("更换 app09 交换机") != std::string::npos);
    CHECK(one.str("payload").empty());
    // Only notification.manage holders read deliveries.
    CHECK(s.ops.get("/api/v1/notifications/" + std::to_string(row["id"].GetInt64())).status == 403);
}
