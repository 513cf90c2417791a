#include "domain/execution.h"

#include <algorithm>

#include "core/json.h"

namespace orderly::domain {

const std::vector<std::string>& execution_statuses() {
    static const std::vector<std::string> s = {"queued",    "running",   "succeeded",  "failed",
                                               "timed_out", "cancelled", "interrupted"};
    return s;
}

bool is_execution_status(const std::string& s) {
    const auto& all = execution_statuses();
    return std::find(all.begin(), all.end(), s) != all.end();
}

std::optional<std::string> execution_result_code(const ExecutionRow& e, Params& params) {
    auto starts = [&](std::string_view prefix) { return e.message.rfind(prefix, 0) == 0; };
    if (e.status == "succeeded" || (e.status == "failed" && e.exit_code)) {
        params.push_back({"code", e.exit_code.value_or(0)});
        return "exited";
    }
    if (e.status == "failed" && e.signal) {
        params.push_back({"signal", *e.signal});
        return "killed";
    }
    if (e.status == "failed") {
        constexpr std::string_view kStart = "could not start: ";
        if (!starts(kStart)) return "internal_error";
        params.push_back({"reason", e.message.substr(kStart.size())});
        return "start_failed";
    }
    if (e.status == "timed_out") {
        params.push_back({"timeout_s", e.timeout_s.value_or(0)});
        return "timed_out";
    }
    if (e.status == "cancelled") {
        // Cancelled before it started: no cancel request was stored, the message names who.
        std::string by = e.cancel_requested_by_username;
        constexpr std::string_view kBy = "cancelled by ", kBefore = " before it started";
        if (by.empty() && starts(kBy) && e.message.size() > kBy.size() + kBefore.size() &&
            e.message.compare(e.message.size() - kBefore.size(), kBefore.size(), kBefore) == 0)
            by = e.message.substr(kBy.size(), e.message.size() - kBy.size() - kBefore.size());
        params.push_back({"by", by});
        return e.started_at ? "cancelled" : "cancelled_before_start";
    }
    if (e.status == "interrupted")
        return starts("interrupted: the server was shut down") ? "shutdown" : "interrupted";
    return std::nullopt;
}

void write_execution_json(json::Writer& w, const ExecutionRow& e) {
    w.start_object()
        .kv("id", e.id)
        .kv("ticket_id", e.ticket_id)
        .kv("ticket_sn", e.ticket_sn)
        .key("template_id");
    if (e.template_id)
        w.num(*e.template_id);
    else
        w.null();
    w.kv("template_name", e.template_name).kv("environment", e.environment).kv("status", e.status);
    w.key("argv");
    if (e.argv_json)
        w.raw(*e.argv_json);
    else
        w.null();
    w.key("variables").raw(e.variables_json.empty() ? "{}" : e.variables_json);
    w.key("exit_code");
    if (e.exit_code)
        w.num(*e.exit_code);
    else
        w.null();
    w.key("signal");
    if (e.signal)
        w.num(*e.signal);
    else
        w.null();
    w.key("timeout_s");
    if (e.timeout_s)
        w.num(*e.timeout_s);
    else
        w.null();
    w.key("queued_at").time(e.queued_at);
    w.key("started_at").opt_time(e.started_at);
    w.key("finished_at").opt_time(e.finished_at);
    w.key("duration_ms");
    if (e.started_at && e.finished_at)
        w.num(*e.finished_at - *e.started_at);
    else
        w.null();
    w.key("executed_by");
    if (e.executed_by && !e.executed_by_username.empty())
        w.str(e.executed_by_username);
    else
        w.null();
    w.key("executed_by_display_name");
    if (e.executed_by && !e.executed_by_username.empty())
        w.str(e.executed_by_display_name);
    else
        w.null();
    w.kv("log_size", e.log_size).kv("log_truncated", e.log_dropped > 0).kv("message", e.message);
    // How it ended as a code and its parameters, for clients that show it in their language.
    w.key("result_code");
    Params params;
    if (auto code = execution_result_code(e, params)) {
        w.str(*code);
    } else {
        w.null();
    }
    json::write_params(w, "result_params", params);
    w.kv("cancel_requested", e.cancel_requested_at.has_value())
        .kv("log_url", "/api/v1/executions/" + std::to_string(e.id) + "/log")
        .end_object();
}

}  // namespace orderly::domain
