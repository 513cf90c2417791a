#include "app/execution_engine.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/codes.h"
#include "core/json.h"
#include "domain/command.h"
#include "http/api_catalog.h"
#include "integrations/crypto.h"
#include "integrations/process_runner.h"
#include "storage/accounts_store.h"

namespace orderly {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr const char* kMask = "******";

std::mutex g_engine_log_mu;

// What the exception being handled says. Worker threads catch everything: an escaping
// exception would end the server, and ErrorException (a handler's unwind) is no std::exception.
std::string current_exception_text() {
    try {
        throw;
    } catch (const ErrorException& e) {
        return e.error.message +
               (e.error.log_detail.empty() ? "" : " (" + e.error.log_detail + ")");
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

bool is_cont(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// Length of the UTF-8 sequence starting at s[i] when it is complete and valid; 0 when invalid;
// -1 when it could become valid with more bytes.
int utf8_sequence(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4)) return 0;
    size_t avail = std::min<size_t>(len, s.size() - i);
    for (size_t k = 1; k < avail; ++k)
        if (!is_cont(b(k))) return 0;
    if (avail >= 2) {
        unsigned char d = b(1);
        if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d >= 0xA0) || (c == 0xF0 && d < 0x90) ||
            (c == 0xF4 && d >= 0x90))
            return 0;  // overlong, surrogate or beyond U+10FFFF
    }
    return avail < static_cast<size_t>(len) ? -1 : len;
}

const char* signal_name(int sig) {
    switch (sig) {
        case SIGHUP:
            return "SIGHUP";
        case SIGINT:
            return "SIGINT";
        case SIGQUIT:
            return "SIGQUIT";
        case SIGILL:
            return "SIGILL";
        case SIGABRT:
            return "SIGABRT";
        case SIGBUS:
            return "SIGBUS";
        case SIGFPE:
            return "SIGFPE";
        case SIGKILL:
            return "SIGKILL";
        case SIGSEGV:
            return "SIGSEGV";
        case SIGPIPE:
            return "SIGPIPE";
        case SIGALRM:
            return "SIGALRM";
        case SIGTERM:
            return "SIGTERM";
        default:
            return "a signal";
    }
}

std::string human_bytes(size_t n) {
    if (n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
    if (n % (1u << 10) == 0) return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

// Masks every string in a JSON value (variable values), keys included.
void mask_json(json::Value& v, json::Document::AllocatorType& a,
               const std::vector<std::string>& secrets) {
    if (v.IsString()) {
        std::string s(v.GetString(), v.GetStringLength());
        std::string m = domain::mask_secrets(s, secrets);
        if (m != s) v.SetString(m.c_str(), static_cast<rapidjson::SizeType>(m.size()), a);
    } else if (v.IsArray()) {
        for (auto& x : v.GetArray()) mask_json(x, a, secrets);
    } else if (v.IsObject()) {
        for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) mask_json(m->value, a, secrets);
    }
}

std::string masked_variables(const std::string& text, const std::vector<std::string>& secrets) {
    json::Document d;
    if (text.empty() || !json::parse_untrusted(text, d).ok() || !d.IsObject()) return "{}";
    mask_json(d, d.GetAllocator(), secrets);
    return json::to_string(d);
}

std::string masked_argv(const std::vector<std::string>& argv,
                        const std::vector<std::string>& secrets) {
    json::Writer w;
    w.start_array();
    for (const auto& a : argv) w.str(domain::mask_secrets(a, secrets));
    w.end_array();
    return w.take();
}

}  // namespace

// ---- the production builder

