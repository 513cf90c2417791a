// One-click approval links (app/action_links.h) on a real (temp-file) database with a manual
// clock: each approver of an approval node gets a link; opening it changes nothing; deciding
// through it follows the approve and reject rules and uses it up in the same transaction; a
// link dies when it expires or when its step stops waiting for its approver.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include "app/action_links.h"
#include "app/tickets.h"
#include "app/workflows.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/workflow_store.h"
#include "support/fake_ticket_ports.h"
#include "support/process.h"
#include "support/test_database.h"

using namespace orderly;
using storage::Connection;

namespace {

const TimeMs kNow = 1'796'000'000'000;
const TimeMs kTtl = 3600'000;

std::string code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ErrorException& e) {
        return e.error.code;
    }
    return "(no error)";
}

struct Links {
    std::string dir = test::temp_dir();
    storage::Database db{test::database_location(dir, "links.db"), 2};
    test::ManualClock clock{kNow};
    app::TicketEngine engine;
    std::string secret_key = std::string(32, 'k');
    std::function<void()> wake = [] {};
    app::Tickets tickets{db, clock, engine, secret_key, wake, wake};
    app::Workflows workflows{db, clock};
    app::ActionLinks links{db, clock, tickets};
    app::Principal ops, lead, lead2;
    // The tokens minted so far by their hash; the tests read them as the approvers' emails would.
    std::map<std::string, std::string> minted;

    Links() {
        engine.enable_action_links({[this] {
                                        std::string t = crypto::random_token("");
                                        std::string h = crypto::token_hash(t);
                                        minted[h] = t;
                                        return domain::MintedLink{t, h};
                                    },
                                    kTtl});
        db.migrate();
        db.write([&](Connection& c) {
            domain::Role role{"approvers", "approvers", {}, false, 1};
            (void)storage::insert_role(c, role, kNow);
            add(c, ops, "ops", {});
            add(c, lead, "lead", {"approvers"});
            add(c, lead2, "lead2", {"approvers"});
        });
    }
    ~Links() { std::filesystem::remove_all(dir); }

    static void add(Connection& c, app::Principal& p, const char* name,
                    std::vector<std::string> roles) {
        domain::User u;
        u.username = u.display_name = name;
        u.created_at = u.updated_at = kNow;
        p.user_id = *storage::insert_user(c, u, "x");
        (void)storage::set_user_roles(c, p.user_id, roles);
        p.username = name;
        p.roles = roles;
        p.permissions = {"ticket.submit"};
    }
    static app::Caller as(const app::Principal& p) { return app::Caller{&p, "127.0.0.1", "r"}; }
    static app::Caller nobody() { return app::Caller{nullptr, "127.0.0.1", "r"}; }

    // submit -> review (any one of the approvers) -> end, submitted by ops.
    int64_t submit() {
        domain::WorkflowDef d;
        d.name = "review";
        d.type = "change";
        domain::Node submit{"submit", "Request", domain::NodeType::submit, {}, {}, {}, {}};
        domain::Node review{"review", "Review", domain::NodeType::approval, {}, {}, {}, {}};
        review.operators.roles = {"approvers"};
        domain::Node end{"end", "Done", domain::NodeType::end, {}, {}, {}, {}};
        d.nodes = {submit, review, end};
        const auto wf = workflows.create(as(ops), d);
        const auto deployed = workflows.deploy(as(ops), wf.id);
        const int64_t service = db.write([&](Connection& c) {
            storage::Service s;
            s.name = "Change";
            s.workflow_version_id = deployed.version_id;
            return storage::insert_service(c, s, kNow);
        });
        app::SubmitInput in;
        in.ticket.service_id = service;
        in.ticket.title = "replace servers";
        in.body = "{}";
        return tickets.submit(as(ops), in).ticket.ticket.id;
    }

    // The link each approver got for the node that waits for them (minted in their order).
    std::map<std::string, std::string> links_by_approver() {
        std::map<std::string, std::string> out;
        db.read([&](Connection& c) {
            auto s = c.prepare(
                "SELECT u.username, l.token_hash FROM action_links l JOIN users u ON u.id = "
                "l.user_id ORDER BY l.id");
            while (s.step()) out[s.text(0)] = minted.at(s.text(1));
            return 0;
        });
        return out;
    }

    app::ActResult decide(const std::string& token, domain::Action a, std::string text = "",
                          const app::Caller& who = nobody()) {
        return links.decide(who, token, {a, std::move(text)});
    }
};

}  // namespace

