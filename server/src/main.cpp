// orderly: serve | migrate | user add | backup | migrate-db | version. main only parses and wires.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "integrations/calendar.h"
#include "integrations/crypto.h"
#include "wiring/migrate_db.h"
#include "wiring/orderly_app.h"

namespace {

const char* kUsage =
    "usage:\n"
    "  orderly serve [--listen HOST:PORT] [--db PATH] [--demo] [--ui DIR] [--threads N]\n"
    "                [--workers N] [--max-body BYTES]\n"
    "  orderly migrate [--db PATH]\n"
    "  orderly user add USERNAME [--role ROLE]... [--display-name NAME] [--db PATH]\n"
    "                (the password is read from standard input)\n"
    "  orderly backup --to FILE [--db PATH]\n"
    "  orderly migrate-db --from SQLITE_FILE --to postgresql://...\n"
    "                (copies every table into an empty PostgreSQL database; stop the nodes first)\n"
    "  orderly version\n"
    "environment (flags win): ORDERLY_LISTEN, ORDERLY_DB, ORDERLY_ADMIN_PASSWORD, ORDERLY_UI_DIR,\n"
    "  ORDERLY_SMTP_URL, ORDERLY_SMTP_FROM, ORDERLY_BASE_URL, ORDERLY_SECRET_KEY_FILE,\n"
    "  ORDERLY_TRUSTED_PROXIES (addresses/CIDRs whose X-Forwarded-For names the client),\n"
    "  ORDERLY_TIMEZONE (UTC: the IANA time zone of notifications for readers without one)\n"
    "  executions: ORDERLY_WORK_DIR (default <db>.work; ./orderly-work for a postgresql:// URI),\n"
    "  ORDERLY_EXECUTION_WORKERS (16), ORDERLY_EXECUTION_LOG_MAX_BYTES (16777216),\n"
    "  ORDERLY_EXECUTION_KILL_GRACE_S (5), ORDERLY_EXECUTION_HEARTBEAT_S (5),\n"
    "  ORDERLY_EXECUTION_LEASE_S (30)\n"
    "  notifications: ORDERLY_NOTIFY_WORKERS (1: sends at once), ORDERLY_NOTIFY_LEASE_S (30: a\n"
    "  server that died leaves the notifications it held to the others this long after)\n"
    "  approval links in notifications: ORDERLY_ACTION_LINK_TTL (72h; seconds, or 30m, 72h, 3d)\n"
    "  change windows: ORDERLY_WINDOW_POLL_S (30: how often a node looks for tickets that\n"
    "  other nodes scheduled)\n"
    "  database: ORDERLY_DB_READERS (4: connections that serve reads; PostgreSQL adds one for\n"
    "  writes, one that listens and one for serial numbers)\n";

std::string env_or(const char* name, std::string def) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : def;
}

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "orderly: %s\n%s", msg.c_str(), kUsage);
    std::exit(2);
}

struct Args {
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> flags;
    bool has(const std::string& f) const {
        for (const auto& [k, v] : flags)
            if (k == f) return true;
        return false;
    }
    std::string get(const std::string& f, std::string def) const {
        for (const auto& [k, v] : flags)
            if (k == f) return v;
        return def;
    }
    std::vector<std::string> all(const std::string& f) const {
        std::vector<std::string> out;
        for (const auto& [k, v] : flags)
            if (k == f) out.push_back(v);
        return out;
    }
};

Args parse(int argc, char** argv, int from, const std::vector<std::string>& bool_flags) {
    Args a;
    for (int i = from; i < argc; ++i) {
        std::string s = argv[i];
        if (s.rfind("--", 0) == 0) {
            auto eq = s.find('=');
            if (eq != std::string::npos) {
                a.flags.emplace_back(s.substr(0, eq), s.substr(eq + 1));
            } else if (std::find(bool_flags.begin(), bool_flags.end(), s) != bool_flags.end()) {
                a.flags.emplace_back(s, "1");
            } else {
                if (i + 1 >= argc) usage_error("missing value for " + s);
                a.flags.emplace_back(s, argv[++i]);
            }
        } else {
            a.positional.push_back(s);
        }
    }
    return a;
}

void split_listen(const std::string& listen, std::string& host, uint16_t& port) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) usage_error("--listen must be HOST:PORT, got " + listen);
    host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    try {
        int p = std::stoi(listen.substr(colon + 1));
        if (p < 0 || p > 65535) throw std::out_of_range("port");
        port = static_cast<uint16_t>(p);
    } catch (const std::exception&) {
        usage_error("--listen must be HOST:PORT, got " + listen);
    }
}

std::string default_ui_dir(const char* argv0) {
    // build/orderly -> ../webui/dist
    std::string exe = argv0;
    auto slash = exe.rfind('/');
    std::string dir = slash == std::string::npos ? "." : exe.substr(0, slash);
    return dir + "/../webui/dist";
}

