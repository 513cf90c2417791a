// Withdraw, transfer, comment and return over the API; who may read a ticket; lists, filters,
// full-text search and cursor pagination.
#include "api/test_tickets_support.h"

using namespace orderly::test;
using namespace orderly::test::tickets;

TEST_CASE("withdraw: only the submitter, and only while the ticket is open", "[api][tickets]") {
    ChangeScenario s;
    int64_t id = s.submit();
    CHECK(s.lead.post(path(id, "withdraw"), "").status == 403);
    auto w = s.ops.post(path(id, "withdraw"), R"({"reason":"改期"})");
    INFO(w.body);
    REQUIRE(w.status == 200);
    CHECK(status_of(w) == "withdrawn");
    CHECK(s.lead.get("/api/v1/todo").json["items"].Size() == 0);
    CHECK(s.ops.post(path(id, "withdraw"), "").status == 409);
    CHECK(s.lead.post(path(id, "approve"), "").status == 409);
}

TEST_CASE("transfer: the new operator decides, the old one no longer can", "[api][tickets]") {
    ChangeScenario s;
    std::string deputy_name;
    auto deputy = make_user("deputy", {}, &deputy_name);
    int64_t id = s.submit();
    CHECK(deputy.get(path(id)).status == 404);
    CHECK(s.lead.post(path(id, "transfer"), R"({"to_user":"no-such-user-at-all"})").status == 422);
    CHECK(s.lead.post(path(id, "transfer"), R"({"to_user":)" + q(s.lead_name) + "}").status == 422);
    auto t = s.lead.post(path(id, "transfer"),
                         R"({"to_user":)" + q(deputy_name) + R"(,"comment":"我休假"})");
    INFO(t.body);
    REQUIRE(t.status == 200);
    const auto& assignees = t.json["current_nodes"][0]["assignees"];
    REQUIRE(assignees.Size() == 2);
    CHECK(assignees[0]["state"].GetString() == std::string("transferred"));
    CHECK(assignees[1]["username"].GetString() == deputy_name);
    CHECK(assignees[1]["state"].GetString() == std::string("pending"));
    CHECK(s.lead.post(path(id, "approve"), "").status == 409);
    CHECK(deputy.get("/api/v1/todo").json["items"].Size() == 1);
    REQUIRE(deputy.post(path(id, "approve"), "").status == 200);
    auto detail = s.ops.get(path(id));
    auto steps = detail.json["steps"].GetArray();
    CHECK(steps[1]["action"].GetString() == std::string("transfer"));
    CHECK(steps[1]["detail"]["to_user"].GetString() == deputy_name);
    CHECK(steps[2]["actor"].GetString() == deputy_name);
}

TEST_CASE("comments: anyone who can read the ticket, also after it ended", "[api][tickets]") {
    ChangeScenario s;
    int64_t id = s.submit();
    auto before = s.ops.get(path(id));
    auto c = s.lead.post(path(id, "comments"), R"({"text":"已和业务方确认时间"})");
    REQUIRE(c.status == 200);
    CHECK(c.num("version") == before.num("version"));
    CHECK(s.lead.post(path(id, "comments"), R"({"text":"   "})").status == 422);
    CHECK(s.lead.post(path(id, "comments"), R"({})").status == 400);
    CHECK(s.product.post(path(id, "comments"), R"({"text":"hi"})").status == 404);
    REQUIRE(s.ops.post(path(id, "withdraw"), "").status == 200);
    REQUIRE(s.ops.post(path(id, "comments"), R"({"text":"closing note"})").status == 200);
    auto t = s.ops.get(path(id));
    std::vector<std::string> texts;
    for (const auto& st : t.json["steps"].GetArray())
        if (std::string(st["action"].GetString()) == "comment")
            texts.push_back(st["comment"].GetString());
    CHECK(texts == std::vector<std::string>{"已和业务方确认时间", "closing note"});
}

