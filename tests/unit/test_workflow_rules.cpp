// Conditions on transitions, approval rules and field checks (domain only, no I/O).
#include <catch2/catch.hpp>

#include <set>

#include "domain/workflow.h"

using namespace orderly::domain;

namespace {
FieldValues values(std::initializer_list<std::pair<const std::string, FieldValue>> v) {
    return FieldValues(v);
}
}  // namespace

TEST_CASE("conditions ==, !=, in, <, >", "[unit][workflow]") {
    auto f = values({{"risk", FieldValue::of_string("high")},
                     {"hosts", FieldValue::of_number(12)},
                     {"envs", FieldValue::of_list({"PROD", "STAGE"})},
                     {"day", FieldValue::of_string("2026-11-21")}});
    CHECK(condition_holds({"risk", CondOp::eq, FieldValue::of_string("high")}, f));
    CHECK_FALSE(condition_holds({"risk", CondOp::eq, FieldValue::of_string("low")}, f));
    CHECK(condition_holds({"risk", CondOp::ne, FieldValue::of_string("low")}, f));
    CHECK(condition_holds({"hosts", CondOp::eq, FieldValue::of_string("12")}, f));
    CHECK(condition_holds({"risk", CondOp::in, FieldValue::of_list({"high", "critical"})}, f));
    CHECK_FALSE(condition_holds({"risk", CondOp::in, FieldValue::of_list({"low"})}, f));
    CHECK(condition_holds({"envs", CondOp::in, FieldValue::of_list({"PROD"})}, f));
    CHECK(condition_holds({"hosts", CondOp::in, FieldValue::of_list({"12", "13"})}, f));
    CHECK(condition_holds({"hosts", CondOp::gt, FieldValue::of_number(10)}, f));
    CHECK_FALSE(condition_holds({"hosts", CondOp::lt, FieldValue::of_number(10)}, f));
    CHECK(condition_holds({"day", CondOp::lt, FieldValue::of_string("2026-12-01")}, f));
    CHECK_FALSE(condition_holds({"hosts", CondOp::gt, FieldValue::of_string("10")}, f));
    // A missing field is null: it equals only null ("not filled in").
    CHECK(condition_holds({"absent", CondOp::eq, FieldValue{}}, f));
    CHECK_FALSE(condition_holds({"absent", CondOp::ne, FieldValue{}}, f));
    CHECK_FALSE(condition_holds({"absent", CondOp::eq, FieldValue::of_string("x")}, f));
    CHECK(condition_holds({"absent", CondOp::ne, FieldValue::of_string("x")}, f));
    CHECK_FALSE(condition_holds({"absent", CondOp::in, FieldValue::of_list({"x"})}, f));
    CHECK_FALSE(condition_holds({"absent", CondOp::gt, FieldValue::of_number(0)}, f));
}

TEST_CASE("the first transition whose condition holds is taken", "[unit][workflow]") {
    WorkflowDef d;
    Node submit{"submit", "s", NodeType::submit, {}, {}, {}, {}};
    Node review{"review", "r", NodeType::approval, {}, {}, {}, {}};
    Node cab{"cab", "c", NodeType::approval, {}, {}, {}, {}};
    Node end{"end", "e", NodeType::end, {}, {}, {}, {}};
    d.nodes = {submit, review, cab, end};
    d.transitions = {
        {"submit", "review", std::nullopt},
        {"review", "cab", Condition{"risk", CondOp::eq, FieldValue::of_string("high")}},
        {"review", "end", std::nullopt},
        {"cab", "end", std::nullopt}};
    CHECK(next_node(d, "review", values({{"risk", FieldValue::of_string("high")}})) == "cab");
    CHECK(next_node(d, "review", values({{"risk", FieldValue::of_string("low")}})) == "end");
    CHECK(next_node(d, "review", {}) == "end");
    d.transitions.erase(d.transitions.begin() + 2);
    CHECK_FALSE(next_node(d, "review", {}).has_value());
}

TEST_CASE("approval rules: any, all, at least N", "[unit][workflow]") {
    ApprovalRule any;
    ApprovalRule all{ApprovalRule::Kind::all, 1};
    ApprovalRule two{ApprovalRule::Kind::at_least, 2};
    CHECK_FALSE(rule_satisfied(any, 3, 0));
    CHECK(rule_satisfied(any, 3, 1));
    CHECK_FALSE(rule_satisfied(all, 3, 2));
    CHECK(rule_satisfied(all, 3, 3));
    CHECK_FALSE(rule_satisfied(all, 0, 0));
    CHECK_FALSE(rule_satisfied(two, 3, 1));
    CHECK(rule_satisfied(two, 3, 2));
    // N larger than the operators: everyone is enough.
    ApprovalRule five{ApprovalRule::Kind::at_least, 5};
    CHECK_FALSE(rule_satisfied(five, 2, 1));
    CHECK(rule_satisfied(five, 2, 2));
}

TEST_CASE("field checks: types, options, required, unknown keys", "[unit][workflow]") {
    std::vector<FieldDef> defs = {
        {"reason", "Reason", FieldType::text, true, {}},
        {"risk", "Risk", FieldType::select, true, {"low", "high"}},
        {"envs", "Envs", FieldType::multiselect, false, {"PROD", "STAGE"}},
        {"hosts", "Hosts", FieldType::number, false, {}},
        {"day", "Day", FieldType::date, false, {}},
        {"at", "At", FieldType::datetime, false, {}},
        {"owner", "Owner", FieldType::user, false, {}},
    };
    auto users = [](const std::string& u) { return u == "alice"; };
    auto ok = check_fields(defs,
                           values({{"reason", FieldValue::of_string("old servers")},
                                   {"risk", FieldValue::of_string("low")},
                                   {"envs", FieldValue::of_list({"PROD"})},
                                   {"hosts", FieldValue::of_number(3)},
                                   {"day", FieldValue::of_string("2026-11-21")},
                                   {"at", FieldValue::of_string("2026-11-21T22:00:00Z")},
                                   {"owner", FieldValue::of_string("alice")}}),
                           {}, users);
    REQUIRE(ok.ok());
    CHECK(ok->size() == 7);

    auto bad = check_fields(defs,
                            values({{"reason", FieldValue::of_string("   ")},
                                    {"risk", FieldValue::of_string("medium")},
                                    {"envs", FieldValue::of_list({"DEV"})},
                                    {"hosts", FieldValue::of_string("3")},
                                    {"day", FieldValue::of_string("21.11.2026")},
                                    {"at", FieldValue::of_string("tonight")},
                                    {"owner", FieldValue::of_string("mallory")},
                                    {"colour", FieldValue::of_string("red")}}),
                            {}, users);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == orderly::ErrorKind::unprocessable);
    std::set<std::string> fields;
    for (const auto& e : bad.error().fields) fields.insert(e.field);
    CHECK(fields == std::set<std::string>{"fields.reason", "fields.risk", "fields.envs",
                                          "fields.hosts", "fields.day", "fields.at", "fields.owner",
                                          "fields.colour"});

    // A required field the ticket already has may be left out.
    auto partial = check_fields(defs, values({{"risk", FieldValue::of_string("high")}}),
                                values({{"reason", FieldValue::of_string("kept")}}), users);
    CHECK(partial.ok());
    auto missing = check_fields(defs, {}, {}, users);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().fields.size() == 2);
}
