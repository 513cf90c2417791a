// The ticket engine over the SQL repositories on a real (temp-file) database with the real
// migrations: creation and serial numbers, actions applied in transactions, the execution hook,
// search, reminders.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/ticket_engine.h"
#include "domain/accounts.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "storage/ticket_store.h"
#include "storage/workflow_store.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::Connection;

namespace {

const TimeMs kNow = 1'795'000'000'000;  // 2026-11-18T...Z

// The engine's operations, each over the SQL repositories of the caller's transaction.
const app::TicketEngine kEngine;
Result<int64_t> create_ticket(Connection& c, const app::NewTicket& nt, TimeMs now) {
    storage::SqlTicketPorts p(c);
    return kEngine.create(p.ports, nt, now);
}
Result<app::ActionOutcome> apply_ticket_action(Connection& c, int64_t id,
                                               const app::ActionInput& in, TimeMs now) {
    storage::SqlTicketPorts p(c);
    return kEngine.act(p.ports, id, in, now);
}
void on_execution_finished(Connection& c, int64_t id, int64_t execution, bool ok, TimeMs now) {
    storage::SqlTicketPorts p(c);
    kEngine.execution_finished(p.ports, id, execution, ok, now);
}
int enqueue_due_reminders(Connection& c, TimeMs now) {
    storage::SqlTicketPorts p(c);
    return kEngine.send_due_reminders(p.ports, now);
}

struct Fixture {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "t.db"), 2};
    int64_t ops = 0, lead = 0, qc = 0, outsider = 0;
    Fixture() {
        db.migrate();
        db.write([&](Connection& c) {
            for (const char* r : {"ops", "ops_lead", "qc"}) {
                domain::Role role{r, r, {}, false, 1};
                (void)storage::insert_role(c, role, kNow);
            }
            auto user = [&](const char* name, std::vector<std::string> roles) {
                domain::User u;
                u.username = name;
                u.display_name = name;
                u.created_at = u.updated_at = kNow;
                int64_t id = *storage::insert_user(c, u, "x");
                (void)storage::set_user_roles(c, id, roles);
                return id;
            };
            ops = user("ops", {"ops"});
            lead = user("lead", {"ops_lead"});
            qc = user("qc", {"qc"});
            outsider = user("outsider", {});
            domain::Business b{"app01", "App 01", "", {}, kNow, kNow, 1};
            (void)storage::insert_business(c, b, kNow);
            (void)storage::set_business_members(c, "app01", {{"ops", {"ops"}}});
        });
    }
    ~Fixture() { std::filesystem::remove_all(dir); }

    // 环境变更: submit (ops of the business) -> review (ops_lead) -> summary (ops of the
    // business) -> evaluate (qc) -> end. Returns the deployed version id.
    int64_t deploy_change_flow() {
        domain::WorkflowDef d;
        d.name = "环境变更";
        d.type = "change";
        d.business_required = true;
        domain::Node submit{"submit", "变更申请", domain::NodeType::submit, {}, {}, {}, {}};
        submit.operators.business_roles = {"ops"};
        submit.fields = {{"reason", "变更原因", domain::FieldType::text, true, {}}};
        domain::Node review{"review", "变更审核", domain::NodeType::approval, {}, {}, {}, {}};
        review.operators.roles = {"ops_lead"};
        domain::Node summary{"summary", "变更总结", domain::NodeType::fill, {}, {}, {}, {}};
        summary.operators.business_roles = {"ops"};
        summary.fields = {{"summary", "总结", domain::FieldType::text, true, {}}};
        domain::Node eval{"evaluate", "变更评估", domain::NodeType::evaluate, {}, {}, {}, {}};
        eval.operators.roles = {"qc"};
        eval.fields = {{"rating", "评估", domain::FieldType::select, true, {"good", "poor"}}};
        domain::Node end{"end", "结束", domain::NodeType::end, {}, {}, {}, {}};
        d.nodes = {submit, review, summary, eval, end};
        return db.write([&](Connection& c) {
            REQUIRE(domain::validate_for_deploy(d, storage::StoreOperatorDirectory(c)).empty());
            int64_t wf = storage::insert_workflow(c, d, std::string("admin"), kNow);
            return storage::deploy_workflow(c, wf, std::string("admin"), kNow).version_id;
        });
    }

    int64_t submit(int64_t version_id, const std::string& reason = "old servers") {
        app::NewTicket nt;
        nt.title = "replace servers";
        nt.workflow_version_id = version_id;
        nt.serial_prefix = "CHG";
        nt.business = "app01";
        nt.creator_id = ops;
        nt.fields["reason"] = domain::FieldValue::of_string(reason);
        return db.write([&](Connection& c) { return *create_ticket(c, nt, kNow); });
    }

    Result<app::ActionOutcome> act(int64_t ticket, domain::Action a, int64_t actor,
                                   std::string text = "", domain::FieldValues fields = {}) {
        app::ActionInput in;
        in.request.action = a;
        in.request.actor_id = actor;
        in.request.text = std::move(text);
        in.request.fields = std::move(fields);
        in.start_execution = [] { return int64_t{4242}; };
        return db.write(
            [&](Connection& c) { return apply_ticket_action(c, ticket, in, kNow + 1000); });
    }

    storage::Ticket ticket(int64_t id) {
        return *db.read([&](Connection& c) { return storage::find_ticket(c, id); });
    }
};

