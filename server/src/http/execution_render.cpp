#include "http/execution_render.h"

namespace orderly::http {

std::string execution_json(const domain::ExecutionRow& e) {
    json::Writer w;
    domain::write_execution_json(w, e);
    return w.take();
}

void write_executions(json::Writer& w, const std::vector<domain::ExecutionRow>& rows) {
    w.start_array();
    for (const auto& e : rows) domain::write_execution_json(w, e);
    w.end_array();
}

std::string execution_log_json(const app::LogPage& page) {
    const auto& e = page.execution;
    const auto& slice = page.slice;
    const int64_t next = slice.offset + static_cast<int64_t>(slice.data.size());
    json::Writer w;
    w.start_object()
        .kv("execution_id", e.id)
        .kv("offset", slice.offset)
        .kv("next_offset", next)
        .kv("data", slice.data)
        .kv("complete", e.finished() && next >= e.log_size)
        .kv("status", e.status)
        .kv("log_size", e.log_size)
        .kv("log_truncated", e.log_dropped > 0)
        .end_object();
    return w.take();
}

}  // namespace orderly::http
