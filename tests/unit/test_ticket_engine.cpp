// The ticket engine (app/ticket_engine.h) over in-memory fakes of its repositories and a manual
// clock: what each action does to a ticket, its operators, its timeline and its notifications,
// with no database and no waiting.
#include <catch2/catch.hpp>

#include "app/ticket_engine.h"
#include "support/fake_ticket_ports.h"

using namespace orderly;
using domain::Action;
using domain::NodeType;
using domain::TicketStatus;

namespace {

const TimeMs kStart = 1'795'000'000'000;  // 2026-11-18T...Z

domain::Node node(const char* key, NodeType type) {
    domain::Node n;
    n.key = key;
    n.name = std::string("node ") + key;
    n.type = type;
    return n;
}

struct Engine {
    test::FakeTicketStore store;
    test::ManualClock clock{kStart};
    app::TicketEngine engine{"https://orderly.example"};
    int64_t ops = store.add_user("ops", {"ops"});
    int64_t lead1 = store.add_user("lead1", {"lead"});
    int64_t lead2 = store.add_user("lead2", {"lead"});
    int64_t lead3 = store.add_user("lead3", {"lead"});
    int64_t qc = store.add_user("qc", {"qc"});

    // submit -> review (role lead, the given rule) -> end
    int64_t review_flow(domain::ApprovalRule rule = {}, bool self_approval = false) {
        domain::WorkflowDef d;
        d.name = "change";
        d.allow_self_approval = self_approval;
        auto review = node("review", NodeType::approval);
        review.operators.roles = {"lead"};
        review.rule = rule;
        d.nodes = {node("submit", NodeType::submit), review, node("end", NodeType::end)};
        return store.deploy(d);
    }

    Result<int64_t> submit(int64_t version, int64_t creator, domain::FieldValues fields = {}) {
        app::NewTicket nt;
        nt.title = "replace servers";
        nt.workflow_version_id = version;
        nt.serial_prefix = "CHG";
        nt.creator_id = creator;
        nt.fields = std::move(fields);
        return store.unit_of_work(
            [&](domain::TicketPorts& p) { return engine.create(p, nt, clock.now_ms()); });
    }

    Result<app::ActionOutcome> act(int64_t ticket, Action a, int64_t actor, std::string text = "",
                                   int64_t to_user = 0, std::string to_node = "") {
        app::ActionInput in;
        in.request.action = a;
        in.request.actor_id = actor;
        in.request.text = std::move(text);
        in.request.to_user = to_user;
        in.request.to_node = std::move(to_node);
        in.start_execution = [] { return int64_t{77}; };
        return store.unit_of_work(
            [&](domain::TicketPorts& p) { return engine.act(p, ticket, in, clock.now_ms()); });
    }

    TicketStatus status(int64_t id) const { return store.ticket(id).status; }
};

}  // namespace

TEST_CASE("engine: submit passes the submit node and waits at the next", "[unit][engine]") {
    Engine e;
    const int64_t id = *e.submit(e.review_flow(), e.ops);
    const auto& t = e.store.ticket(id);
    CHECK(t.sn == "CHG-20261118-0001");
    CHECK(t.status == TicketStatus::in_progress);
    CHECK(e.store.active_node(id) == "review");
    CHECK(e.store.pending(id) == std::vector<int64_t>{e.lead1, e.lead2, e.lead3});
    CHECK(e.store.step_actions(id) == std::vector<std::string>{"submit"});
    auto waiting = e.store.events("node.waiting");
    REQUIRE(waiting.size() == 1);
    CHECK(waiting[0].recipients == std::vector<int64_t>{e.lead1, e.lead2, e.lead3});
    CHECK(waiting[0].node_name == "node review");
    CHECK(waiting[0].ticket_sn == t.sn);
    // The serial counts per prefix and day.
    CHECK(e.store.ticket(*e.submit(e.review_flow(), e.ops)).sn == "CHG-20261118-0002");
    e.clock.advance(24LL * 3600 * 1000);
    CHECK(e.store.ticket(*e.submit(e.review_flow(), e.ops)).sn == "CHG-20261119-0001");
}