ArgvBuilder snapshot_argv_builder(const http::App& app) {
    return [&app](storage::Connection& c, const storage::ExecutionRow& e) -> Result<PreparedRun> {
        auto ticket = storage::find_ticket_snapshot(c, e.ticket_id);
        if (!ticket)
            return Error::NotFound("ticket " + std::to_string(e.ticket_id) + " is gone")
                .with(codes::ticket_not_found, {{"id", e.ticket_id}});
        if (ticket->template_snapshot.empty())
            return Error::Unprocessable("ticket " + std::to_string(e.ticket_id) +
                                        " has no task template to run")
                .with(codes::service_no_template);
        PreparedRun run;
        auto argv = http::revalidate_snapshot(c, app, ticket->template_snapshot, &run.secrets);
        if (!argv.ok()) return argv.error();
        run.argv = std::move(argv.value());
        json::Document snap;
        snap.Parse(ticket->template_snapshot.data(), ticket->template_snapshot.size());
        if (!snap.HasParseError() && snap.IsObject())
            run.timeout_s = json::get_int(snap, "timeout_s").value_or(0);
        // The values as the submitter chose them (a value or a list); the engine masks secrets.
        run.variables_json = ticket->variables.empty() ? "{}" : ticket->variables;
        return run;
    };
}

// ---- LogFilter

LogFilter::LogFilter(std::vector<std::string> secrets) {
    for (auto& s : secrets)
        if (!s.empty()) secrets_.push_back(std::move(s));
    std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
    for (const auto& s : secrets_) first_byte_[static_cast<unsigned char>(s[0])] = true;
}

std::string LogFilter::feed(std::string_view raw) {
    return mask(sanitize(raw, false), false);
}

std::string LogFilter::finish() {
    return mask(sanitize({}, true), true);
}

std::string LogFilter::sanitize(std::string_view raw, bool final) {
    std::string joined;
    std::string_view in = raw;
    if (!utf8_carry_.empty()) {
        joined = std::move(utf8_carry_);
        utf8_carry_.clear();
        joined.append(raw);
        in = joined;
    }
    std::string out;
    out.reserve(in.size());
    size_t i = 0, run = 0;  // [run, i) is valid text not yet copied
    while (i < in.size()) {
        if (static_cast<unsigned char>(in[i]) < 0x80) {
            ++i;
            continue;
        }
        int len = utf8_sequence(in, i);
        if (len > 0) {
            i += static_cast<size_t>(len);
            continue;
        }
        out.append(in, run, i - run);
        if (len < 0 && !final) {  // incomplete at the end: wait for the rest
            utf8_carry_.assign(in.substr(i));
            return out;
        }
        out += kReplacement;
        ++i;
        run = i;
    }
    out.append(in, run, in.size() - run);
    return out;
}

std::string LogFilter::mask(std::string_view text, bool final) {
    if (secrets_.empty()) return std::string(text);
    std::string joined;
    std::string_view in = text;
    if (!mask_carry_.empty()) {
        joined = std::move(mask_carry_);
        mask_carry_.clear();
        joined.append(text);
        in = joined;
    }
    std::string out;
    out.reserve(in.size());
    size_t i = 0, run = 0;
    while (i < in.size()) {
        if (!first_byte_[static_cast<unsigned char>(in[i])]) {
            ++i;
            continue;
        }
        size_t match = 0;
        bool undecided = false;
        const size_t left = in.size() - i;
        for (const auto& s : secrets_) {  // longest first
            if (s.size() <= left) {
                if (in.compare(i, s.size(), s) == 0) {
                    match = s.size();
                    break;
                }
            } else if (!final && in.compare(i, left, s, 0, left) == 0) {
                undecided = true;  // a longer secret may be completed by the next read
                break;
            }
        }
        if (undecided) {
            out.append(in, run, i - run);
            mask_carry_.assign(in.substr(i));
            return out;
        }
        if (match) {
            out.append(in, run, i - run);
            out += kMask;
            i += match;
            run = i;
        } else {
            ++i;
        }
    }
    out.append(in, run, in.size() - run);
    return out;
}

// ---- one run

// Receives a running task's output: filters it, caps it, and stores it in chunks.
class RunObserver final : public integrations::ProcessObserver {
  public:
    RunObserver(ExecutionEngine& engine, int64_t id, std::vector<std::string> secrets)
        : engine_(engine), id_(id), filter_(std::move(secrets)), last_flush_(SteadyClock::now()) {}

    void started(pid_t pid) override {
        // Recorded at once: a server that dies from here on leaves enough to find the group.
        engine_.db_.write(
            [&](storage::Connection& c) { storage::set_execution_pgid(c, id_, pid); });
    }