// Long on purpose: each flag and environment variable of `orderly serve`, read in one place.
int serve(int argc, char** argv) {
    Args a = parse(argc, argv, 2, {"--demo"});
    orderly::AppOptions o;
    o.db_path = a.get("--db", env_or("ORDERLY_DB", "orderly.db"));
    split_listen(a.get("--listen", env_or("ORDERLY_LISTEN", "127.0.0.1:8080")), o.server.host,
                 o.server.port);
    o.server.ui_dir = a.get("--ui", env_or("ORDERLY_UI_DIR", default_ui_dir(argv[0])));
    try {
        o.server.threads = std::stoi(a.get("--threads", "2"));
        o.server.workers = std::stoi(a.get("--workers", "64"));
        o.server.max_body_bytes = std::stoul(a.get("--max-body", std::to_string(1 << 20)));
        if (o.server.threads < 1 || o.server.threads > 256 || o.server.workers < 2 ||
            o.server.workers > 1024)
            throw std::out_of_range("server settings");
    } catch (const std::exception&) {
        usage_error("--threads (1-256), --workers (2-1024) and --max-body take numbers");
    }
    {
        auto proxies = orderly::http::TrustedProxies::parse(env_or("ORDERLY_TRUSTED_PROXIES", ""));
        if (!proxies.ok()) {
            std::fprintf(stderr,
                         "orderly: ORDERLY_TRUSTED_PROXIES must be a comma-separated list of IP "
                         "addresses and CIDR blocks: %s\n",
                         proxies.error().message.c_str());
            return 2;
        }
        o.server.trusted_proxies = std::move(*proxies);
    }
    o.secret_key_file = env_or("ORDERLY_SECRET_KEY_FILE", "");
    o.smtp_url = env_or("ORDERLY_SMTP_URL", "");
    o.smtp_from = env_or("ORDERLY_SMTP_FROM", "");
    o.work_dir = env_or("ORDERLY_WORK_DIR", "");  // where executions get their directories
    try {
        o.executions.workers = std::stoi(env_or("ORDERLY_EXECUTION_WORKERS", "16"));
        o.executions.max_log_bytes =
            std::stoull(env_or("ORDERLY_EXECUTION_LOG_MAX_BYTES", std::to_string(16 << 20)));
        o.executions.kill_grace =
            std::chrono::seconds(std::stoi(env_or("ORDERLY_EXECUTION_KILL_GRACE_S", "5")));
        // A node renews its leases and looks for lost nodes' executions every heartbeat.
        o.executions.heartbeat_interval =
            std::chrono::seconds(std::stoi(env_or("ORDERLY_EXECUTION_HEARTBEAT_S", "5")));
        o.executions.recovery_interval = o.executions.heartbeat_interval;
        o.executions.lease =
            std::chrono::seconds(std::stoi(env_or("ORDERLY_EXECUTION_LEASE_S", "30")));
        o.notify_lease_ms = 1000 * std::stoll(env_or("ORDERLY_NOTIFY_LEASE_S", "30"));
        // One send at a time: a node that dies mid-send leaves at most that one message to be
        // sent again by another node.
        o.notify_workers = std::stoi(env_or("ORDERLY_NOTIFY_WORKERS", "1"));
        o.window_poll_ms = 1000 * std::stoll(env_or("ORDERLY_WINDOW_POLL_S", "30"));
        o.db_readers = std::stoi(env_or("ORDERLY_DB_READERS", "4"));
        if (o.db_readers < 1 || o.db_readers > 64 || o.executions.workers < 1 ||
            o.executions.workers > 256 || o.executions.max_log_bytes < 4096 ||
            o.executions.kill_grace.count() < 0 || o.executions.heartbeat_interval.count() < 1 ||
            o.executions.heartbeat_interval.count() > 3600 * 1000 ||
            o.executions.lease < 2 * o.executions.heartbeat_interval || o.notify_lease_ms < 1000 ||
            o.notify_lease_ms > 3600'000 || o.notify_workers < 1 || o.notify_workers > 64 ||
            o.window_poll_ms < 1000 || o.window_poll_ms > 3600'000)
            throw std::out_of_range("execution and notification settings");
    } catch (const std::exception&) {
        usage_error(
            "ORDERLY_EXECUTION_WORKERS (1-256), ORDERLY_EXECUTION_LOG_MAX_BYTES (>= 4096), "
            "ORDERLY_EXECUTION_KILL_GRACE_S, ORDERLY_EXECUTION_HEARTBEAT_S (1-3600), "
            "ORDERLY_EXECUTION_LEASE_S (at least twice the heartbeat), ORDERLY_NOTIFY_WORKERS "
            "(1-64), ORDERLY_NOTIFY_LEASE_S and ORDERLY_WINDOW_POLL_S (1-3600), "
            "ORDERLY_DB_READERS (1-64) take numbers");
    }
    if (auto ttl = orderly::parse_duration_ms(env_or("ORDERLY_ACTION_LINK_TTL", "72h")))
        o.action_link_ttl_ms = *ttl;
    else
        usage_error("ORDERLY_ACTION_LINK_TTL takes a duration: seconds, or e.g. 72h, 30m, 3d");
    o.app.base_url =
        env_or("ORDERLY_BASE_URL", "http://" + o.server.host + ":" + std::to_string(o.server.port));
    o.app.timezone = env_or("ORDERLY_TIMEZONE", "UTC");
    if (!orderly::calendar::known_timezone(o.app.timezone))
        usage_error(
            "ORDERLY_TIMEZONE takes an IANA time zone such as Asia/Shanghai or UTC, not \"" +
            o.app.timezone + "\"");

    // Block the shutdown signals before any thread starts (threads inherit the mask), then
    // sigwait: only this thread ever receives them, so no handler runs on a random thread.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    orderly::OrderlyApp app(o);
    auto admin_pw = env_or("ORDERLY_ADMIN_PASSWORD", "");
    if (!admin_pw.empty() && app.ensure_admin(admin_pw))
        std::fprintf(stderr, "orderly: created user admin from ORDERLY_ADMIN_PASSWORD\n");
    app.start();
    if (a.has("--demo")) {
        auto users = app.load_demo();
        if (users.empty()) {
            std::fprintf(stderr, "orderly: --demo ignored: the database already has users\n");
        } else {
            std::fprintf(stderr, "orderly: demo data loaded; users (username / password):\n");
            for (const auto& [u, p] : users)
                std::fprintf(stderr, "  %-10s %s\n", u.c_str(), p.c_str());
        }
    }
    std::fprintf(stderr, "orderly: serving on http://%s:%u (database %s)\n", o.server.host.c_str(),
                 static_cast<unsigned>(app.port()), o.db_path.c_str());
    int sig = 0;
    sigwait(&set, &sig);
    std::fprintf(stderr, "orderly: %s received, draining\n", strsignal(sig));
    app.stop(std::chrono::milliseconds(10000));
    std::fprintf(stderr, "orderly: stopped\n");
    return 0;
}

int migrate(int argc, char** argv) {
    Args a = parse(argc, argv, 2, {});
    orderly::storage::Database db(a.get("--db", env_or("ORDERLY_DB", "orderly.db")), 1);
    int v = db.migrate();
    std::printf("schema version %d\n", v);
    return 0;
}

int user_add(int argc, char** argv) {
    Args a = parse(argc, argv, 3, {});
    if (a.positional.size() != 1) usage_error("user add takes one USERNAME");
    std::string password;
    if (!std::getline(std::cin, password)) usage_error("no password on standard input");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.size() < 8) {
        std::fprintf(stderr, "orderly: the password must be at least 8 characters\n");
        return 1;
    }
    orderly::crypto::init();
    orderly::storage::Database db(a.get("--db", env_or("ORDERLY_DB", "orderly.db")), 1);
    db.migrate();
    orderly::SystemClock clock;
    auto r =
        orderly::create_user(db, clock, a.positional[0], a.get("--display-name", a.positional[0]),
                             password, a.all("--role"), "orderly user add");
    if (!r.ok()) {
        std::fprintf(stderr, "orderly: %s\n", r.error().message.c_str());
        return 1;
    }
    std::printf("created user %s (id %lld)\n", a.positional[0].c_str(), static_cast<long long>(*r));
    return 0;
}

