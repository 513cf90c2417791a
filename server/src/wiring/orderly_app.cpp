#include "wiring/orderly_app.h"

#include <filesystem>

#include "app/execution_engine.h"
#include "app/notifier.h"
#include "app/window_scheduler.h"

#include "domain/accounts.h"
#include "integrations/crypto.h"
#include "storage/accounts_store.h"
#include "storage/key_check_store.h"
#include "storage/postgres/database.h"
#include "storage/ticket_store.h"

namespace orderly {

namespace {

// Where a file that belongs with the database goes by default: beside an SQLite file
// ("<db>.key", "<db>.work"); a PostgreSQL URI names no directory, so the current one
// ("orderly.key", "orderly-work").
std::string beside_database(const std::string& db_path, const char* suffix, const char* name) {
    if (storage::postgres::is_postgres_uri(db_path)) return name;
    return db_path + suffix;
}

// Loads (or creates) the secret key and refuses one other than the key the database was first
// used with (the first start records a keyed hash of a fixed label, never the key). A key file
// created just now for a database that knows another key is removed again: it was never used.
std::string load_checked_key(storage::Database& db, const std::string& key_path, TimeMs now) {
    std::error_code ec;
    const bool existed = std::filesystem::exists(key_path, ec);
    std::string key = crypto::load_or_create_key(key_path);
    const std::string mine = crypto::hmac_sha256_hex(key, "orderly secret key check");
    const std::string stored =
        db.write([&](storage::Connection& c) { return storage::ensure_key_check(c, mine, now); });
    if (stored == mine) return key;
    if (!existed) std::filesystem::remove(key_path, ec);
    throw std::runtime_error(
        (existed ? "the secret key in " + key_path + " is not"
                 : "there was no secret key file " + key_path + ", and a new key is not") +
        " the key this database was first used with; every node must use the same key "
        "(ORDERLY_SECRET_KEY_FILE with the same contents; a restored backup needs the key it was "
        "used with), or the secrets stored with the other key cannot be read. Refusing to start.");
}

}  // namespace

OrderlyApp::OrderlyApp(AppOptions opts)
    : opts_(std::move(opts)), clock_(opts_.clock ? *opts_.clock : system_clock_) {
    crypto::init();
    db_ = std::make_unique<storage::Database>(opts_.db_path, opts_.db_readers);
    db_->migrate();
    opts_.server.reads_on_workers = db_->remote();
    server_ = std::make_unique<http::Server>(opts_.server);
    // Built in place: App's use cases keep references to its other members.
    app_.reset(new http::App{{*db_, clock_, opts_.app}, server_.get()});
    const std::string key_path = opts_.secret_key_file.empty()
                                     ? beside_database(opts_.db_path, ".key", "orderly.key")
                                     : opts_.secret_key_file;
    app_->secret_key = load_checked_key(*db_, key_path, clock_.now_ms());
    server_->set_authenticator(http::make_authenticator(*app_));
    // Approvers get one-click links: 256 random bits each, of which only the hash is stored.
    app_->tickets.enable_action_links(
        {[] {
             std::string token = crypto::random_token("");
             std::string hash = crypto::token_hash(token);
             return domain::MintedLink{std::move(token), std::move(hash)};
         },
         opts_.action_link_ttl_ms});
    server_->set_read_scope([this](const std::function<http::Response()>& body) {
        return db_->read([&](storage::Connection&) { return body(); });
    });
    http::register_system_routes(*app_, *server_);
    http::register_auth_routes(*app_, *server_);
    http::register_people_routes(*app_, *server_);
    http::register_audit_routes(*app_, *server_);
    http::register_workflow_routes(*app_, *server_);
    http::register_service_routes(*app_, *server_);
    http::register_ticket_routes(*app_, *server_);
    http::register_action_link_routes(*app_, *server_);
    http::register_catalog_routes(*app_, *server_);
    http::register_config_routes(*app_, *server_);
    http::register_variable_routes(*app_, *server_);
    http::register_freeze_routes(*app_, *server_);
    connect_notifications();
    connect_executions();
    windows_ =
        std::make_unique<app::WindowScheduler>(*db_, clock_, app_->tickets, app_->wake_executions,
                                               std::chrono::milliseconds(opts_.window_poll_ms));
    app_->wake_windows = [windows = windows_.get()] { windows->wake(); };
    server_->set_metrics_provider([this] {
        // While the database cannot be reached, the families read from it are left out and
        // orderly_db_up says 0: the scrape itself still succeeds.
        const bool db_up = db_->ping();
        const auto from_db = [db_up](const auto& fn) -> std::string {
            if (!db_up) return {};
            try {
                return fn();
            } catch (const StorageError&) {
                return {};
            }
        };
        std::string out;
        out += from_db([this] {
            return "# HELP orderly_db_schema_version Applied migration.\n"
                   "# TYPE orderly_db_schema_version gauge\norderly_db_schema_version " +
                   std::to_string(db_->schema_version()) + "\n";
        });
        out +=
            "# HELP orderly_db_file_bytes Size of the database file and its write-ahead log.\n"
            "# TYPE orderly_db_file_bytes gauge\n";
        for (const char* suffix : {"", "-wal"}) {
            std::error_code ec;
            auto size = std::filesystem::file_size(opts_.db_path + suffix, ec);
            out += std::string("orderly_db_file_bytes{file=\"") + (*suffix ? "wal" : "main") +
                   "\"} " + std::to_string(ec ? 0 : size) + "\n";
        }
        out +=
            "# HELP orderly_db_up Whether a read on the database succeeds.\n"
            "# TYPE orderly_db_up gauge\n";
        out += std::string("orderly_db_up ") + (db_up ? "1" : "0") + "\n";
        const auto ws = db_->write_stats();
        out +=
            "# HELP orderly_db_writes_total Write transactions committed by this process.\n"
            "# TYPE orderly_db_writes_total counter\n"
            "orderly_db_writes_total " +
            std::to_string(ws.writes) +
            "\n# HELP orderly_db_commits_total Durable commits (fsyncs) that carried them: "
            "writes that arrive together share one (group commit).\n"
            "# TYPE orderly_db_commits_total counter\n"
            "orderly_db_commits_total " +
            std::to_string(ws.commits) +
            "\n# HELP orderly_db_round_trips_total Requests sent to the database server and "
            "waited for (several statements may travel in one); 0 with SQLite, which runs in "
            "the process.\n"
            "# TYPE orderly_db_round_trips_total counter\n"
            "orderly_db_round_trips_total " +
            std::to_string(db_->round_trips()) + "\n";
        const auto pool = db_->pool_stats();
        out +=
            "# HELP orderly_db_pool_connections Connections this process holds open to the "
            "database server, idle or in use; 0 with SQLite.\n"
            "# TYPE orderly_db_pool_connections gauge\n"
            "orderly_db_pool_connections " +
            std::to_string(pool.open) +
            "\n# HELP orderly_db_pool_waiting Transactions waiting for a free connection to the "
            "database server (all are in use); 0 with SQLite.\n"
            "# TYPE orderly_db_pool_waiting gauge\n"
            "orderly_db_pool_waiting " +
            std::to_string(pool.waiting) + "\n";
        out += from_db([this] { return notification_metrics(*db_); });
        out += executions_->metrics_text();
        return out;
    });
    server_->check_complete();
}

// Notifications: the background notifier, and the use cases and routes that wake it.
void OrderlyApp::connect_notifications() {
    NotifierOptions n;
    n.smtp_url = opts_.smtp_url;
    n.smtp_from = opts_.smtp_from;
    n.secret_key = app_->secret_key;
    n.link_base = opts_.app.base_url;
    n.timezone = opts_.app.timezone;
    n.poll_interval = std::chrono::milliseconds(opts_.notify_poll_ms);
    n.backoff.base_ms = opts_.notify_backoff_base_ms;
    n.backoff.cap_ms = opts_.notify_backoff_cap_ms;
    n.lease_ms = opts_.notify_lease_ms;
    n.chat_rate_limit_wait_ms = opts_.notify_chat_rate_limit_wait_ms;
    n.workers = opts_.notify_workers;
    notifier_ = std::make_unique<Notifier>(*db_, clock_, n);
    app::NotifierLink link;
    link.wake = [notifier = notifier_.get()] { notifier->wake(); };
    app_->chat_channels.connect(link.wake);
    link.email_problem = notifier_->email_problem();
    link.test_wait = std::chrono::milliseconds(std::min<int64_t>(n.smtp_timeout_ms + 2000, 20000));
    app_->notifications.connect(std::move(link), opts_.app.base_url, app_->secret_key);
    http::register_notification_routes(*app_, *server_);
    http::register_chat_channel_routes(*app_, *server_);
}

// Executions: the engine that runs approved tasks, and the use cases and routes that use it.
void OrderlyApp::connect_executions() {
    ExecutionEngineOptions x = opts_.executions;
    x.work_dir = opts_.work_dir.empty() ? beside_database(opts_.db_path, ".work", "orderly-work")
                                        : opts_.work_dir;
    x.api_url = opts_.app.base_url;
    // Log long-polls hold a worker of the server: leave at least half of them to others.
    x.max_log_waiters = std::min(x.max_log_waiters, std::max(1, opts_.server.workers / 2));
    executions_ = std::make_unique<ExecutionEngine>(
        *db_, clock_, x, snapshot_argv_builder(app_->secret_key),
        [this](storage::Connection& c, int64_t ticket_id, int64_t execution_id, bool succeeded,
               TimeMs now) {
            storage::SqlTicketPorts ports(c);
            app_->tickets.execution_finished(ports.ports, ticket_id, execution_id, succeeded, now);
        });
    // What the ticket handlers use of the engine: wake after an enqueue.
    app_->wake_executions = [engine = executions_.get()] { engine->wake(); };
    // What the execution use cases use of it: cancel, log waits, the finish hook.
    app::ExecutionEngineLink link;
    link.cancel_requested = [engine = executions_.get()](int64_t id) {
        engine->cancel_requested(id);
    };
    link.wait_for_log = [engine = executions_.get()](int64_t id, int64_t size,
                                                     std::chrono::steady_clock::time_point until) {
        return engine->wait_for_log(id, size, until);
    };
    link.on_finished = executions_->finish_hook();
    app_->runs.connect(std::move(link));
    http::register_execution_routes(*app_, *server_);
}

OrderlyApp::~OrderlyApp() {
    stop(std::chrono::milliseconds(2000));
}

void OrderlyApp::start() {
    server_->start();
    notifier_->start();
    executions_->start();
    windows_->start();
}

void OrderlyApp::stop(std::chrono::milliseconds deadline) {
    executions_->release_log_waiters();  // held log long-polls answer now
    server_->stop(deadline);
    windows_->stop();
    notifier_->stop();
    executions_->stop();
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