TEST_CASE("engine: any, all and at-least-N approvals", "[unit][engine]") {
    Engine e;
    SECTION("any: the first approval finishes the node") {
        const int64_t id = *e.submit(e.review_flow(), e.ops);
        REQUIRE(e.act(id, Action::approve, e.lead2).ok());
        CHECK(e.status(id) == TicketStatus::finished);
        CHECK(e.store.ticket(id).finished_at == kStart);
        CHECK(e.store.pending(id).empty());
        // The others' turns are closed: a late approval is refused and changes nothing.
        const auto version = e.store.ticket(id).version;
        CHECK(e.act(id, Action::approve, e.lead1).error().kind == ErrorKind::conflict);
        CHECK(e.store.ticket(id).version == version);
    }
    SECTION("all: every operator must approve") {
        const int64_t id = *e.submit(e.review_flow({domain::ApprovalRule::Kind::all, 1}), e.ops);
        REQUIRE(e.act(id, Action::approve, e.lead1).ok());
        REQUIRE(e.act(id, Action::approve, e.lead2).ok());
        CHECK(e.status(id) == TicketStatus::in_progress);
        CHECK(e.store.pending(id) == std::vector<int64_t>{e.lead3});
        CHECK(e.act(id, Action::approve, e.lead1).error().kind == ErrorKind::conflict);
        REQUIRE(e.act(id, Action::approve, e.lead3).ok());
        CHECK(e.status(id) == TicketStatus::finished);
    }
    SECTION("at least 2 of 3") {
        const int64_t id =
            *e.submit(e.review_flow({domain::ApprovalRule::Kind::at_least, 2}), e.ops);
        REQUIRE(e.act(id, Action::approve, e.lead3).ok());
        CHECK(e.status(id) == TicketStatus::in_progress);
        REQUIRE(e.act(id, Action::approve, e.lead1).ok());
        CHECK(e.status(id) == TicketStatus::finished);
        CHECK(e.store.step_actions(id) == std::vector<std::string>{"submit", "approve", "approve"});
    }
}

TEST_CASE("engine: the submitter does not approve their own ticket unless allowed",
          "[unit][engine]") {
    Engine e;
    const int64_t own = *e.submit(e.review_flow(), e.lead1);
    CHECK(e.store.pending(own) == std::vector<int64_t>{e.lead2, e.lead3});
    CHECK(e.act(own, Action::approve, e.lead1).error().kind == ErrorKind::forbidden);

    const int64_t allowed = *e.submit(e.review_flow({}, true), e.lead1);
    CHECK(e.store.pending(allowed) == std::vector<int64_t>{e.lead1, e.lead2, e.lead3});
    REQUIRE(e.act(allowed, Action::approve, e.lead1).ok());
    CHECK(e.status(allowed) == TicketStatus::finished);

    // When the submitter is the only one who could approve, submitting is refused and leaves
    // nothing behind.
    domain::WorkflowDef d;
    auto review = node("review", NodeType::approval);
    review.operators.users = {"qc"};
    d.nodes = {node("submit", NodeType::submit), review, node("end", NodeType::end)};
    const auto tickets_before = e.store.data.tickets.size();
    auto r = e.submit(e.store.deploy(d), e.qc);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::unprocessable);
    CHECK(e.store.data.tickets.size() == tickets_before);
}

