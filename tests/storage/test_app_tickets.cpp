// The ticket and workflow use cases (app/tickets.h, app/workflows.h) on a real (temp-file)
// database: each call owns its transaction, checks who may see and do what, and wakes the
// executions worker only after queueing one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "app/tickets.h"
#include "app/workflows.h"
#include "domain/accounts.h"
#include "storage/accounts_store.h"
#include "storage/database.h"
#include "storage/workflow_store.h"
#include "support/fake_ticket_ports.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::Connection;

namespace {

const TimeMs kNow = 1'795'000'000'000;

ErrorKind kind_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ErrorException& e) {
        return e.error.kind;
    }
    FAIL("no error");
    return ErrorKind::internal;
}

struct Fixture {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "t.db"), 2};
    test::ManualClock clock{kNow};
    app::TicketEngine engine;
    std::string secret_key = std::string(32, 'k');
    int wakes = 0;
    std::function<void()> wake = [this] { ++wakes; };
    std::function<void()> no_windows;  // no window scheduler here
    app::Tickets tickets{db, clock, engine, secret_key, wake, no_windows};
    app::Workflows workflows{db, clock};
    app::Principal ops, lead, outsider;

    Fixture() {
        db.migrate();
        db.write([&](Connection& c) {
            for (const char* r : {"ops", "ops_lead"}) {
                domain::Role role{r, r, {}, false, 1};
                (void)storage::insert_role(c, role, kNow);
            }
            auto user = [&](app::Principal& p, const char* name, std::vector<std::string> roles) {
                domain::User u;
                u.username = name;
                u.display_name = name;
                u.created_at = u.updated_at = kNow;
                p.user_id = *storage::insert_user(c, u, "x");
                (void)storage::set_user_roles(c, p.user_id, roles);
                p.username = name;
                p.roles = roles;
                p.permissions = {"ticket.submit"};
            };
            user(ops, "ops", {"ops"});
            user(lead, "lead", {"ops_lead"});
            user(outsider, "outsider", {});
        });
    }
    ~Fixture() { std::filesystem::remove_all(dir); }

    static app::Caller as(const app::Principal& p) { return app::Caller{&p, "127.0.0.1", "r1"}; }

    // submit (anyone) -> review (ops_lead) -> end.
    static domain::WorkflowDef review_flow() {
        domain::WorkflowDef d;
        d.name = "review";
        d.type = "change";
        domain::Node submit{"submit", "Request", domain::NodeType::submit, {}, {}, {}, {}};
        domain::Node review{"review", "Review", domain::NodeType::approval, {}, {}, {}, {}};
        review.operators.roles = {"ops_lead"};
        domain::Node end{"end", "Done", domain::NodeType::end, {}, {}, {}, {}};
        d.nodes = {submit, review, end};
        return d;
    }

    // A service over the deployed review flow.
    int64_t service() {
        const auto wf = workflows.create(as(ops), review_flow());
        const auto deployed = workflows.deploy(as(ops), wf.id);
        return db.write([&](Connection& c) {
            storage::Service s;
            s.name = "Change";
            s.workflow_version_id = deployed.version_id;
            return storage::insert_service(c, s, kNow);
        });
    }

    app::Submitted submit(int64_t service_id, const app::Principal& who,
                          std::optional<std::string> key = std::nullopt,
                          std::string_view body = "{}") {
        app::SubmitInput in;
        in.ticket.service_id = service_id;
        in.ticket.title = "replace servers";
        in.idempotency_key = std::move(key);
        in.body = body;
        return tickets.submit(as(who), in);
    }
};

bool allows(const app::TicketView& v, domain::Action a) {
    return std::find(v.allowed_actions.begin(), v.allowed_actions.end(), a) !=
           v.allowed_actions.end();
}

}  // namespace

TEST_CASE("workflows: drafts, version checks, deploy once per change", "[storage][app]") {
    Fixture f;
    auto wf = f.workflows.create(Fixture::as(f.ops), Fixture::review_flow());
    CHECK(wf.version == 1);
    CHECK(wf.created_by == "ops");
    CHECK(kind_of([&] {
              f.workflows.update(Fixture::as(f.ops), wf.id, wf.def, [] { return 7; });
          }) == ErrorKind::conflict);
    auto edited = f.workflows.update(Fixture::as(f.ops), wf.id, wf.def, [] { return 1; });
    CHECK(edited.version == 2);
    auto first = f.workflows.deploy(Fixture::as(f.ops), wf.id);
    CHECK(first.created);
    CHECK_FALSE(f.workflows.deploy(Fixture::as(f.ops), wf.id).created);
    CHECK(f.workflows.versions(wf.id).size() == 1);
    CHECK(f.workflows.version(wf.id, 1).id == first.version_id);
    CHECK(kind_of([&] { f.workflows.version(wf.id, 2); }) == ErrorKind::not_found);
    CHECK(kind_of([&] { f.workflows.get(wf.id + 100); }) == ErrorKind::not_found);
}