    void output(std::string_view raw) override {
        if (capped_) {
            dropped_ += raw.size();  // read and dropped: the task keeps running
            return;
        }
        add(filter_.feed(raw));
        if (pending_.size() >= engine_.opts_.flush_bytes) flush();
    }

    integrations::StopRequest poll() override {
        if (!pending_.empty() && SteadyClock::now() - last_flush_ >= engine_.opts_.flush_interval)
            flush();
        if (engine_.stopping()) return integrations::StopRequest::shutdown;
        std::lock_guard lock(engine_.mu_);
        if (engine_.cancels_.count(id_)) return integrations::StopRequest::cancel;
        return integrations::StopRequest::none;
    }

    // What is still pending (held-back bytes included), then `tail` (the engine's own lines).
    // The caller stores it in the transaction that records the end.
    std::string take_rest(const std::string& tail) {
        if (!capped_) add(filter_.finish());
        if (dropped_ > 0)
            pending_ += "[orderly] " + std::to_string(dropped_) +
                        " bytes of output were discarded after the log limit\n";
        pending_ += tail;
        return std::move(pending_);
    }
    int64_t dropped() const { return static_cast<int64_t>(dropped_); }

  private:
    void add(const std::string& text) {
        const size_t cap = engine_.opts_.max_log_bytes;
        if (kept_ + text.size() <= cap) {
            pending_ += text;
            kept_ += text.size();
            if (!text.empty()) last_ = text.back();
            return;
        }
        size_t take = cap - kept_;
        while (take > 0 && is_cont(static_cast<unsigned char>(text[take]))) --take;
        pending_.append(text, 0, take);
        kept_ += take;
        dropped_ += text.size() - take;
        if (take > 0) last_ = text[take - 1];
        if (last_ != '\n') pending_ += '\n';
        pending_ += "[orderly] the log reached its limit of " + human_bytes(cap) +
                    "; further output is discarded (the task keeps running)\n";
        capped_ = true;
    }

    void flush() {
        if (pending_.empty()) return;
        engine_.db_.write([&](storage::Connection& c) {
            stored_ = storage::append_execution_log(c, id_, stored_, pending_,
                                                    static_cast<int64_t>(dropped_));
        });
        pending_.clear();
        last_flush_ = SteadyClock::now();
        engine_.notify_log(id_);
    }

    ExecutionEngine& engine_;
    int64_t id_;
    LogFilter filter_;
    std::string pending_;
    int64_t stored_ = 0;  // log bytes in the database
    size_t kept_ = 0;     // output bytes accepted into the log
    size_t dropped_ = 0;
    bool capped_ = false;
    char last_ = '\n';  // the last output byte kept
    SteadyClock::time_point last_flush_;
};

// ---- engine

ExecutionEngine::ExecutionEngine(storage::Database& db, const Clock& clock,
                                 ExecutionEngineOptions opts, ArgvBuilder builder,
                                 FinishHook on_finished)
    : db_(db),
      clock_(clock),
      opts_(std::move(opts)),
      builder_(std::move(builder)),
      on_finished_(std::move(on_finished)),
      identity_(integrations::self_identity()) {
    opts_.workers = std::max(1, opts_.workers);
    opts_.max_log_waiters = std::max(0, opts_.max_log_waiters);
}

ExecutionEngine::~ExecutionEngine() {
    stop();
}

void ExecutionEngine::log(const char* level, const std::string& msg, int64_t id) const {
    json::Writer w;
    w.start_object()
        .kv("ts", format_rfc3339(clock_.now_ms()))
        .kv("level", level)
        .kv("component", "executions")
        .kv("msg", msg);
    if (id) w.kv("execution_id", id);
    w.end_object();
    std::lock_guard lock(g_engine_log_mu);
    std::fprintf(stderr, "%s\n", w.take().c_str());
}