TEST_CASE("engine: reject needs a reason, ends the ticket and tells the submitter",
          "[unit][engine]") {
    Engine e;
    const int64_t id = *e.submit(e.review_flow(), e.ops);
    CHECK(e.act(id, Action::reject, e.lead1, "  ").error().kind == ErrorKind::unprocessable);
    CHECK(e.status(id) == TicketStatus::in_progress);
    REQUIRE(e.act(id, Action::reject, e.lead1, "no rollback plan").ok());
    CHECK(e.status(id) == TicketStatus::rejected);
    CHECK(e.store.active_node(id).empty());
    auto rejected = e.store.events("ticket.rejected");
    REQUIRE(rejected.size() == 1);
    CHECK(rejected[0].recipients == std::vector<int64_t>{e.ops});
    CHECK(rejected[0].reason == "no rollback plan");
    CHECK(rejected[0].actor == "lead1");
    CHECK(e.act(id, Action::approve, e.lead2).error().kind == ErrorKind::conflict);
}

TEST_CASE("engine: transfer hands a turn over, withdraw tells who was waiting", "[unit][engine]") {
    Engine e;
    const int64_t id = *e.submit(e.review_flow({domain::ApprovalRule::Kind::all, 1}), e.ops);
    REQUIRE(e.act(id, Action::transfer, e.lead1, "on leave", e.qc).ok());
    CHECK(e.store.pending(id) == std::vector<int64_t>{e.lead2, e.lead3, e.qc});
    CHECK(e.act(id, Action::approve, e.lead1).error().kind == ErrorKind::conflict);
    auto moved = e.store.events("ticket.transferred");
    REQUIRE(moved.size() == 1);
    CHECK(moved[0].recipients == std::vector<int64_t>{e.qc});
    CHECK(e.store.data.steps.back().detail_json == R"({"to_user":"qc"})");

    REQUIRE(e.act(id, Action::approve, e.qc).ok());
    CHECK(e.act(id, Action::withdraw, e.lead2).error().kind == ErrorKind::forbidden);
    REQUIRE(e.act(id, Action::withdraw, e.ops, "not needed").ok());
    CHECK(e.status(id) == TicketStatus::withdrawn);
    auto withdrawn = e.store.events("ticket.withdrawn");
    REQUIRE(withdrawn.size() == 1);
    CHECK(withdrawn[0].recipients == std::vector<int64_t>{e.lead2, e.lead3});
}

TEST_CASE("engine: return goes back to a passed node with fresh operators", "[unit][engine]") {
    Engine e;
    domain::WorkflowDef d;
    auto review = node("review", NodeType::approval);
    review.operators.roles = {"lead"};
    auto check = node("check", NodeType::approval);
    check.operators.roles = {"qc"};
    d.nodes = {node("submit", NodeType::submit), review, check, node("end", NodeType::end)};
    const int64_t id = *e.submit(e.store.deploy(d), e.ops);
    REQUIRE(e.act(id, Action::approve, e.lead1).ok());
    CHECK(e.store.active_node(id) == "check");
    CHECK(e.act(id, Action::return_to, e.qc, "", 0, "review").error().kind ==
          ErrorKind::unprocessable);
    CHECK(e.act(id, Action::return_to, e.qc, "redo", 0, "nowhere").error().kind ==
          ErrorKind::unprocessable);
    REQUIRE(e.act(id, Action::return_to, e.qc, "missing the window", 0, "review").ok());
    CHECK(e.store.active_node(id) == "review");
    CHECK(e.store.pending(id) == std::vector<int64_t>{e.lead1, e.lead2, e.lead3});
    CHECK(e.store.data.steps.back().detail_json == R"({"to_node":"review"})");
    REQUIRE(e.act(id, Action::approve, e.lead2).ok());
    REQUIRE(e.act(id, Action::approve, e.qc).ok());
    CHECK(e.status(id) == TicketStatus::finished);
}

