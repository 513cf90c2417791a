// Demo data for both scenarios of PRODUCT.md, loaded by `orderly serve --demo` into an empty
// database. The users and passwords are printed at start and listed in README.md.
#include "app/orderly_app.h"
#include "domain/accounts.h"
#include "storage/accounts_store.h"

namespace orderly {

namespace {
struct DemoUser {
    const char* username;
    const char* display_name;
    const char* password;
    std::vector<std::string> roles;
};
}  // namespace

std::vector<std::pair<std::string, std::string>> OrderlyApp::load_demo() {
    bool empty = db_->read([](storage::Connection& c) { return storage::count_users(c) == 0; });
    if (!empty) return {};
    const TimeMs now = clock_.now_ms();
    db_->write([&](storage::Connection& c) {
        auto role = [&](const char* key, const char* name, std::vector<std::string> perms) {
            domain::Role r{key, name, std::move(perms), false, 1};
            (void)storage::insert_role(c, r, now);
        };
        role("ops", "运维 Ops", {"ticket.submit"});
        role("ops_lead", "运维组长 Ops lead", {"ticket.submit"});
        role("qc", "质量保障 QC", {});
        role("product", "产品 Product", {});
        role("auditor", "审计 Auditor", {"audit.read", "ticket.read_all"});
        role("catalog_admin", "Catalog admin", {"catalog.manage", "workflow.manage"});
    });
    const std::vector<DemoUser> users = {
        {"admin", "管理员 Admin", "admin-demo-pass", {"admin"}},
        {"ops", "运维 Ops (Li Lei)", "ops-demo-pass", {"ops"}},
        {"lead", "运维组长 Lead (Han Meimei)", "lead-demo-pass", {"ops_lead"}},
        {"lead2", "二级审核 Lead 2 (Wang Fang)", "lead2-demo-pass", {"ops_lead"}},
        {"qc", "质量保障 QC (Zhao Qiang)", "qc-demo-pass", {"qc"}},
        {"product", "产品 Product (Chen Jing)", "product-demo-pass", {"product"}},
        {"auditor", "审计 Auditor (Liu Yang)", "auditor-demo-pass", {"auditor"}},
    };
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& u : users) {
        if (create_user(*db_, clock_, u.username, u.display_name, u.password, u.roles, "demo").ok())
            out.emplace_back(u.username, u.password);
    }
    db_->write([&](storage::Connection& c) {
        domain::Business b{"app01",
                           "业务 A (app01)",
                           "Demo business for the environment change scenario",
                           {},
                           now,
                           now,
                           1};
        (void)storage::insert_business(c, b, now);
        (void)storage::set_business_members(
            c, "app01",
            {{"ops", {"ops"}}, {"ops_lead", {"lead"}}, {"qc", {"qc"}}, {"product", {"product"}}});
    });
    return out;
}

}  // namespace orderly
