#pragma once
// The HTTP server's Prometheus metrics, per process: requests by method, route and status, and
// a latency histogram per route.
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace orderly::http {

class Metrics {
  public:
    static constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                          0.25,  0.5,    1,     2.5,  5,     10};
    static constexpr size_t kNB = sizeof(kBuckets) / sizeof(kBuckets[0]);

    // Counts one answered request that took `secs`.
    void observe(const std::string& method, const std::string& route, int status, double secs);
    // Prometheus text format.
    std::string render();

  private:
    struct Hist {
        uint64_t buckets[kNB] = {};
        uint64_t count = 0;
        double sum = 0;
    };
    std::mutex mu_;
    std::map<std::string, uint64_t, std::less<>> counts_;  // "method\troute\tstatus"
    std::map<std::string, Hist, std::less<>> hist_;
};

}  // namespace orderly::http