TEST_CASE("engine: conditions choose the next node from the ticket's fields", "[unit][engine]") {
    Engine e;
    domain::WorkflowDef d;
    auto submit = node("submit", NodeType::submit);
    submit.fields = {{"hosts", "hosts", domain::FieldType::number, true, {}}};
    auto review = node("review", NodeType::approval);
    review.operators.roles = {"lead"};
    auto big = node("big", NodeType::approval);
    big.operators.roles = {"qc"};
    d.nodes = {submit, review, big, node("end", NodeType::end)};
    d.transitions = {
        {"submit", "big",
         domain::Condition{"hosts", domain::CondOp::gt, domain::FieldValue::of_number(10)}},
        {"submit", "review", std::nullopt},
        {"review", "end", std::nullopt},
        {"big", "review", std::nullopt}};
    const int64_t v = e.store.deploy(d);
    const int64_t small = *e.submit(v, e.ops, {{"hosts", domain::FieldValue::of_number(3)}});
    CHECK(e.store.active_node(small) == "review");
    const int64_t large = *e.submit(v, e.ops, {{"hosts", domain::FieldValue::of_number(40)}});
    CHECK(e.store.active_node(large) == "big");
    REQUIRE(e.act(large, Action::approve, e.qc).ok());
    CHECK(e.store.active_node(large) == "review");
    // A required field left out is refused, naming it, and creates nothing.
    auto r = e.submit(v, e.ops);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().fields.at(0).field == "fields.hosts");
}

TEST_CASE("engine: execute, the execution's end and retry", "[unit][engine]") {
    Engine e;
    app::NewTicket nt;
    nt.title = "deploy";
    nt.serial_prefix = "OPS";
    nt.template_id = 5;  // a template without a workflow: submit -> execute -> end
    nt.creator_id = e.ops;
    const int64_t id = *e.store.unit_of_work(
        [&](domain::TicketPorts& p) { return e.engine.create(p, nt, e.clock.now_ms()); });
    CHECK(e.status(id) == TicketStatus::approved);
    auto started = e.act(id, Action::execute, e.ops);
    REQUIRE(started.ok());
    CHECK(started->execution_id == 77);
    CHECK(e.status(id) == TicketStatus::executing);
    auto finish = [&](int64_t execution, bool ok) {
        e.store.unit_of_work([&](domain::TicketPorts& p) {
            e.engine.execution_finished(p, id, execution, ok, e.clock.now_ms());
        });
    };
    finish(77, false);
    CHECK(e.status(id) == TicketStatus::failed);
    REQUIRE(e.act(id, Action::retry, e.ops).ok());
    finish(78, true);
    CHECK(e.status(id) == TicketStatus::finished);
    finish(78, false);  // a late report changes nothing
    CHECK(e.status(id) == TicketStatus::finished);
    CHECK(e.store.step_actions(id) == std::vector<std::string>{"submit", "execute",
                                                               "execution_failed", "retry",
                                                               "execution_succeeded"});
    REQUIRE(e.store.data.audit.size() == 2);
    CHECK(e.store.data.audit[1].summary.find("succeeded") != std::string::npos);
    CHECK(e.store.events("execution.finished").size() == 2);
}

TEST_CASE("engine: a stale version or a decided turn changes nothing", "[unit][engine]") {
    Engine e;
    const int64_t id = *e.submit(e.review_flow(), e.ops);
    app::ActionInput in;
    in.request.action = Action::approve;
    in.request.actor_id = e.lead1;
    in.expected_version = e.store.ticket(id).version + 1;
    auto r = e.store.unit_of_work(
        [&](domain::TicketPorts& p) { return e.engine.act(p, id, in, e.clock.now_ms()); });
    CHECK(r.error().kind == ErrorKind::conflict);
    CHECK(e.store.ticket(id).version == 1);
    CHECK(e.store.pending(id).size() == 3);
    CHECK(e.act(404, Action::approve, e.lead1).error().kind == ErrorKind::not_found);
}

