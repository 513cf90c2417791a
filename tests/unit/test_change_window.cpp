// Change windows: the pure rules (domain/change_window.h) and what the ticket engine does with a
// window (scheduled at the execute node, refused early unless an emergency, started or missed by
// the window scheduler's run_due, sent back for approval when moved), over in-memory fakes and a
// manual clock.
#include <catch2/catch.hpp>

#include "app/ticket_engine.h"
#include "core/codes.h"
#include "domain/change_window.h"
#include "support/fake_ticket_ports.h"

using namespace orderly;
using domain::Action;
using domain::ChangeWindow;
using domain::NodeType;
using domain::TicketStatus;
using domain::WindowDue;

namespace {

const TimeMs kStart = 1'795'000'000'000;
const TimeMs kHour = 3600'000;

struct Engine {
    test::FakeTicketStore store;
    test::ManualClock clock{kStart};
    app::TicketEngine engine{"https://orderly.example"};
    int64_t ops = store.add_user("ops", {"ops"});
    int64_t lead = store.add_user("lead", {"lead"});

    // A template without a workflow (submit -> execute -> end), or with an approval first.
    int64_t submit(std::optional<ChangeWindow> w, bool with_review = false) {
        app::NewTicket nt;
        nt.title = "deploy";
        nt.serial_prefix = "OPS";
        nt.template_id = 5;
        nt.creator_id = ops;
        nt.window = w;
        if (with_review) {
            domain::WorkflowDef d;
            d.name = "review";
            domain::Node submit, review, execute, end;
            submit.key = "submit", submit.type = NodeType::submit;
            review.key = "review", review.type = NodeType::approval;
            review.operators.roles = {"lead"};
            execute.key = "execute", execute.type = NodeType::execute;
            end.key = "end", end.type = NodeType::end;
            d.nodes = {submit, review, execute, end};
            nt.workflow_version_id = store.deploy(d);
        }
        return *store.unit_of_work(
            [&](domain::TicketPorts& p) { return engine.create(p, nt, clock.now_ms()); });
    }

    Result<app::ActionOutcome> act(int64_t id, Action a, int64_t actor,
                                   std::optional<std::string> emergency = std::nullopt) {
        app::ActionInput in;
        in.request.action = a;
        in.request.actor_id = actor;
        in.emergency_reason = std::move(emergency);
        in.start_execution = [] { return int64_t{77}; };
        return store.unit_of_work(
            [&](domain::TicketPorts& p) { return engine.act(p, id, in, clock.now_ms()); });
    }

    std::optional<app::ActionOutcome> run_due(int64_t id) {
        return store.unit_of_work([&](domain::TicketPorts& p) {
            return engine.run_due(
                p, id, [](int64_t) { return int64_t{88}; }, clock.now_ms());
        });
    }

    TicketStatus status(int64_t id) const { return store.ticket(id).status; }
};

}  // namespace

TEST_CASE("windows: both ends or neither, end after start", "[unit][windows]") {
    CHECK_FALSE(domain::check_window(std::nullopt, std::nullopt)->has_value());
    CHECK(domain::check_window(1, std::nullopt).error().code == codes::window_incomplete);
    CHECK(domain::check_window(std::nullopt, 2).error().code == codes::window_incomplete);
    CHECK(domain::check_window(5, 5).error().code == codes::window_end_before_start);
    CHECK(domain::check_window(5, 4).error().code == codes::window_end_before_start);
    auto ok = domain::check_window(5, 6);
    REQUIRE(ok.ok());
    CHECK((*ok)->start == 5);
    CHECK((*ok)->end == 6);
}

TEST_CASE("windows: overlap shares a moment, touching ends do not", "[unit][windows]") {
    const ChangeWindow a{10, 20};
    CHECK(domain::overlaps(a, {15, 25}));
    CHECK(domain::overlaps(a, {5, 11}));
    CHECK(domain::overlaps(a, {12, 18}));  // inside
    CHECK(domain::overlaps(a, {0, 30}));   // around
    CHECK(domain::overlaps({15, 25}, a));  // symmetric
    CHECK_FALSE(domain::overlaps(a, {20, 30}));
    CHECK_FALSE(domain::overlaps(a, {0, 10}));
    CHECK_FALSE(domain::overlaps(a, {30, 40}));
}

TEST_CASE("windows: status at the execute node and what is due when", "[unit][windows]") {
    const ChangeWindow w{100, 200};
    CHECK(domain::status_at_execute(std::nullopt, 0) == TicketStatus::approved);
    CHECK(domain::status_at_execute(w, 99) == TicketStatus::scheduled);
    CHECK(domain::status_at_execute(w, 100) == TicketStatus::approved);
    CHECK(domain::window_due(TicketStatus::scheduled, w) == 100);
    CHECK(domain::window_due(TicketStatus::approved, w) == 200);
    CHECK_FALSE(domain::window_due(TicketStatus::executing, w));
    CHECK_FALSE(domain::window_due(TicketStatus::scheduled, std::nullopt));
    CHECK(domain::due_action(TicketStatus::scheduled, w, 99) == WindowDue::nothing);
    CHECK(domain::due_action(TicketStatus::scheduled, w, 100) == WindowDue::start);
    CHECK(domain::due_action(TicketStatus::scheduled, w, 200) == WindowDue::miss);
    CHECK(domain::due_action(TicketStatus::approved, w, 150) == WindowDue::nothing);
    CHECK(domain::due_action(TicketStatus::approved, w, 200) == WindowDue::miss);
    CHECK(domain::due_action(TicketStatus::executing, w, 300) == WindowDue::nothing);
    CHECK(domain::is_terminal(TicketStatus::missed));
    CHECK_FALSE(domain::is_terminal(TicketStatus::scheduled));
    CHECK(domain::parse_ticket_status("scheduled") == TicketStatus::scheduled);
    CHECK(domain::parse_ticket_status("missed") == TicketStatus::missed);
}

