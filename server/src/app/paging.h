#pragma once
// Paging of lists whose rows are filtered after the query.
#include <cstddef>
#include <optional>
#include <vector>

namespace orderly::app {

// Rows for a page when some rows are dropped after the query (a check SQL cannot make):
// fetch(last, n) returns up to n rows after `last` (nullptr: from the cursor), and batches are
// fetched until limit + 1 rows are kept or the list ends, so that only the last page is short.
template <typename T, typename Fetch, typename Keep>
std::vector<T> fetch_kept(int limit, Fetch fetch, Keep keep) {
    std::vector<T> kept;
    const size_t want = static_cast<size_t>(limit) + 1;
    std::optional<T> last;
    for (;;) {
        std::vector<T> batch = fetch(last ? &*last : nullptr, want);
        for (auto& row : batch) {
            if (kept.size() >= want) break;
            if (keep(row)) kept.push_back(row);
        }
        if (kept.size() >= want || batch.size() < want) return kept;
        last = std::move(batch.back());
    }
}

}  // namespace orderly::app