void ExecutionEngine::start() {
    if (started_.exchange(true)) return;
    if (!opts_.work_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(opts_.work_dir, ec);
        chmod(opts_.work_dir.c_str(), 0700);
    }
    try {
        recover();
    } catch (...) {
        log("error", "recovery failed: " + current_exception_text());
    }
    for (int i = 0; i < opts_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
    threads_.emplace_back([this] { monitor_loop(); });
}

void ExecutionEngine::stop() {
    release_log_waiters();
    if (stop_.exchange(true)) return;
    cv_.notify_all();
    log_cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void ExecutionEngine::release_log_waiters() {
    waiters_released_ = true;
    std::lock_guard lock(log_mu_);
    log_cv_.notify_all();
}

void ExecutionEngine::wake() {
    ++wakes_;
    cv_.notify_all();
}

void ExecutionEngine::cancel_requested(int64_t id) {
    std::lock_guard lock(mu_);
    if (active_.count(id)) cancels_.insert(id);
}

void ExecutionEngine::notify_log(int64_t id) {
    std::lock_guard lock(log_mu_);
    auto it = log_gen_.find(id);
    if (it == log_gen_.end()) return;
    ++it->second;
    log_cv_.notify_all();
}

bool ExecutionEngine::wait_for_log(int64_t id, int64_t log_size, SteadyClock::time_point deadline) {
    if (waiters_.fetch_add(1) >= opts_.max_log_waiters) {
        --waiters_;
        return false;
    }
    struct Release {
        ExecutionEngine& e;
        int64_t id;
        ~Release() {
            std::lock_guard lock(e.log_mu_);
            // The entry is shared by the waiters of one execution; the last one removes it.
            if (--e.waiters_ == 0) e.log_gen_.clear();
        }
    } release{*this, id};
    for (;;) {
        uint64_t gen;
        {
            std::lock_guard lock(log_mu_);
            gen = log_gen_[id];
        }
        // Read after taking the generation: output stored after this read bumps it.
        bool ready = db_.read([&](storage::Connection& c) {
            auto e = storage::find_execution(c, id);
            return !e || e->log_size > log_size || e->finished();
        });
        auto now = SteadyClock::now();
        if (ready || now >= deadline || stopping() || waiters_released_) return true;
        // Another process may be the writer: look at the database at least twice a second.
        auto until = std::min(deadline, now + std::chrono::milliseconds(500));
        std::unique_lock lock(log_mu_);
        log_cv_.wait_until(lock, until,
                           [&] { return stopping() || waiters_released_ || log_gen_[id] != gen; });
    }
}

void ExecutionEngine::worker_loop() {
    while (!stopping()) {
        uint64_t seen = wakes_.load();
        std::optional<storage::ExecutionRow> row;
        try {
            row = db_.write([&](storage::Connection& c) {
                return storage::claim_next_execution(c, identity_, crypto::random_hex(16),
                                                     clock_.now_ms());
            });
        } catch (...) {
            log("error", "claiming an execution failed: " + current_exception_text());
        }
        if (row) {
            try {
                execute(*row);
            } catch (...) {  // never expected: execute handles its own failures
                log("error", "execution failed unexpectedly: " + current_exception_text(), row->id);
            }
            continue;
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, opts_.poll_interval,
                     [&] { return stopping() || wakes_.load() != seen; });
    }
}

void ExecutionEngine::monitor_loop() {
    auto next_heartbeat = SteadyClock::now() + opts_.heartbeat_interval;
    auto next_recovery = SteadyClock::now() + opts_.recovery_interval;
    while (!stopping()) {
        {
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, opts_.cancel_check_interval, [&] { return stopping(); });
            if (stopping()) return;
        }
        try {
            bool busy;
            {
                std::lock_guard lock(mu_);
                busy = !active_.empty();
            }
            if (busy) {
                auto ids = db_.read([&](storage::Connection& c) {
                    return storage::cancel_requested_executions(c, identity_);
                });
                std::lock_guard lock(mu_);
                for (int64_t id : ids)
                    if (active_.count(id)) cancels_.insert(id);
            }
            auto now = SteadyClock::now();
            if (busy && now >= next_heartbeat) {
                next_heartbeat = now + opts_.heartbeat_interval;
                db_.write([&](storage::Connection& c) {
                    storage::heartbeat_executions(c, identity_, clock_.now_ms());
                });
            }
            if (now >= next_recovery) {
                next_recovery = now + opts_.recovery_interval;
                recover();
            }
        } catch (...) {
            log("error", "execution monitor: " + current_exception_text());
        }
    }
}

int ExecutionEngine::recover() {
    auto rows = db_.read([](storage::Connection& c) { return storage::running_executions(c); });
    int marked = 0;
    for (const auto& row : rows) {
        if (row.owner && *row.owner == identity_) continue;  // ours: its worker is on it
        auto state =
            row.owner ? integrations::owner_state(*row.owner) : integrations::OwnerState::gone;
        TimeMs now = clock_.now_ms();
        if (state == integrations::OwnerState::alive) continue;
        if (state == integrations::OwnerState::unknown &&
            now - row.heartbeat_at.value_or(0) < opts_.stale_heartbeat_ms)
            continue;
        std::string who = "the server process that ran it";
        if (row.owner) {  // host|boot id|pid|start time
            const std::string& o = *row.owner;
            auto first = o.find('|');
            auto second = first == std::string::npos ? first : o.find('|', first + 1);
            auto third = second == std::string::npos ? second : o.find('|', second + 1);
            if (third != std::string::npos)
                who += " (pid " + o.substr(second + 1, third - second - 1) + " on " +
                       o.substr(0, first) + ")";
        }
        std::string message = "interrupted: " + who + " stopped while it ran";
        std::string tail = "\n[orderly] " + message + "\n";
        if (state == integrations::OwnerState::gone && row.pgid && row.run_token) {
            // Only processes carrying this execution's ORDERLY_RUN_ID are ever killed: the pid
            // may have been reused by now.
            int killed = integrations::kill_recorded_group(static_cast<pid_t>(*row.pgid),
                                                           "ORDERLY_RUN_ID=" + *row.run_token);
            if (killed > 0) {
                auto until = SteadyClock::now() + std::chrono::seconds(2);
                while (integrations::process_group_exists(static_cast<pid_t>(*row.pgid)) &&
                       SteadyClock::now() < until)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                message += "; " + std::to_string(killed) + " leftover process" +
                           (killed == 1 ? " was" : "es were") + " killed";
                tail = "\n[orderly] " + message + "\n";
            }
        } else if (state == integrations::OwnerState::unknown) {
            message += " (its host stopped reporting; processes there could not be checked)";
            tail = "\n[orderly] " + message + "\n";
        }
        storage::ExecutionEnd end{"interrupted", std::nullopt, std::nullopt, message};
        bool done = false;
        auto record = [&](bool with_hook) {
            done = db_.write([&](storage::Connection& c) {
                auto cur = storage::find_execution(c, row.id);
                if (!cur || cur->status != "running" || cur->owner != row.owner) return false;
                storage::append_execution_log(c, row.id, cur->log_size, tail, cur->log_dropped);
                if (!storage::finish_execution(c, row.id, end, now)) return false;
                if (with_hook && on_finished_) on_finished_(c, row.ticket_id, row.id, false, now);
                return true;
            });
        };
        try {
            record(true);
        } catch (...) {
            log("error",
                "the ticket hook failed; recording the end without it: " + current_exception_text(),
                row.id);
            try {
                record(false);
            } catch (...) {
                log("error", "recording the end failed: " + current_exception_text(), row.id);
            }
        }
        if (done) {
            ++marked;
            notify_log(row.id);
            log("warn", message, row.id);
        }
    }
    return marked;
}

void ExecutionEngine::finish(const storage::ExecutionRow& row, const storage::ExecutionEnd& end,
                             const std::string& log_tail, int64_t dropped) {
    TimeMs now = clock_.now_ms();
    auto record = [&](bool with_hook) {
        db_.write([&](storage::Connection& c) {
            auto cur = storage::find_execution(c, row.id);
            if (!cur || cur->finished()) return;
            storage::append_execution_log(c, row.id, cur->log_size, log_tail,
                                          std::max(dropped, cur->log_dropped));
            if (!storage::finish_execution(c, row.id, end, now)) return;
            if (with_hook && on_finished_)
                on_finished_(c, row.ticket_id, row.id, end.status == "succeeded", now);
        });
    };
    try {
        record(true);
    } catch (...) {
        // The ticket's hook (or the database) failed. The execution's end is recorded anyway: it
        // must never stay `running` (and should even that fail, the recovery of the next server
        // start marks it interrupted).
        log("error",
            "recording the end failed, retrying without the ticket hook: " +
                current_exception_text(),
            row.id);
        try {
            record(false);
        } catch (...) {
            log("error", "recording the end failed: " + current_exception_text(), row.id);
        }
    }
    notify_log(row.id);
    log("info", "execution " + end.status + (end.message.empty() ? "" : ": " + end.message),
        row.id);
}

void ExecutionEngine::execute(const storage::ExecutionRow& row) {
    const int64_t id = row.id;
    {
        std::lock_guard lock(mu_);
        active_.insert(id);
    }
    ++running_;
    struct Done {
        ExecutionEngine& e;
        int64_t id;
        ~Done() {
            std::lock_guard lock(e.mu_);
            e.active_.erase(id);
            e.cancels_.erase(id);
            --e.running_;
        }
    } done{*this, id};

    auto fail_to_start = [&](const std::string& why) {
        finish(row, {"failed", std::nullopt, std::nullopt, "could not start: " + why},
               "[orderly] could not start: " + why + "\n");
    };

    // 1. What to run, from the ticket's snapshot (revalidated now: the config may have changed).
    Result<PreparedRun> prepared = Error::Internal("no argument builder");
    try {
        if (builder_) prepared = db_.read([&](storage::Connection& c) { return builder_(c, row); });
    } catch (const ErrorException& e) {
        prepared = e.error;
    } catch (...) {
        prepared = Error::Internal(current_exception_text());
    }
    if (!prepared.ok()) {
        const Error& err = prepared.error();
        if (err.kind == ErrorKind::internal)
            log("error", "building the command failed: " + err.log_detail, id);
        fail_to_start(err.kind == ErrorKind::internal ? "internal error" : err.message);
        return;
    }
    PreparedRun run = std::move(prepared.value());
    if (run.argv.empty()) {
        fail_to_start("the command is empty");
        return;
    }
    std::vector<std::string> secrets;
    for (const auto& s : run.secrets)
        if (!s.empty()) secrets.push_back(s);
    int64_t timeout_s =
        run.timeout_s > 0 ? std::min(run.timeout_s, opts_.max_timeout_s) : opts_.default_timeout_s;
    const std::string token = *row.run_token;
    std::string dir;
    try {
        db_.write([&](storage::Connection& c) {
            storage::set_execution_started(c, id, masked_argv(run.argv, secrets),
                                           masked_variables(run.variables_json, secrets),
                                           timeout_s);
        });
        // 2. A fresh working directory of its own.
        dir = (opts_.work_dir.empty() ? std::string("/tmp") : opts_.work_dir) + "/" +
              std::to_string(id);
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        chmod(dir.c_str(), 0700);
    } catch (...) {
        log("error", "preparing the run failed: " + current_exception_text(), id);
        fail_to_start(dir.empty() ? "internal error" : "cannot create the working directory");
        return;
    }

    // 3. Run it.
    integrations::ProcessSpec spec;
    spec.argv = std::move(run.argv);
    spec.env = {"PATH=" + opts_.path,
                "HOME=" + dir,
                "LANG=C.UTF-8",
                "ORDERLY_TICKET_ID=" + std::to_string(row.ticket_id),
                "ORDERLY_EXECUTION_ID=" + std::to_string(id),
                "ORDERLY_ENV=" + row.environment,
                "ORDERLY_RUN_ID=" + token};
    if (!opts_.api_url.empty()) spec.env.push_back("ORDERLY_API_URL=" + opts_.api_url);
    spec.work_dir = dir;
    spec.timeout = std::chrono::seconds(timeout_s);
    spec.kill_grace = opts_.kill_grace;
    spec.poll_interval = std::min(opts_.flush_interval, std::chrono::milliseconds(100));
    log("info", "execution started", id);

    RunObserver observer(*this, id, secrets);
    integrations::ProcessResult res;
    try {
        res = integrations::run_process(spec, observer);
    } catch (...) {
        // Storing the log failed (the run's processes are already killed by the runner).
        log("error", "the run failed: " + current_exception_text(), id);
        finish(row, {"failed", std::nullopt, std::nullopt, "internal error while storing the log"},
               "\n[orderly] internal error while storing the log; the task was stopped\n");
        if (!opts_.keep_work_dirs) std::filesystem::remove_all(dir);
        return;
    }

    // 4. How it ended.
    storage::ExecutionEnd end;
    std::string tail;
    auto line = [&](const std::string& s) { tail += "[orderly] " + s + "\n"; };
    if (!res.spawned) {
        end = {"failed", std::nullopt, std::nullopt, "could not start: " + res.spawn_error};
        line(end.message);
    } else {
        end.exit_code = res.exit_code;
        end.signal = res.signal;
        switch (res.terminated_by) {
            case integrations::Termination::timeout:
                end.status = "timed_out";
                end.message = "timed out after " + std::to_string(timeout_s) +
                              " s; its process group was terminated";
                break;
            case integrations::Termination::cancel: {
                std::string by;
                try {
                    by = db_.read([&](storage::Connection& c) {
                        auto cur = storage::find_execution(c, id);
                        if (!cur || !cur->cancel_requested_by) return std::string();
                        auto u = storage::find_user(c, *cur->cancel_requested_by);
                        return u ? u->username : std::string();
                    });
                } catch (...) {
                }
                end.status = "cancelled";
                end.message = "cancelled" + (by.empty() ? std::string() : " by " + by) +
                              "; its process group was terminated";
                break;
            }
            case integrations::Termination::shutdown:
                end.status = "interrupted";
                end.message =
                    "interrupted: the server was shut down while it ran; its process group was "
                    "terminated";
                break;
            case integrations::Termination::none:
                if (res.exit_code && *res.exit_code == 0) {
                    end.status = "succeeded";
                    end.message = "exited with code 0";
                } else if (res.exit_code) {
                    end.status = "failed";
                    end.message = "exited with code " + std::to_string(*res.exit_code);
                } else {
                    end.status = "failed";
                    end.message = std::string("killed by ") + signal_name(res.signal.value_or(0)) +
                                  " (" + std::to_string(res.signal.value_or(0)) + ")";
                }
                break;
        }
        if (end.status != "succeeded" && end.status != "failed") line(end.message);
        if (res.leftovers_terminated) {
            end.message += "; processes it left running were terminated";
            line("the task left processes running in its process group; they were terminated");
        }
        if (res.group_survived)
            line("warning: some processes of its group were still there after SIGKILL");
    }
    std::string rest = observer.take_rest(tail.empty() ? "" : "\n" + tail);
    finish(row, end, rest, observer.dropped());
    if (!opts_.keep_work_dirs) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
}

http::ExecutionsHandle ExecutionEngine::handle() {
    http::ExecutionsHandle h;
    h.wake = [this] { wake(); };
    h.cancel_requested = [this](int64_t id) { cancel_requested(id); };
    h.wait_for_log = [this](int64_t id, int64_t size, SteadyClock::time_point deadline) {
        return wait_for_log(id, size, deadline);
    };
    h.on_finished = on_finished_;
    return h;
}

std::string ExecutionEngine::metrics_text() {
    int64_t queued = 0;
    try {
        queued =
            db_.read([](storage::Connection& c) { return storage::count_executions(c, "queued"); });
    } catch (...) {
    }
    std::string out;
    out +=
        "# HELP orderly_executions_running Executions this process runs now.\n"
        "# TYPE orderly_executions_running gauge\n";
    out += "orderly_executions_running " + std::to_string(running()) + "\n";
    out +=
        "# HELP orderly_executions_queued Executions waiting for a worker (all processes).\n"
        "# TYPE orderly_executions_queued gauge\n";
    out += "orderly_executions_queued " + std::to_string(queued) + "\n";
    out +=
        "# HELP orderly_execution_log_waiters Log long-polls held now.\n"
        "# TYPE orderly_execution_log_waiters gauge\n";
    out += "orderly_execution_log_waiters " + std::to_string(log_waiters()) + "\n";
    return out;
}

}  // namespace orderly
