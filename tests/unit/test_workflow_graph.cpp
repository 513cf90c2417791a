// Deploy validation of workflow graphs (domain only, no I/O).
#include <catch2/catch.hpp>

#include <set>

#include "domain/workflow.h"

using namespace orderly::domain;

namespace {

struct FakeDirectory : OperatorDirectory {
    std::set<std::string> users{"alice", "bob", "lead2"};
    std::set<std::string> roles{"ops", "ops_lead", "qc", "product"};
    bool user_exists(const std::string& u) const override { return users.count(u) > 0; }
    bool role_exists(const std::string& r) const override { return roles.count(r) > 0; }
};

Node node(std::string key, NodeType type, Operators ops = {}, std::vector<FieldDef> fields = {}) {
    Node n;
    n.key = key;
    n.name = key;
    n.type = type;
    n.operators = std::move(ops);
    n.fields = std::move(fields);
    return n;
}

Operators roles(std::vector<std::string> r) {
    Operators o;
    o.roles = std::move(r);
    return o;
}

FieldDef field(std::string key, FieldType type, bool required = false,
               std::vector<std::string> options = {}) {
    return {key, key, type, required, std::move(options)};
}

// submit -> review -> end, in order.
WorkflowDef linear() {
    WorkflowDef d;
    d.name = "linear";
    d.nodes = {node("submit", NodeType::submit, {},
                    {field("risk", FieldType::select, true, {"low", "high"})}),
               node("review", NodeType::approval, roles({"ops_lead"})), node("end", NodeType::end)};
    return d;
}

// The first error whose field or message mentions `needle`.
bool has_error(const std::vector<orderly::FieldError>& errs, const std::string& field,
               const std::string& needle) {
    for (const auto& e : errs)
        if (e.field == field && e.message.find(needle) != std::string::npos) return true;
    return false;
}

std::string dump(const std::vector<orderly::FieldError>& errs) {
    std::string out;
    for (const auto& e : errs) out += e.field + ": " + e.message + "\n";
    return out;
}

}  // namespace

TEST_CASE("a linear workflow in node order deploys", "[unit][workflow]") {
    FakeDirectory dir;
    auto errs = validate_for_deploy(linear(), dir);
    INFO(dump(errs));
    CHECK(errs.empty());
    auto t = effective_transitions(linear());
    REQUIRE(t.size() == 2);
    CHECK(t[0].from == "submit");
    CHECK(t[0].to == "review");
    CHECK(t[1].to == "end");
}

TEST_CASE("deploy needs exactly one submit node and an end node", "[unit][workflow]") {
    FakeDirectory dir;
    WorkflowDef d = linear();
    d.nodes[0].type = NodeType::fill;
    d.nodes[0].operators = roles({"ops"});
    auto errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "nodes", "submit node"));

    d = linear();
    d.nodes.insert(d.nodes.begin() + 1, node("again", NodeType::submit));
    errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "nodes[1]", "second submit node"));

    d = linear();
    d.nodes.pop_back();
    errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "nodes", "end node"));
}

TEST_CASE("deploy finds unreachable nodes and nodes that cannot reach an end", "[unit][workflow]") {
    FakeDirectory dir;
    WorkflowDef d = linear();
    d.nodes.push_back(node("orphan", NodeType::approval, roles({"qc"})));
    d.transitions = {{"submit", "review", std::nullopt}, {"review", "end", std::nullopt}};
    auto errs = validate_for_deploy(d, dir);
    INFO(dump(errs));
    CHECK(has_error(errs, "nodes[3]", "\"orphan\" cannot be reached from the submit node"));
    CHECK(has_error(errs, "nodes[3]", "no end node can be reached from node \"orphan\""));

    // A loop with no way out.
    d = linear();
    d.nodes.insert(d.nodes.begin() + 2, node("fix", NodeType::fill, roles({"ops"})));
    d.transitions = {{"submit", "review", std::nullopt},
                     {"review", "fix", std::nullopt},
                     {"fix", "review", std::nullopt}};
    errs = validate_for_deploy(d, dir);
    INFO(dump(errs));
    CHECK(has_error(errs, "nodes[1]", "no end node can be reached from node \"review\""));
    CHECK(has_error(errs, "nodes[3]", "cannot be reached"));
}

TEST_CASE("deploy checks transitions: known nodes, nothing out of end, nothing into submit",
          "[unit][workflow]") {
    FakeDirectory dir;
    WorkflowDef d = linear();
    d.transitions = {{"submit", "review", std::nullopt},
                     {"review", "nowhere", std::nullopt},
                     {"end", "review", std::nullopt},
                     {"review", "submit", std::nullopt}};
    auto errs = validate_for_deploy(d, dir);
    INFO(dump(errs));
    CHECK(has_error(errs, "transitions[1].to", "no node \"nowhere\""));
    CHECK(has_error(errs, "transitions[2].from", "end node"));
    CHECK(has_error(errs, "transitions[3].to", "submit node"));
}