int backup(int argc, char** argv) {
    Args a = parse(argc, argv, 2, {});
    std::string to = a.get("--to", "");
    if (to.empty()) usage_error("backup needs --to FILE");
    if (access(to.c_str(), F_OK) == 0) {
        std::fprintf(stderr, "orderly: %s already exists; choose a new file\n", to.c_str());
        return 1;
    }
    orderly::storage::Database db(a.get("--db", env_or("ORDERLY_DB", "orderly.db")), 1);
    db.backup_to(to);
    std::printf("backed up to %s\n", to.c_str());
    return 0;
}

int migrate_db(int argc, char** argv) {
    Args a = parse(argc, argv, 2, {});
    const std::string from = a.get("--from", ""), to = a.get("--to", "");
    if (from.empty() || to.empty()) usage_error("migrate-db needs --from FILE and --to URI");
    return orderly::migrate_db(from, to, stdout, stderr);
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);  // a write to a closed socket fails with EPIPE, not a kill
    if (argc < 2) usage_error("missing command");
    std::string cmd = argv[1];
    try {
        if (cmd == "serve") return serve(argc, argv);
        if (cmd == "migrate") return migrate(argc, argv);
        if (cmd == "user" && argc >= 3 && std::string(argv[2]) == "add")
            return user_add(argc, argv);
        if (cmd == "backup") return backup(argc, argv);
        if (cmd == "migrate-db") return migrate_db(argc, argv);
        if (cmd == "version" || cmd == "--version") {
            std::printf("orderly 0.1.0\n");
            return 0;
        }
        if (cmd == "help" || cmd == "--help" || cmd == "-h") {
            std::printf("%s", kUsage);
            return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "orderly: %s\n", e.what());
        return 1;
    }
    usage_error("unknown command " + cmd);
}
