#include "app/orderly_app.h"

#include "domain/accounts.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"

namespace orderly {

OrderlyApp::OrderlyApp(AppOptions opts) : opts_(std::move(opts)) {
    crypto::init();
    db_ = std::make_unique<storage::Database>(opts_.db_path, opts_.db_readers);
    db_->migrate();
    server_ = std::make_unique<http::Server>(opts_.server);
    app_ = std::make_unique<http::App>(http::App{*db_, clock_, opts_.app, server_.get()});
    server_->set_authenticator(http::make_authenticator(*app_));
    http::register_system_routes(*app_, *server_);
    http::register_auth_routes(*app_, *server_);
    http::register_people_routes(*app_, *server_);
    http::register_audit_routes(*app_, *server_);
    server_->set_metrics_provider([this] {
        std::string out;
        out +=
            "# HELP orderly_db_schema_version Applied migration.\n# TYPE orderly_db_schema_version "
            "gauge\n";
        out += "orderly_db_schema_version " + std::to_string(db_->schema_version()) + "\n";
        return out;
    });
    server_->check_complete();
}

OrderlyApp::~OrderlyApp() {
    stop(std::chrono::milliseconds(2000));
}

void OrderlyApp::start() {
    server_->start();
}

void OrderlyApp::stop(std::chrono::milliseconds deadline) {
    server_->stop(deadline);
}

Result<int64_t> create_user(storage::Database& db, const Clock& clock, const std::string& username,
                            const std::string& display_name, const std::string& password,
                            const std::vector<std::string>& roles, const std::string& actor_note) {
    const std::string hash = crypto::hash_password(password);
    TimeMs now = clock.now_ms();
    return db.write([&](storage::Connection& c) -> Result<int64_t> {
        domain::User u;
        u.username = username;
        u.display_name = display_name;
        u.created_at = u.updated_at = now;
        auto id = storage::insert_user(c, u, hash);
        if (!id.ok()) return id.error();
        auto r = storage::set_user_roles(c, *id, roles);
        if (!r.ok()) return r.error();
        domain::AuditEvent e;
        e.at = now;
        e.action = "user.create";
        e.object_type = "user";
        e.object_id = std::to_string(*id);
        e.summary = "created user " + username + " (" + actor_note + ")";
        storage::append_audit(c, e);
        return *id;
    });
}

bool OrderlyApp::ensure_admin(const std::string& password) {
    bool empty = db_->read([](storage::Connection& c) { return storage::count_users(c) == 0; });
    if (!empty) return false;
    auto r = create_user(*db_, clock_, "admin", "Administrator", password, {"admin"},
                         "ORDERLY_ADMIN_PASSWORD");
    return r.ok();
}

}  // namespace orderly