TEST_CASE("action links: opened any number of times, decided once", "[storage][app][links]") {
    Links f;
    const int64_t id = f.submit();
    auto by = f.links_by_approver();
    REQUIRE(by.size() == 2);  // one per approver, none for the submitter
    const std::string mine = by.at("lead");

    for (int i = 0; i < 2; ++i) {
        const auto v = f.links.open(Links::nobody(), mine);
        CHECK(v.approver == "lead");
        CHECK_FALSE(v.sign_in_required);
        REQUIRE(v.ticket);
        CHECK(v.ticket->ticket.status == domain::TicketStatus::in_progress);
        CHECK_FALSE(v.link.used_at);
    }
    const auto r = f.decide(mine, domain::Action::approve, "looks fine");
    REQUIRE(r.ticket);
    CHECK(r.ticket->ticket.status == domain::TicketStatus::finished);
    // The timeline says the approval came through a link, by its approver.
    const auto step = std::find_if(r.ticket->steps.begin(), r.ticket->steps.end(),
                                   [](const domain::StepView& s) { return s.action == "approve"; });
    REQUIRE(step != r.ticket->steps.end());
    CHECK(step->actor == "lead");
    CHECK(step->detail_json.value_or("").find("\"via\":\"link\"") != std::string::npos);

    CHECK(code_of([&] { f.decide(mine, domain::Action::approve); }) == "action_link.used");
    CHECK(code_of([&] { f.links.open(Links::nobody(), mine); }) == "action_link.used");
    // The other approver's link died with the step.
    CHECK(code_of([&] { f.links.open(Links::nobody(), by.at("lead2")); }) ==
          "action_link.superseded");
    CHECK(code_of([&] { f.links.open(Links::nobody(), "no-such-link-0123456789"); }) ==
          "action_link.not_found");
    (void)id;
}

TEST_CASE("action links: a step decided by someone else kills the link", "[storage][app][links]") {
    Links f;
    const int64_t id = f.submit();
    const auto by = f.links_by_approver();
    app::ActInput in;
    in.request.action = domain::Action::reject;
    in.request.text = "not now";
    f.tickets.act(Links::as(f.lead2), id, in);
    CHECK(code_of([&] { f.decide(by.at("lead"), domain::Action::approve); }) ==
          "action_link.superseded");
    CHECK(f.tickets.get(Links::as(f.ops), id).ticket.status == domain::TicketStatus::rejected);
}

TEST_CASE("action links: a refused decision leaves the link usable", "[storage][app][links]") {
    Links f;
    f.submit();
    const std::string mine = f.links_by_approver().at("lead");
    // A rejection needs a reason, as on the reject endpoint.
    CHECK(code_of([&] { f.decide(mine, domain::Action::reject, "  "); }) != "(no error)");
    const auto r = f.decide(mine, domain::Action::reject, "变更窗口冲突");
    REQUIRE(r.ticket);
    CHECK(r.ticket->ticket.status == domain::TicketStatus::rejected);
}

TEST_CASE("action links: an expired link decides nothing", "[storage][app][links]") {
    Links f;
    const int64_t id = f.submit();
    const std::string mine = f.links_by_approver().at("lead");
    f.clock.advance(kTtl);
    CHECK(code_of([&] { f.links.open(Links::nobody(), mine); }) == "action_link.expired");
    CHECK(code_of([&] { f.decide(mine, domain::Action::approve); }) == "action_link.expired");
    CHECK(f.tickets.get(Links::as(f.ops), id).ticket.status == domain::TicketStatus::in_progress);
}

TEST_CASE("action links: in a protected environment the approver signs in first",
          "[storage][app][links]") {
    Links f;
    const int64_t id = f.submit();
    const std::string mine = f.links_by_approver().at("lead");
    f.db.write([&](Connection& c) {
        domain::Category env;
        env.key = "prod";
        env.name = "Production";
        env.protected_env = true;
        unwrap(storage::insert_category(c, storage::CategoryKind::environment, env, kNow));
        c.prepare("UPDATE tickets SET environment = 'prod' WHERE id = ?1").bind(1, id).exec();
    });
    const auto anonymous = f.links.open(Links::nobody(), mine);
    CHECK(anonymous.sign_in_required);
    CHECK_FALSE(anonymous.ticket);
    CHECK(code_of([&] { f.decide(mine, domain::Action::approve); }) ==
          "action_link.sign_in_required");
    CHECK(code_of([&] { f.decide(mine, domain::Action::approve, "", Links::as(f.lead2)); }) ==
          "action_link.other_user");
    CHECK(f.links.open(Links::as(f.lead), mine).ticket);
    const auto r = f.decide(mine, domain::Action::approve, "", Links::as(f.lead));
    CHECK(r.ticket->ticket.status == domain::TicketStatus::finished);
}
