// The ticket state machine: decide() and allowed_actions() over hand-made states (no I/O).
#include <catch2/catch.hpp>

#include <algorithm>

#include "domain/ticket.h"

using namespace orderly::domain;
using orderly::ErrorKind;

namespace {

constexpr int64_t kSubmitter = 1, kLead = 2, kLead2 = 3, kQc = 4, kStranger = 9;

// submit -> review (approval) -> summary (fill) -> evaluate -> end
WorkflowDef change_flow() {
    WorkflowDef d;
    d.name = "环境变更";
    Node submit{"submit", "变更申请", NodeType::submit, {}, {}, {}, {}};
    submit.fields = {{"reason", "原因", FieldType::text, true, {}}};
    Node review{"review", "变更审核", NodeType::approval, {}, {}, {}, {}};
    Node summary{"summary", "变更总结", NodeType::fill, {}, {}, {}, {}};
    summary.fields = {{"summary", "总结", FieldType::text, true, {}}};
    Node evaluate{"evaluate", "变更评估", NodeType::evaluate, {}, {}, {}, {}};
    evaluate.fields = {{"rating", "评估", FieldType::select, true, {"good", "poor"}}};
    Node end{"end", "结束", NodeType::end, {}, {}, {}, {}};
    d.nodes = {submit, review, summary, evaluate, end};
    return d;
}

TicketState at(const std::string& node, std::vector<Assignee> assignees,
               TicketStatus status = TicketStatus::in_progress) {
    TicketState t;
    t.creator_id = kSubmitter;
    t.status = status;
    ActiveNode a;
    a.id = 100;
    a.node_key = node;
    a.assignees = std::move(assignees);
    for (const auto& x : a.assignees) t.operators_ever.insert(x.user_id);
    t.active = a;
    t.visited = {"submit"};
    t.operators_ever.insert(kSubmitter);
    return t;
}

ActionRequest req(Action a, int64_t actor, std::string text = "") {
    ActionRequest r;
    r.action = a;
    r.actor_id = actor;
    r.text = std::move(text);
    return r;
}

auto no_users = [](const std::string&) { return false; };

bool offers(const std::vector<Action>& acts, Action a) {
    return std::find(acts.begin(), acts.end(), a) != acts.end();
}

}  // namespace

TEST_CASE("approve by the only operator moves the ticket to the next node", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("review", {{kLead, AssigneeState::pending}});
    auto e = decide(flow, t, req(Action::approve, kLead), no_users);
    REQUIRE(e.ok());
    CHECK(e->actor_state == AssigneeState::approved);
    CHECK(e->close_active == "done");
    CHECK(e->enter == "summary");
    CHECK(e->status == TicketStatus::in_progress);
}

TEST_CASE("approval rules decide when the node is done", "[unit][ticket]") {
    auto flow = change_flow();
    flow.nodes[1].rule = {ApprovalRule::Kind::all, 1};
    auto t = at("review", {{kLead, AssigneeState::pending}, {kLead2, AssigneeState::pending}});
    auto first = decide(flow, t, req(Action::approve, kLead), no_users);
    REQUIRE(first.ok());
    CHECK_FALSE(first->close_active.has_value());
    CHECK_FALSE(first->enter.has_value());
    t.active->assignees[0].state = AssigneeState::approved;
    auto second = decide(flow, t, req(Action::approve, kLead2), no_users);
    REQUIRE(second.ok());
    CHECK(second->enter == "summary");

    flow.nodes[1].rule = {ApprovalRule::Kind::at_least, 2};
    t = at("review", {{kLead, AssigneeState::pending},
                      {kLead2, AssigneeState::pending},
                      {kQc, AssigneeState::pending}});
    CHECK_FALSE(decide(flow, t, req(Action::approve, kLead), no_users)->enter);
    t.active->assignees[0].state = AssigneeState::approved;
    CHECK(decide(flow, t, req(Action::approve, kQc), no_users)->enter == "summary");
}

