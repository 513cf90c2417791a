#include "http/metrics.h"

#include <charconv>
#include <sstream>

namespace orderly::http {

void Metrics::observe(const std::string& method, const std::string& route, int status,
                      double secs) {
    // The key is built in a reused per-thread buffer: no allocation once it has grown.
    thread_local std::string key;
    key.assign(method).append("\t").append(route).append("\t");
    char digits[12];
    const auto end = std::to_chars(digits, digits + sizeof digits, status).ptr;
    key.append(digits, end);
    std::lock_guard lock(mu_);
    if (auto it = counts_.find(key); it != counts_.end())
        it->second += 1;
    else
        counts_.emplace(key, 1);
    auto hit = hist_.find(route);
    if (hit == hist_.end()) hit = hist_.emplace(route, Hist{}).first;
    auto& h = hit->second;
    for (size_t i = 0; i < kNB; ++i)
        if (secs <= kBuckets[i]) h.buckets[i] += 1;
    h.count += 1;
    h.sum += secs;
}

std::string Metrics::render() {
    std::ostringstream o;
    std::lock_guard lock(mu_);
    o << "# HELP orderly_http_requests_total HTTP requests by method, route and status.\n"
      << "# TYPE orderly_http_requests_total counter\n";
    for (const auto& [k, v] : counts_) {
        auto a = k.find('\t'), b = k.rfind('\t');
        o << "orderly_http_requests_total{method=\"" << k.substr(0, a) << "\",route=\""
          << k.substr(a + 1, b - a - 1) << "\",status=\"" << k.substr(b + 1) << "\"} " << v << "\n";
    }
    o << "# HELP orderly_http_request_duration_seconds Request latency by route.\n"
      << "# TYPE orderly_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : hist_) {
        for (size_t i = 0; i < kNB; ++i)
            o << "orderly_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
              << kBuckets[i] << "\"} " << h.buckets[i] << "\n";
        o << "orderly_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
          << h.count << "\n";
        o << "orderly_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum
          << "\n";
        o << "orderly_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count
          << "\n";
    }
    return o.str();
}

}  // namespace orderly::http