TEST_CASE("tickets: a ticket names its service's directories, root first, while it lives",
          "[storage][app]") {
    Fixture f;
    const int64_t service_id = f.service();
    f.db.write([&](Connection& c) {
        const int64_t root = storage::insert_catalog_dir(c, "运维", std::nullopt, kNow);
        const int64_t mid = storage::insert_catalog_dir(c, "变更", root, kNow);
        const int64_t leaf = storage::insert_catalog_dir(c, "环境", mid, kNow);
        auto s = *storage::find_service(c, service_id);
        s.catalog_id = leaf;
        storage::update_service(c, s, kNow);
    });
    const int64_t id = f.submit(service_id, f.ops).ticket.ticket.id;
    const auto v = f.tickets.get(Fixture::as(f.ops), id);
    CHECK(v.names.service_name == "Change");
    CHECK(v.names.catalog_path == std::vector<std::string>{"运维", "变更", "环境"});
    CHECK_FALSE(v.names.template_name);
    CHECK_FALSE(v.names.environment_name);

    // A deleted service is not named any more, nor are its directories.
    f.db.write([&](Connection& c) { storage::delete_service(c, service_id, kNow); });
    const auto gone = f.tickets.get(Fixture::as(f.ops), id);
    CHECK_FALSE(gone.names.service_name);
    CHECK(gone.names.catalog_path.empty());
    CHECK(gone.ticket.id == id);
}

TEST_CASE("tickets: who sees a ticket and what they may do", "[storage][app]") {
    Fixture f;
    const auto sub = f.submit(f.service(), f.ops);
    CHECK_FALSE(sub.replayed);
    const int64_t id = sub.ticket.ticket.id;
    CHECK(sub.ticket.names.service_name == "Change");
    REQUIRE(sub.ticket.current_node);
    CHECK(sub.ticket.current_node->key == "review");

    CHECK(kind_of([&] { f.tickets.get(Fixture::as(f.outsider), id); }) == ErrorKind::not_found);
    CHECK(allows(f.tickets.get(Fixture::as(f.lead), id), domain::Action::approve));
    CHECK_FALSE(allows(f.tickets.get(Fixture::as(f.ops), id), domain::Action::approve));

    domain::TicketFilter all;
    all.view = "all";
    CHECK(kind_of([&] { f.tickets.list(Fixture::as(f.ops), all); }) == ErrorKind::forbidden);
    domain::TicketFilter mine;
    CHECK(f.tickets.list(Fixture::as(f.ops), mine).size() == 1);

    app::ActInput approve;
    approve.request.action = domain::Action::approve;
    CHECK(kind_of([&] { f.tickets.act(Fixture::as(f.outsider), id, approve); }) ==
          ErrorKind::not_found);
    const auto done = f.tickets.act(Fixture::as(f.lead), id, approve);
    CHECK_FALSE(done.started_execution);
    REQUIRE(done.ticket);
    CHECK(done.ticket->ticket.status == domain::TicketStatus::finished);
    const auto& steps = done.ticket->steps;
    CHECK(std::any_of(steps.begin(), steps.end(), [](const domain::StepView& s) {
        return s.action == "approve" && s.actor == "lead";
    }));
    CHECK(f.wakes == 0);
}

TEST_CASE("tickets: an Idempotency-Key replays the same request only", "[storage][app]") {
    Fixture f;
    const int64_t service = f.service();
    const auto first = f.submit(service, f.ops, "k1", R"({"title":"a"})");
    const auto again = f.submit(service, f.ops, "k1", R"({"title":"a"})");
    CHECK(again.replayed);
    CHECK(again.ticket.ticket.id == first.ticket.ticket.id);
    CHECK(kind_of([&] { f.submit(service, f.ops, "k1", R"({"title":"b"})"); }) ==
          ErrorKind::unprocessable);
}