TEST_CASE("the same operator cannot decide twice, strangers are refused", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("review", {{kLead, AssigneeState::approved}, {kLead2, AssigneeState::pending}});
    flow.nodes[1].rule = {ApprovalRule::Kind::all, 1};
    auto again = decide(flow, t, req(Action::approve, kLead), no_users);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind == ErrorKind::conflict);
    auto stranger = decide(flow, t, req(Action::approve, kStranger), no_users);
    REQUIRE_FALSE(stranger.ok());
    CHECK(stranger.error().kind == ErrorKind::forbidden);
}

TEST_CASE("no self-approval unless the workflow allows it", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("review", {{kLead, AssigneeState::pending}});
    auto self = decide(flow, t, req(Action::approve, kSubmitter), no_users);
    REQUIRE_FALSE(self.ok());
    CHECK(self.error().kind == ErrorKind::forbidden);
    CHECK(self.error().message.find("self-approval") != std::string::npos);

    flow.allow_self_approval = true;
    t = at("review", {{kSubmitter, AssigneeState::pending}});
    CHECK(decide(flow, t, req(Action::approve, kSubmitter), no_users).ok());
    CHECK(offers(allowed_actions(flow, t, kSubmitter), Action::approve));
    flow.allow_self_approval = false;
    CHECK_FALSE(offers(allowed_actions(flow, t, kSubmitter), Action::approve));
}

TEST_CASE("reject needs a non-blank reason and ends the ticket", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("review", {{kLead, AssigneeState::pending}});
    for (std::string blank : {"", "   ", "\n\t"}) {
        auto r = decide(flow, t, req(Action::reject, kLead, blank), no_users);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == ErrorKind::unprocessable);
        CHECK(r.error().fields.at(0).field == "reason");
    }
    auto r = decide(flow, t, req(Action::reject, kLead, "window clashes with the sale"), no_users);
    REQUIRE(r.ok());
    CHECK(r->status == TicketStatus::rejected);
    CHECK(r->close_active == "rejected");
}

TEST_CASE("fill checks the node's fields and merges them", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("summary", {{kSubmitter, AssigneeState::pending}});
    auto missing = decide(flow, t, req(Action::fill, kSubmitter), no_users);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::unprocessable);
    auto r = req(Action::fill, kSubmitter);
    r.fields["summary"] = FieldValue::of_string("done, no impact");
    auto e = decide(flow, t, r, no_users);
    REQUIRE(e.ok());
    CHECK(e->fields.at("summary").string == "done, no impact");
    CHECK(e->enter == "evaluate");
    // approve does not apply at a fill node.
    auto wrong = decide(flow, t, req(Action::approve, kSubmitter), no_users);
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().kind == ErrorKind::conflict);
}

TEST_CASE("evaluate at the last node finishes the ticket", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("evaluate", {{kQc, AssigneeState::pending}});
    auto r = req(Action::evaluate, kQc);
    r.fields["rating"] = FieldValue::of_string("good");
    auto e = decide(flow, t, r, no_users);
    REQUIRE(e.ok());
    CHECK(e->enter == "end");
    CHECK(e->status == TicketStatus::finished);
}

TEST_CASE("withdraw: only the submitter, not when terminal or executing", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("review", {{kLead, AssigneeState::pending}});
    CHECK(decide(flow, t, req(Action::withdraw, kLead), no_users).error().kind ==
          ErrorKind::forbidden);
    auto w = decide(flow, t, req(Action::withdraw, kSubmitter), no_users);
    REQUIRE(w.ok());
    CHECK(w->status == TicketStatus::withdrawn);
    CHECK(offers(allowed_actions(flow, t, kSubmitter), Action::withdraw));
    t.status = TicketStatus::rejected;
    CHECK(decide(flow, t, req(Action::withdraw, kSubmitter), no_users).error().kind ==
          ErrorKind::conflict);
    CHECK_FALSE(offers(allowed_actions(flow, t, kSubmitter), Action::withdraw));
    t.status = TicketStatus::executing;
    CHECK(decide(flow, t, req(Action::withdraw, kSubmitter), no_users).error().kind ==
          ErrorKind::conflict);
}