TEST_CASE("return: back to an earlier node with a reason, the submitter resubmits",
          "[api][tickets]") {
    ChangeScenario s;
    int64_t id = s.submit();
    CHECK(s.lead.post(path(id, "return"), R"({"to_node":"submit"})").status == 422);
    CHECK(s.lead.post(path(id, "return"), R"({"to_node":"evaluate","reason":"x"})").status == 422);
    auto r = s.lead.post(path(id, "return"), R"({"to_node":"submit","reason":"请补充回退方案"})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(status_of(r) == "in_progress");
    CHECK(r.json["current_nodes"][0]["key"].GetString() == std::string("submit"));
    CHECK(r.json["current_nodes"][0]["fields"].Size() == 3);
    auto mine = s.ops.get(path(id));
    CHECK(has(strings_at(mine.json["allowed_actions"]), "fill"));
    auto again =
        s.ops.post(path(id, "fill"), R"({"fields":{"scope":"app01 web 集群 3 台，附回退方案"}})");
    INFO(again.body);
    REQUIRE(again.status == 200);
    CHECK(again.json["current_nodes"][0]["key"].GetString() == std::string("review"));
    CHECK(again.json["fields"]["scope"].GetString() ==
          std::string("app01 web 集群 3 台，附回退方案"));
    CHECK(again.json["fields"]["reason"].IsString());  // kept
    REQUIRE(s.lead.post(path(id, "approve"), "").status == 200);
}

TEST_CASE("lists: views, filters, search and cursor pagination", "[api][tickets]") {
    ChangeScenario s;
    std::vector<int64_t> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(s.submit("批量 ticket " + std::to_string(i)));
    int64_t special = s.submit("数据库主从切换");
    REQUIRE(s.lead.post(path(ids[0], "reject"), R"({"reason":"no"})").status == 200);

    // mine, newest first, two per page.
    std::vector<int64_t> seen;
    std::string cursor;
    int pages = 0;
    do {
        auto page = s.ops.get("/api/v1/tickets?view=mine&limit=2" +
                              (cursor.empty() ? "" : "&cursor=" + cursor));
        REQUIRE(page.status == 200);
        for (const auto& t : page.json["items"].GetArray()) seen.push_back(t["id"].GetInt64());
        cursor = page.json["next_cursor"].IsString() ? page.json["next_cursor"].GetString() : "";
        ++pages;
    } while (!cursor.empty() && pages < 10);
    CHECK(pages == 3);
    REQUIRE(seen.size() == 6);
    CHECK(seen.front() == special);
    CHECK(seen.back() == ids[0]);
    CHECK(std::is_sorted(seen.rbegin(), seen.rend()));

    auto by_status = s.ops.get("/api/v1/tickets?view=mine&status=rejected");
    REQUIRE(by_status.json["items"].Size() == 1);
    CHECK(by_status.json["items"][0]["id"].GetInt64() == ids[0]);
    CHECK(s.ops.get("/api/v1/tickets?status=bogus").status == 400);
    CHECK(s.ops.get("/api/v1/tickets?view=everything").status == 400);

    auto by_service =
        s.ops.get("/api/v1/tickets?view=mine&service_id=" + std::to_string(s.service_id) +
                  "&business=" + s.business);
    CHECK(by_service.json["items"].Size() == 6);
    CHECK(s.ops.get("/api/v1/tickets?view=mine&business=nope").json["items"].Size() == 0);

    // Search: the title, the field values, and a two-character Chinese word.
    auto hit = s.ops.get("/api/v1/tickets?view=mine&q=%E4%B8%BB%E4%BB%8E%E5%88%87%E6%8D%A2");
    REQUIRE(hit.json["items"].Size() == 1);
    CHECK(hit.json["items"][0]["id"].GetInt64() == special);
    CHECK(s.ops.get("/api/v1/tickets?view=mine&q=%E6%95%85%E9%9A%9C").json["items"].Size() ==
          6);  // 故障 (in every reason)
    CHECK(s.ops.get("/api/v1/tickets?view=mine&q=web%20%E9%9B%86%E7%BE%A4").json["items"].Size() ==
          6);

    // The time window and the creator.
    auto special_ticket = s.ops.get(path(special));
    std::string now = special_ticket.json["created_at"].GetString();
    auto from = s.ops.get(std::string("/api/v1/tickets?view=mine&from=") + now);
    CHECK(from.json["items"].Size() >= 1);
    CHECK(s.ops.get("/api/v1/tickets?view=mine&to=2000-01-01T00:00:00Z").json["items"].Size() == 0);
    CHECK(s.ops.get("/api/v1/tickets?view=mine&from=yesterday").status == 400);

    // "all" needs ticket.read_all or audit.read; "involved" shows what the lead acted on.
    CHECK(s.ops.get("/api/v1/tickets?view=all").status == 403);
    auto reader = make_user("reader", {make_role("reader", {"ticket.read_all"})});
    auto all = reader.get("/api/v1/tickets?view=all&creator=" + s.ops_name);
    REQUIRE(all.status == 200);
    CHECK(all.json["items"].Size() == 6);
    CHECK(reader.get(path(special)).status == 200);
    auto involved = s.lead.get("/api/v1/tickets?view=involved");
    CHECK(involved.json["items"].Size() == 6);
    CHECK(s.product.get("/api/v1/tickets?view=involved").json["items"].Size() == 0);
}

TEST_CASE("unknown or invisible tickets are 404, bad ids too", "[api][tickets]") {
    ChangeScenario s;
    int64_t id = s.submit();
    auto stranger = make_user("stranger", {});
    CHECK(stranger.get(path(id)).status == 404);
    CHECK(stranger.post(path(id, "approve"), "").status == 404);
    CHECK(s.ops.get(path(987654321)).status == 404);
    CHECK(s.ops.get("/api/v1/tickets/abc").status == 404);
    CHECK(admin().get(path(id)).status == 200);
}