// The node a ticket waits at, as its readers see it.
std::optional<storage::NodeView> current_node(storage::Database& db, int64_t id) {
    return db.read([&](Connection& c) {
        return storage::ticket_progress(c, *storage::find_ticket(c, id)).node;
    });
}

}  // namespace

TEST_CASE("tickets get daily serial numbers per prefix", "[storage][tickets]") {
    Fixture f;
    auto v = f.deploy_change_flow();
    auto a = f.ticket(f.submit(v)), b = f.ticket(f.submit(v));
    CHECK(a.sn == "CHG-" + format_rfc3339(kNow).substr(0, 4) + format_rfc3339(kNow).substr(5, 2) +
                      format_rfc3339(kNow).substr(8, 2) + "-0001");
    CHECK(b.sn.substr(b.sn.size() - 4) == "0002");
    CHECK(a.status == domain::TicketStatus::in_progress);
}

TEST_CASE("concurrent submissions each get their own serial, none skipped", "[storage][tickets]") {
    // Every submission increments one counter row. Submitted from several threads at once
    // (side by side on PostgreSQL, one after another on SQLite), none may fail, share a number
    // or leave one out.
    Fixture f;
    auto v = f.deploy_change_flow();
    constexpr int kThreads = 6, kEach = 8;
    std::vector<std::vector<int64_t>> ids(kThreads);
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            try {
                for (int n = 0; n < kEach; ++n) ids[i].push_back(f.submit(v));
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK(e.empty());
    std::set<std::string> numbers;
    for (const auto& list : ids)
        for (int64_t id : list) numbers.insert(f.ticket(id).sn.substr(f.ticket(id).sn.size() - 4));
    REQUIRE(numbers.size() == kThreads * kEach);
    CHECK(*numbers.begin() == "0001");
    CHECK(*numbers.rbegin() == "0048");
}

TEST_CASE("scenario B through the engine: every node, actor and field in the timeline",
          "[storage][tickets]") {
    Fixture f;
    auto v = f.deploy_change_flow();
    int64_t id = f.submit(v);
    auto node = current_node(f.db, id);
    REQUIRE(node);
    CHECK(node->key == "review");
    REQUIRE(node->assignees.size() == 1);
    CHECK(node->assignees[0].username == "lead");

    CHECK(f.act(id, domain::Action::approve, f.outsider).error().kind == ErrorKind::forbidden);
    REQUIRE(f.act(id, domain::Action::approve, f.lead).ok());
    CHECK(f.act(id, domain::Action::approve, f.lead).error().kind == ErrorKind::conflict);

    domain::FieldValues summary{{"summary", domain::FieldValue::of_string("3 servers swapped")}};
    REQUIRE(f.act(id, domain::Action::fill, f.ops, "", summary).ok());
    domain::FieldValues rating{{"rating", domain::FieldValue::of_string("good")}};
    auto last = f.act(id, domain::Action::evaluate, f.qc, "", rating);
    REQUIRE(last.ok());
    CHECK(last->after == domain::TicketStatus::finished);

    auto t = f.ticket(id);
    CHECK(t.status == domain::TicketStatus::finished);
    CHECK(t.finished_at.has_value());
    CHECK(t.fields.at("summary").string == "3 servers swapped");
    auto steps = f.db.read([&](Connection& c) { return storage::ticket_steps(c, id); });
    std::vector<std::string> seen;
    for (const auto& s : steps) seen.push_back(s.action + ":" + s.actor.value_or("-"));
    CHECK(seen ==
          std::vector<std::string>{"submit:ops", "approve:lead", "fill:ops", "evaluate:qc"});
    CHECK(steps[2].fields_json->find("3 servers swapped") != std::string::npos);
    CHECK_FALSE(current_node(f.db, id));
}

TEST_CASE("a stale version changes nothing", "[storage][tickets]") {
    Fixture f;
    int64_t id = f.submit(f.deploy_change_flow());
    app::ActionInput in;
    in.request.action = domain::Action::approve;
    in.request.actor_id = f.lead;
    in.expected_version = f.ticket(id).version + 1;
    auto r = f.db.write([&](Connection& c) { return apply_ticket_action(c, id, in, kNow); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::conflict);
    CHECK(f.ticket(id).version == 1);
}

TEST_CASE("reject, withdraw, transfer, return and comments", "[storage][tickets]") {
    Fixture f;
    auto v = f.deploy_change_flow();

    int64_t rejected = f.submit(v);
    CHECK(f.act(rejected, domain::Action::reject, f.lead, " ").error().kind ==
          ErrorKind::unprocessable);
    REQUIRE(f.act(rejected, domain::Action::reject, f.lead, "not now").ok());
    CHECK(f.ticket(rejected).status == domain::TicketStatus::rejected);
    CHECK(f.act(rejected, domain::Action::withdraw, f.ops).error().kind == ErrorKind::conflict);

    int64_t withdrawn = f.submit(v);
    REQUIRE(f.act(withdrawn, domain::Action::withdraw, f.ops, "changed my mind").ok());
    CHECK(f.ticket(withdrawn).status == domain::TicketStatus::withdrawn);
    auto todo = f.db.read([&](Connection& c) {
        storage::TicketFilter tf;
        tf.view = "todo";
        tf.user_id = f.lead;
        return storage::list_tickets(c, tf);
    });
    for (const auto& t : todo) CHECK(t.id != withdrawn);

    int64_t moved = f.submit(v);
    app::ActionInput in;
    in.request.action = domain::Action::transfer;
    in.request.actor_id = f.lead;
    in.request.to_user = f.qc;
    REQUIRE(
        f.db.write([&](Connection& c) { return apply_ticket_action(c, moved, in, kNow); }).ok());
    CHECK(f.act(moved, domain::Action::approve, f.lead).error().kind == ErrorKind::conflict);
    REQUIRE(f.act(moved, domain::Action::approve, f.qc).ok());
    // The summary node returns the ticket to the review.
    in.request = {};
    in.request.action = domain::Action::return_to;
    in.request.actor_id = f.ops;
    in.request.to_node = "review";
    in.request.text = "review missed the rollback plan";
    REQUIRE(
        f.db.write([&](Connection& c) { return apply_ticket_action(c, moved, in, kNow); }).ok());
    auto node = current_node(f.db, moved);
    REQUIRE(node);
    CHECK(node->key == "review");
    CHECK(node->assignees.at(0).username == "lead");  // resolved afresh

    auto before = f.ticket(moved).version;
    REQUIRE(f.act(moved, domain::Action::comment, f.outsider, "fyi").ok());
    CHECK(f.ticket(moved).version == before);
}

TEST_CASE("full-text search over title and field values, filters and the cursor",
          "[storage][tickets]") {
    Fixture f;
    auto v = f.deploy_change_flow();
    int64_t a = f.submit(v, "数据库服务器已过保修期");
    int64_t b = f.submit(v, "network switch firmware");
    int64_t c3 = f.submit(v, "disk failure on db02");
    auto search = [&](std::string q, std::string view = "all") {
        return f.db.read([&](Connection& c) {
            storage::TicketFilter tf;
            tf.view = view;
            tf.user_id = f.ops;
            tf.q = q;
            std::vector<int64_t> ids;
            for (const auto& t : storage::list_tickets(c, tf)) ids.push_back(t.id);
            return ids;
        });
    };
    CHECK(search("过保修") == std::vector<int64_t>{a});
    CHECK(search("服务") == std::vector<int64_t>{a});  // two characters: substring match
    CHECK(search("firmware switch") == std::vector<int64_t>{b});
    CHECK(search("DB02") == std::vector<int64_t>{c3});
    CHECK(search("replace").size() == 3);  // the title
    CHECK(search("nothing-like-this").empty());
    CHECK(search("\"quoted\" % _").empty());

    auto page = [&](int64_t before) {
        return f.db.read([&](Connection& c) {
            storage::TicketFilter tf;
            tf.view = "mine";
            tf.user_id = f.ops;
            tf.limit = 2;
            tf.before_id = before;
            return storage::list_tickets(c, tf);
        });
    };
    auto p1 = page(0);
    REQUIRE(p1.size() == 2);
    CHECK(p1[0].id == c3);
    auto p2 = page(p1[1].id);
    REQUIRE(p2.size() == 1);
    CHECK(p2[0].id == a);
    CHECK(page(0)[0].node_key == "review");
}

TEST_CASE("the execution hook moves a ticket on or marks it failed", "[storage][tickets]") {
    Fixture f;
    // A template ticket without a workflow: submit -> execute (submitter) -> end.
    app::NewTicket nt;
    nt.title = "deploy app01";
    nt.serial_prefix = "OPS";
    nt.template_id = 77;
    nt.creator_id = f.ops;
    int64_t id = f.db.write([&](Connection& c) { return *create_ticket(c, nt, kNow); });
    auto t = f.ticket(id);
    CHECK(t.status == domain::TicketStatus::approved);
    CHECK(t.sn.rfind("OPS-", 0) == 0);

    auto started = f.act(id, domain::Action::execute, f.ops);
    REQUIRE(started.ok());
    CHECK(started->execution_id == 4242);
    CHECK(f.ticket(id).status == domain::TicketStatus::executing);

    f.db.write([&](Connection& c) { on_execution_finished(c, id, 4242, false, kNow); });
    CHECK(f.ticket(id).status == domain::TicketStatus::failed);
    REQUIRE(f.act(id, domain::Action::retry, f.ops).ok());
    f.db.write([&](Connection& c) { on_execution_finished(c, id, 4243, true, kNow); });
    CHECK(f.ticket(id).status == domain::TicketStatus::finished);
    // A late or repeated report changes nothing.
    f.db.write([&](Connection& c) { on_execution_finished(c, id, 4243, false, kNow); });
    CHECK(f.ticket(id).status == domain::TicketStatus::finished);

    auto steps = f.db.read([&](Connection& c) { return storage::ticket_steps(c, id); });
    std::vector<std::string> actions;
    for (const auto& s : steps) actions.push_back(s.action);
    CHECK(actions == std::vector<std::string>{"submit", "execute", "execution_failed", "retry",
                                              "execution_succeeded"});
}

TEST_CASE("a node nobody can act on refuses the step that would enter it", "[storage][tickets]") {
    Fixture f;
    auto v = f.deploy_change_flow();
    // The business has no ops member any more: the summary node would have nobody.
    int64_t id = f.submit(v);
    f.db.write([&](Connection& c) { (void)storage::set_business_members(c, "app01", {}); });
    auto r = f.act(id, domain::Action::approve, f.lead);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::unprocessable);
    CHECK(r.error().message.find("变更总结") != std::string::npos);
    auto node = current_node(f.db, id);
    CHECK(node->key == "review");
    CHECK(node->assignees.at(0).state == "pending");
}

TEST_CASE("deploying freezes versions, running tickets keep theirs", "[storage][tickets]") {
    Fixture f;
    auto v1 = f.deploy_change_flow();
    int64_t id = f.submit(v1);
    f.db.write([&](Connection& c) {
        auto v = storage::find_workflow_version(c, v1);
        auto wf = *storage::find_workflow(c, v->workflow_id);
        auto def = wf.def;
        def.nodes.erase(def.nodes.begin() + 1);  // drop the review
        storage::update_workflow(c, wf.id, def, kNow);
        auto again = storage::deploy_workflow(c, wf.id, std::nullopt, kNow);
        CHECK(again.created);
        CHECK(again.version == 2);
        CHECK_FALSE(storage::deploy_workflow(c, wf.id, std::nullopt, kNow).created);
    });
    // Deployed versions never change (in a transaction of its own: on PostgreSQL a failed
    // statement ends its transaction).
    CHECK_THROWS(f.db.write(
        [](Connection& c) { c.exec_script("UPDATE workflow_versions SET definition = '{}'"); }));
    CHECK(f.ticket(id).workflow_version_id == v1);
    REQUIRE(f.act(id, domain::Action::approve, f.lead).ok());  // still has its review node
}

TEST_CASE("repeat reminders are queued for waiting operators", "[storage][tickets]") {
    Fixture f;
    auto v = f.db.write([&](Connection& c) {
        domain::WorkflowDef d;
        d.name = "remind";
        d.notify.policy = "repeat";
        d.notify.repeat_minutes = 30;
        domain::Node submit{"submit", "s", domain::NodeType::submit, {}, {}, {}, {}};
        domain::Node review{"review", "r", domain::NodeType::approval, {}, {}, {}, {}};
        review.operators.users = {"lead"};
        domain::Node end{"end", "e", domain::NodeType::end, {}, {}, {}, {}};
        d.nodes = {submit, review, end};
        int64_t wf = storage::insert_workflow(c, d, std::nullopt, kNow);
        return storage::deploy_workflow(c, wf, std::nullopt, kNow).version_id;
    });
    app::NewTicket nt;
    nt.title = "t";
    nt.workflow_version_id = v;
    nt.serial_prefix = "REQ";
    nt.creator_id = f.ops;
    f.db.write([&](Connection& c) { return *create_ticket(c, nt, kNow); });
    auto remind = [&](TimeMs at) {
        return f.db.write([&](Connection& c) { return enqueue_due_reminders(c, at); });
    };
    CHECK(remind(kNow + 29 * 60'000) == 0);
    CHECK(remind(kNow + 30 * 60'000) == 1);
    CHECK(remind(kNow + 31 * 60'000) == 0);
    CHECK(remind(kNow + 61 * 60'000) == 1);
    auto n = f.db.read([](Connection& c) {
        auto s = c.prepare(
            "SELECT count(*) FROM notifications WHERE event = 'node.reminder' AND user_id IS NOT "
            "NULL");
        s.step();
        return s.int64(0);
    });
    CHECK(n == 2);
}