TEST_CASE("transfer hands the caller's part to someone else", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("review", {{kLead, AssigneeState::pending}});
    auto r = req(Action::transfer, kLead);
    r.to_user = kLead2;
    auto e = decide(flow, t, r, no_users);
    REQUIRE(e.ok());
    CHECK(e->actor_state == AssigneeState::transferred);
    CHECK(e->add_assignee == kLead2);
    r.to_user = kSubmitter;  // the submitter would approve their own ticket
    CHECK(decide(flow, t, r, no_users).error().fields.at(0).field == "to_user");
    r.to_user = kLead;
    CHECK(decide(flow, t, r, no_users).error().kind == ErrorKind::unprocessable);
}

TEST_CASE("return goes back to a node already passed, with a reason", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("summary", {{kSubmitter, AssigneeState::pending}});
    t.visited = {"submit", "review"};
    auto r = req(Action::return_to, kSubmitter, "please redo the review");
    r.to_node = "review";
    auto e = decide(flow, t, r, no_users);
    REQUIRE(e.ok());
    CHECK(e->close_active == "returned");
    CHECK(e->enter == "review");
    r.to_node = "evaluate";  // not passed yet
    CHECK(decide(flow, t, r, no_users).error().fields.at(0).field == "to_node");
    r.to_node = "review";
    r.text = " ";
    CHECK(decide(flow, t, r, no_users).error().fields.at(0).field == "reason");
    CHECK(offers(allowed_actions(flow, t, kSubmitter), Action::return_to));
}

TEST_CASE("execute, execution results and retry", "[unit][ticket]") {
    auto flow = with_execute_step(change_flow());
    auto t =
        at(kImplicitExecuteKey, {{kSubmitter, AssigneeState::pending}}, TicketStatus::approved);
    CHECK(offers(allowed_actions(flow, t, kSubmitter), Action::execute));
    auto e = decide(flow, t, req(Action::execute, kSubmitter), no_users);
    REQUIRE(e.ok());
    CHECK(e->status == TicketStatus::executing);

    t.status = TicketStatus::executing;
    CHECK_FALSE(offers(allowed_actions(flow, t, kSubmitter), Action::execute));
    CHECK(decide(flow, t, req(Action::execute, kSubmitter), no_users).error().kind ==
          ErrorKind::conflict);
    auto failed = execution_finished(flow, t, false);
    REQUIRE(failed.ok());
    CHECK(failed->status == TicketStatus::failed);

    t.status = TicketStatus::failed;
    CHECK(offers(allowed_actions(flow, t, kSubmitter), Action::retry));
    CHECK(decide(flow, t, req(Action::retry, kSubmitter), no_users)->status ==
          TicketStatus::executing);

    t.status = TicketStatus::executing;
    auto ok = execution_finished(flow, t, true);
    REQUIRE(ok.ok());
    CHECK(ok->enter == "end");
    CHECK(ok->status == TicketStatus::finished);

    t.status = TicketStatus::withdrawn;
    CHECK_FALSE(execution_finished(flow, t, true).ok());
}

TEST_CASE("terminal tickets take only comments", "[unit][ticket]") {
    auto flow = change_flow();
    auto t = at("review", {{kLead, AssigneeState::pending}});
    t.status = TicketStatus::finished;
    t.active.reset();
    CHECK(decide(flow, t, req(Action::approve, kLead), no_users).error().kind ==
          ErrorKind::conflict);
    auto c = decide(flow, t, req(Action::comment, kStranger, "nice"), no_users);
    REQUIRE(c.ok());
    CHECK_FALSE(c->changes_state);
    CHECK(decide(flow, t, req(Action::comment, kStranger, " "), no_users).error().kind ==
          ErrorKind::unprocessable);
    auto acts = allowed_actions(flow, t, kSubmitter);
    CHECK(acts == std::vector<Action>{Action::comment});
}

TEST_CASE("status names and parsing", "[unit][ticket]") {
    for (auto s : {TicketStatus::in_progress, TicketStatus::approved, TicketStatus::executing,
                   TicketStatus::finished, TicketStatus::rejected, TicketStatus::withdrawn,
                   TicketStatus::failed, TicketStatus::terminated})
        CHECK(parse_ticket_status(to_string(s)) == s);
    CHECK(is_terminal(TicketStatus::finished));
    CHECK_FALSE(is_terminal(TicketStatus::failed));
    CHECK(parse_action("return") == Action::return_to);
}