TEST_CASE("engine: reminders follow the clock while a node waits", "[unit][engine]") {
    Engine e;
    domain::WorkflowDef d;
    d.notify.policy = "repeat";
    d.notify.repeat_minutes = 30;
    auto review = node("review", NodeType::approval);
    review.operators.users = {"lead1", "lead2"};
    d.nodes = {node("submit", NodeType::submit), review, node("end", NodeType::end)};
    const int64_t id = *e.submit(e.store.deploy(d), e.ops);
    auto remind = [&] {
        return e.store.unit_of_work([&](domain::TicketPorts& p) {
            return e.engine.send_due_reminders(p, e.clock.now_ms());
        });
    };
    e.clock.advance(29 * 60'000);
    CHECK(remind() == 0);
    e.clock.advance(60'000);
    CHECK(remind() == 1);
    CHECK(remind() == 0);  // not again until another 30 minutes pass
    auto reminders = e.store.events("node.reminder");
    REQUIRE(reminders.size() == 1);
    CHECK(reminders[0].recipients == std::vector<int64_t>{e.lead1, e.lead2});
    e.clock.advance(30 * 60'000);
    REQUIRE(e.act(id, Action::approve, e.lead1).ok());
    CHECK(remind() == 0);  // decided: nobody is reminded any more
}

TEST_CASE("engine: a node's notify channels override the workflow's for what happens there",
          "[unit][engine]") {
    Engine e;
    domain::WorkflowDef d;
    d.name = "change";
    d.notify.channels = {"email", "chat:1"};
    auto review = node("review", NodeType::approval);
    review.operators.roles = {"lead"};
    review.notify_channels = std::vector<std::string>{"chat:2"};
    auto qa = node("qa", NodeType::approval);
    qa.operators.roles = {"qc"};
    d.nodes = {node("submit", NodeType::submit), review, qa, node("end", NodeType::end)};
    const int64_t id = *e.submit(e.store.deploy(d), e.ops);
    REQUIRE(e.act(id, Action::approve, e.lead1));
    auto waiting = e.store.events("node.waiting");
    REQUIRE(waiting.size() == 2);
    CHECK(waiting[0].node_name == "node review");
    CHECK(waiting[0].channels == std::vector<std::string>{"chat:2"});
    CHECK(waiting[1].node_name == "node qa");
    CHECK(waiting[1].channels == std::vector<std::string>{"email", "chat:1"});
}

TEST_CASE("engine: nodes that share a name keep their own notify channels", "[unit][engine]") {
    Engine e;
    domain::WorkflowDef d;
    d.name = "change";
    d.notify.channels = {"email"};
    auto first = node("first", NodeType::approval);
    first.name = "审核";
    first.operators.roles = {"lead"};
    auto second = node("second", NodeType::approval);
    second.name = "审核";
    second.operators.roles = {"qc"};
    second.notify_channels = std::vector<std::string>{"chat:3"};
    d.nodes = {node("submit", NodeType::submit), first, second, node("end", NodeType::end)};
    const int64_t id = *e.submit(e.store.deploy(d), e.ops);
    REQUIRE(e.act(id, Action::approve, e.lead1));
    auto waiting = e.store.events("node.waiting");
    REQUIRE(waiting.size() == 2);
    CHECK(waiting[0].channels == std::vector<std::string>{"email"});
    CHECK(waiting[1].channels == std::vector<std::string>{"chat:3"});
}

TEST_CASE("engine: a comment's @mentions notify the users it names, once, never its author",
          "[unit][engine][mention]") {
    Engine e;
    const int64_t id = *e.submit(e.review_flow(), e.ops);
    const std::string text = "@lead1 @qc please check, @ops @nobody @lead1";
    REQUIRE(e.act(id, Action::comment, e.ops, text).ok());
    auto mentioned = e.store.events("ticket.mentioned");
    REQUIRE(mentioned.size() == 1);
    CHECK(mentioned[0].recipients == std::vector<int64_t>{e.lead1, e.qc});
    CHECK(mentioned[0].reason == text);
    CHECK(mentioned[0].actor == "ops");
    // A comment without a known name notifies nobody.
    REQUIRE(e.act(id, Action::comment, e.lead2, "mail bob@example.com, @nobody").ok());
    CHECK(e.store.events("ticket.mentioned").size() == 1);
}