TEST_CASE(
    "deploy checks operators: they exist, approvers are named, business roles need a "
    "business",
    "[unit][workflow]") {
    FakeDirectory dir;
    WorkflowDef d = linear();
    d.nodes[1].operators.users = {"alice", "ghost"};
    d.nodes[1].operators.roles = {"ops_lead", "nosuchrole"};
    auto errs = validate_for_deploy(d, dir);
    INFO(dump(errs));
    CHECK(has_error(errs, "nodes[1].operators.users", "no user \"ghost\""));
    CHECK(has_error(errs, "nodes[1].operators.roles", "no role \"nosuchrole\""));
    CHECK(has_error(errs, "nodes[1].operators.roles", "node \"review\""));

    d = linear();
    d.nodes[1].operators = {};
    errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "nodes[1].operators", "needs at least one operator"));

    d = linear();
    d.nodes[1].operators = {};
    d.nodes[1].operators.business_roles = {"ops"};
    errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "nodes[1].operators.business_roles", "business_required"));
    d.business_required = true;
    CHECK(validate_for_deploy(d, dir).empty());
}

TEST_CASE("deploy checks conditions: fields exist, values have the right shape",
          "[unit][workflow]") {
    FakeDirectory dir;
    WorkflowDef d = linear();
    d.nodes.insert(d.nodes.begin() + 2, node("cab", NodeType::approval, roles({"product"})));
    Condition high{"risk", CondOp::eq, FieldValue::of_string("high")};
    Condition bad_field{"colour", CondOp::eq, FieldValue::of_string("red")};
    Condition bad_in{"risk", CondOp::in, FieldValue::of_string("high")};
    d.transitions = {{"submit", "review", std::nullopt},
                     {"review", "cab", high},
                     {"review", "end", std::nullopt},
                     {"cab", "end", std::nullopt}};
    auto errs = validate_for_deploy(d, dir);
    INFO(dump(errs));
    CHECK(errs.empty());
    d.transitions[1].when = bad_field;
    errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "transitions[1].when.field", "no field \"colour\""));
    CHECK(has_error(errs, "transitions[1].when.field", "\"review\" -> \"cab\""));
    d.transitions[1].when = bad_in;
    errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "transitions[1].when.value", "list"));
}

TEST_CASE("drafts: duplicate keys, select without options, fields where none are entered",
          "[unit][workflow]") {
    FakeDirectory dir;
    WorkflowDef d = linear();
    d.nodes[1].key = "submit";
    auto errs = check_draft(d);
    CHECK(has_error(errs, "nodes[1].key", "used twice"));

    d = linear();
    d.nodes[0].fields.push_back(field("risk", FieldType::string));
    d.nodes[0].fields.push_back(field("env", FieldType::multiselect));
    errs = check_draft(d);
    CHECK(has_error(errs, "nodes[0].fields[1].key", "already used"));
    CHECK(has_error(errs, "nodes[0].fields[2].options", "needs options"));

    d = linear();
    d.nodes[1].fields.push_back(field("note", FieldType::text));
    errs = validate_for_deploy(d, dir);
    CHECK(has_error(errs, "nodes[1].fields", "only submit, fill and evaluate"));

    d = linear();
    d.notify.policy = "repeat";
    errs = check_draft(d);
    CHECK(has_error(errs, "notify.repeat_minutes", "repeat_minutes"));
}

TEST_CASE("template flows: an execute step is added before the end when missing",
          "[unit][workflow]") {
    WorkflowDef d = with_execute_step(linear());
    REQUIRE(d.find(kImplicitExecuteKey));
    CHECK(d.find(kImplicitExecuteKey)->type == NodeType::execute);
    CHECK(d.find(kImplicitExecuteKey)->operators.submitter);
    CHECK(next_node(d, "review", {}) == std::optional<std::string>(kImplicitExecuteKey));
    CHECK(next_node(d, kImplicitExecuteKey, {}) == std::optional<std::string>("end"));
    FakeDirectory dir;
    CHECK(validate_for_deploy(d, dir).empty());

    WorkflowDef direct = direct_execution_flow();
    CHECK(next_node(direct, "submit", {}) == std::optional<std::string>(kImplicitExecuteKey));
    CHECK(validate_for_deploy(direct, dir).empty());
}

TEST_CASE("serial prefixes by workflow type", "[unit][workflow]") {
    CHECK(serial_prefix("change") == "CHG");
    CHECK(serial_prefix("request") == "REQ");
    CHECK(serial_prefix("incident") == "INC");
    CHECK(serial_prefix("maintenance") == "MAI");
}