TEST_CASE("engine: a scheduled ticket is refused early, then started once at its window",
          "[unit][windows]") {
    Engine e;
    const int64_t id = e.submit(ChangeWindow{kStart + kHour, kStart + 2 * kHour});
    CHECK(e.status(id) == TicketStatus::scheduled);
    auto early = e.act(id, Action::execute, e.ops);
    REQUIRE_FALSE(early.ok());
    CHECK(early.error().code == codes::window_not_open);
    CHECK(e.status(id) == TicketStatus::scheduled);
    CHECK_FALSE(e.run_due(id));  // not due yet

    e.clock.advance(kHour);
    auto started = e.run_due(id);
    REQUIRE(started);
    CHECK(started->execution_id == 88);
    CHECK(e.status(id) == TicketStatus::executing);
    CHECK_FALSE(e.run_due(id));  // once
    CHECK(e.store.step_actions(id) == std::vector<std::string>{"submit", "scheduled_start"});
    CHECK(e.store.data.audit.back().action == "ticket.scheduled_start");
}

TEST_CASE("engine: an emergency runs before the window and says so", "[unit][windows]") {
    Engine e;
    const int64_t id = e.submit(ChangeWindow{kStart + kHour, kStart + 2 * kHour});
    auto run = e.act(id, Action::execute, e.ops, "disk full");
    REQUIRE(run.ok());
    CHECK(run->emergency);
    CHECK(run->summary.find("emergency") != std::string::npos);
    CHECK(e.status(id) == TicketStatus::executing);
    e.clock.advance(kHour);
    CHECK_FALSE(e.run_due(id));  // already running: nothing to start
}

TEST_CASE("engine: a window that closes without a start makes the ticket missed",
          "[unit][windows]") {
    Engine e;
    const int64_t id = e.submit(ChangeWindow{kStart + kHour, kStart + 2 * kHour});
    e.clock.advance(3 * kHour);  // every node was down all through the window
    auto missed = e.run_due(id);
    REQUIRE(missed);
    CHECK(e.status(id) == TicketStatus::missed);
    CHECK(e.store.events("ticket.missed").size() == 1);
    CHECK(e.store.events("ticket.missed")[0].recipients == std::vector<int64_t>{e.ops});
    CHECK(e.act(id, Action::execute, e.ops).error().code == codes::ticket_closed);
}

TEST_CASE("engine: a moved window sends an approved ticket back for approval", "[unit][windows]") {
    Engine e;
    const int64_t id = e.submit(ChangeWindow{kStart + kHour, kStart + 2 * kHour}, true);
    CHECK(e.status(id) == TicketStatus::in_progress);
    REQUIRE(e.act(id, Action::approve, e.lead).ok());
    CHECK(e.status(id) == TicketStatus::scheduled);
    e.store.data.tickets.at(id).window = ChangeWindow{kStart + 3 * kHour, kStart + 4 * kHour};
    auto moved = e.store.unit_of_work([&](domain::TicketPorts& p) {
        return e.engine.window_changed(p, id, e.ops, e.clock.now_ms());
    });
    REQUIRE(moved.ok());
    CHECK(e.status(id) == TicketStatus::in_progress);
    REQUIRE(e.act(id, Action::approve, e.lead).ok());
    CHECK(e.status(id) == TicketStatus::scheduled);
}

TEST_CASE("windows: a task starts by hand inside its window only", "[unit][windows]") {
    const ChangeWindow w{100, 200};
    CHECK_FALSE(domain::outside_window(std::nullopt, 0));
    CHECK(domain::outside_window(w, 99)->code == codes::window_not_open);
    CHECK_FALSE(domain::outside_window(w, 100));
    CHECK_FALSE(domain::outside_window(w, 199));
    CHECK(domain::outside_window(w, 200)->code == codes::window_closed);
}

TEST_CASE("engine: execute and retry are refused once the window closed, unless an emergency",
          "[unit][windows]") {
    Engine e;
    // Approved inside its window; nobody executed it before the end, and the scheduler has yet
    // to mark it missed.
    const int64_t late = e.submit(ChangeWindow{kStart, kStart + kHour});
    CHECK(e.status(late) == TicketStatus::approved);
    // Failed inside its window.
    const int64_t failed = e.submit(ChangeWindow{kStart, kStart + kHour});
    REQUIRE(e.act(failed, Action::execute, e.ops).ok());
    e.store.unit_of_work([&](domain::TicketPorts& p) {
        e.engine.execution_finished(p, failed, 77, false, e.clock.now_ms());
    });
    REQUIRE(e.status(failed) == TicketStatus::failed);

    e.clock.advance(kHour);
    auto refused = e.act(late, Action::execute, e.ops);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == codes::window_closed);
    CHECK(e.status(late) == TicketStatus::approved);
    auto no_retry = e.act(failed, Action::retry, e.ops);
    REQUIRE_FALSE(no_retry.ok());
    CHECK(no_retry.error().code == codes::window_closed);
    CHECK(e.status(failed) == TicketStatus::failed);

    auto run = e.act(late, Action::execute, e.ops, "hotfix");
    REQUIRE(run.ok());
    CHECK(run->emergency);
    auto retried = e.act(failed, Action::retry, e.ops, "rollback");
    REQUIRE(retried.ok());
    CHECK(retried->emergency);
    CHECK(retried->summary.find("emergency retry") != std::string::npos);
    CHECK(e.status(failed) == TicketStatus::executing);
}
