// One-click approval over HTTP: the approver's email carries /act/<token>; opening the link
// (GET) changes nothing; approving through it (POST) advances the ticket, says so in the
// timeline and the audit log, and works once. Bad and unknown links get clear problems.
#include <regex>

#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

namespace {

// The token of the one-click link in the user's node.waiting email about the ticket, read the
// way an admin reads what was sent.
std::string link_token(Client& user, int64_t ticket_id) {
    auto a = admin();
    const int64_t uid = user.get("/api/v1/me").num("id");
    auto rows = a.get("/api/v1/notifications?ticket_id=" + std::to_string(ticket_id));
    REQUIRE(rows.status == 200);
    for (const auto& n : rows.json["items"].GetArray()) {
        if (std::string(n["event"].GetString()) != "node.waiting" || !n["user_id"].IsInt64() ||
            n["user_id"].GetInt64() != uid)
            continue;
        auto one = a.get("/api/v1/notifications/" + std::to_string(n["id"].GetInt64()));
        std::smatch m;
        const std::string body = one.str("body_text");
        if (std::regex_search(body, m, std::regex("/act/([A-Za-z0-9_-]+)"))) return m[1];
    }
    FAIL("no one-click link in the user's email about ticket " << ticket_id);
    return "";
}

std::string link(const std::string& token) {
    return "/api/v1/action-links/" + token;
}

}  // namespace

TEST_CASE("an approver approves from the link in their email, once", "[api][links]") {
    ChangeScenario s;
    const int64_t id = s.submit("更换 app07 交换机");
    const std::string token = link_token(s.lead, id);
    Client anonymous(port());

    for (int i = 0; i < 2; ++i) {
        auto v = anonymous.get(link(token));
        INFO(v.body);
        REQUIRE(v.status == 200);
        CHECK(v.str("approver") == s.lead_name);
        CHECK_FALSE(v.json["sign_in_required"].GetBool());
        CHECK(std::string(v.json["ticket"]["title"].GetString()) == "更换 app07 交换机");
        CHECK(std::string(v.json["ticket"]["status"].GetString()) == "in_progress");
    }
    CHECK(std::string(s.ops.get(path(id)).json["current_nodes"][0]["key"].GetString()) == "review");

    auto refused = anonymous.post(link(token), R"({"action":"reject"})");
    CHECK(refused.status == 422);
    auto ok = anonymous.post(link(token), R"({"action":"approve","comment":"可以"})");
    INFO(ok.body);
    REQUIRE(ok.status == 200);
    auto t = s.ops.get(path(id));
    CHECK(std::string(t.json["current_nodes"][0]["key"].GetString()) == "operate");
    bool via_link = false;
    for (const auto& st : t.json["steps"].GetArray())
        if (std::string(st["action"].GetString()) == "approve") {
            CHECK(std::string(st["actor"].GetString()) == s.lead_name);
            CHECK(std::string(st["comment"].GetString()) == "可以");
            via_link =
                st["detail"].IsObject() && std::string(st["detail"]["via"].GetString()) == "link";
        }
    CHECK(via_link);
    auto audit = admin().get("/api/v1/audit-events?limit=50");
    CHECK(audit.body.find("through a one-click link") != std::string::npos);

    auto again = anonymous.post(link(token), R"({"action":"approve"})");
    CHECK(again.status == 410);
    CHECK(again.str("code") == "action_link.used");
    CHECK(anonymous.get(link(token)).status == 410);
}

TEST_CASE("a link that is not one gets a clear problem and changes nothing", "[api][links]") {
    Client anonymous(port());
    auto unknown = anonymous.get(link("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"));
    CHECK(unknown.status == 404);
    CHECK(unknown.str("code") == "action_link.not_found");
    auto malformed = anonymous.get(link("not%20a%20token%20at%20all"));
    CHECK(malformed.status == 404);
    CHECK(malformed.str("code") == "request.path_invalid");
    CHECK(
        anonymous.post(link("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"), R"({"action":"maybe"})")
            .status == 400);
    CHECK(anonymous
              .post(link("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"), R"({"action":"approve"})")
              .status == 404);
    // A bad bearer token is refused as anywhere else.
    auto bad = anonymous.get(link("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
                             {{"Authorization", "Bearer nonsense"}});
    CHECK(bad.status == 401);
}

TEST_CASE("a group chat message carries each approver's link, which needs them signed in",
          "[api][links][chat]") {
    ChangeScenario s;
    auto a = admin();
    // Nobody listens at this robot: the message waits to be retried, and says what it says.
    auto ch =
        a.post("/api/v1/chat-channels", R"({"name":)" + q(unique("运维群")) +
                                            R"(,"kind":"wecom","url":"http://127.0.0.1:9/robot"})");
    REQUIRE(ch.status == 201);
    std::string flow = s.workflow_body();
    const std::string email_only = R"("channels":["email"])";
    flow.replace(flow.find(email_only), email_only.size(),
                 R"("channels":["email","chat:)" + std::to_string(ch.num("id")) + "\"]");
    const int64_t version = deploy_workflow(flow).second;
    s.service_id = make_service(version, "环境变更", s.catalog_id);
    const int64_t id = s.submit("更换 app08 交换机");

    auto rows = a.get("/api/v1/notifications?channel=chat&event=node.waiting&ticket_id=" +
                      std::to_string(id));
    REQUIRE(rows.json["items"].Size() == 1);
    const std::string payload =
        a.get("/api/v1/notifications/" + std::to_string(rows.json["items"][0]["id"].GetInt64()))
            .str("payload");
    INFO(payload);
    CHECK(payload.find("以 " + s.lead_name + " 身份审批") != std::string::npos);
    std::smatch m;
    REQUIRE(std::regex_search(payload, m, std::regex("/act/([A-Za-z0-9_-]+)")));
    const std::string token = m[1];
    CHECK(token != link_token(s.lead, id));  // the email's link is another, personal one

    Client anonymous(port());
    auto v = anonymous.get(link(token));
    REQUIRE(v.status == 200);
    CHECK(v.json["sign_in_required"].GetBool());
    CHECK(v.str("sign_in_reason") == "group_chat");
    CHECK(v.json["ticket"].IsNull());
    auto as_lead = s.lead.get(link(token));
    CHECK(as_lead.json["ticket"].IsObject());

    auto nobody = anonymous.post(link(token), R"({"action":"approve"})");
    CHECK(nobody.status == 401);
    CHECK(nobody.str("code") == "action_link.sign_in_required");
    auto other = s.ops.post(link(token), R"({"action":"approve"})");
    CHECK(other.status == 403);
    CHECK(other.str("code") == "action_link.other_user");
    CHECK(std::string(s.ops.get(path(id)).json["current_nodes"][0]["key"].GetString()) == "review");

    auto ok = s.lead.post(link(token), R"({"action":"approve","comment":"群里批了"})");
    INFO(ok.body);
    REQUIRE(ok.status == 200);
    CHECK(std::string(s.ops.get(path(id)).json["current_nodes"][0]["key"].GetString()) ==
          "operate");
}
