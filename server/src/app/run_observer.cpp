#include "app/run_observer.h"

#include "app/execution_engine.h"

namespace orderly {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::string human_bytes(size_t n) {
    if (n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
    if (n % (1u << 10) == 0) return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

}  // namespace

RunObserver::RunObserver(ExecutionEngine& engine, int64_t id, storage::ExecutionClaim claim,
                         std::vector<std::string> secrets)
    : engine_(engine),
      id_(id),
      claim_(std::move(claim)),
      filter_(std::move(secrets)),
      last_flush_(SteadyClock::now()) {}

void RunObserver::started(pid_t pid) {
    // Recorded at once: a server that dies from here on leaves enough to find the group.
    bool held = engine_.db_.write([&](storage::Connection& c) {
        if (!storage::holds_execution(c, claim_, id_)) return false;
        storage::set_execution_pgid(c, id_, pid);
        return true;
    });
    if (!held) engine_.lose_claim(id_);
}

void RunObserver::output(std::string_view raw) {
    if (capped_) {
        dropped_ += raw.size();  // read and dropped: the task keeps running
        return;
    }
    add(filter_.feed(raw));
    if (pending_.size() >= engine_.opts_.flush_bytes) flush();
}

integrations::StopRequest RunObserver::poll() {
    if (!pending_.empty() && SteadyClock::now() - last_flush_ >= engine_.opts_.flush_interval)
        flush();
    if (engine_.stopping()) return integrations::StopRequest::shutdown;
    std::lock_guard lock(engine_.mu_);
    // Not ours any more: stop the group like a shutdown (its end is not recorded either way).
    if (engine_.lost_.count(id_)) return integrations::StopRequest::shutdown;
    if (engine_.cancels_.count(id_)) return integrations::StopRequest::cancel;
    return integrations::StopRequest::none;
}

std::string RunObserver::take_rest(const std::string& tail) {
    if (!capped_) add(filter_.finish());
    if (dropped_ > 0)
        pending_ += "[orderly] " + std::to_string(dropped_) +
                    " bytes of output were discarded after the log limit\n";
    pending_ += tail;
    return std::move(pending_);
}

void RunObserver::add(const std::string& text) {
    const size_t cap = engine_.opts_.max_log_bytes;
    if (kept_ + text.size() <= cap) {
        pending_ += text;
        kept_ += text.size();
        if (!text.empty()) last_ = text.back();
        return;
    }
    size_t take = cap - kept_;
    while (take > 0 && is_utf8_continuation(static_cast<unsigned char>(text[take]))) --take;
    pending_.append(text, 0, take);
    kept_ += take;
    dropped_ += text.size() - take;
    if (take > 0) last_ = text[take - 1];
    if (last_ != '\n') pending_ += '\n';
    pending_ += "[orderly] the log reached its limit of " + human_bytes(cap) +
                "; further output is discarded (the task keeps running)\n";
    capped_ = true;
}

void RunObserver::flush() {
    if (pending_.empty()) return;
    bool held = engine_.db_.write([&](storage::Connection& c) {
        if (!storage::holds_execution(c, claim_, id_)) return false;
        stored_ = storage::append_execution_log(c, id_, stored_, pending_,
                                                static_cast<int64_t>(dropped_));
        return true;
    });
    pending_.clear();
    if (!held) {
        engine_.lose_claim(id_);
        return;
    }
    last_flush_ = SteadyClock::now();
    engine_.notify_log(id_);
}

}  // namespace orderly
