#include "wiring/migrate_db.h"

#include <algorithm>
#include <filesystem>

#include "storage/copy_database.h"
#include "storage/database.h"
#include "storage/postgres/database.h"

namespace orderly {

namespace {

void print_counts(const storage::CopyReport& r, std::FILE* out) {
    size_t width = 5;
    for (const auto& t : r.tables) width = std::max(width, t.table.size());
    const int w = static_cast<int>(width);
    std::fprintf(out, "%-*s %12s %12s\n", w, "table", "sqlite", "postgresql");
    for (const auto& t : r.tables)
        std::fprintf(out, "%-*s %12lld %12lld%s\n", w, t.table.c_str(),
                     static_cast<long long>(t.source), static_cast<long long>(t.target),
                     t.source == t.target ? "" : "  MISMATCH");
}

}  // namespace

int migrate_db(const std::string& from, const std::string& to, std::FILE* out, std::FILE* err) {
    if (storage::postgres::is_postgres_uri(from) || !std::filesystem::is_regular_file(from)) {
        std::fprintf(err, "orderly: --from must be an existing SQLite database file: %s\n",
                     from.c_str());
        return 1;
    }
    if (!storage::postgres::is_postgres_uri(to)) {
        std::fprintf(err, "orderly: --to must be a postgresql:// URI\n");
        return 1;
    }
    storage::Database source(from, 1);
    storage::Database target(to, 1);
    const int version = source.migrate();
    if (target.migrate() != version) {
        std::fprintf(err, "orderly: the two databases end at different schema versions\n");
        return 1;
    }
    const auto report = storage::copy_sqlite_to_postgres(source, target);
    using Outcome = storage::CopyReport::Outcome;
    if (report.outcome == Outcome::target_not_empty) {
        std::string tables;
        for (const auto& t : report.occupied) tables += (tables.empty() ? "" : ", ") + t;
        std::fprintf(err,
                     "orderly: the target database already holds data (%s); migrate-db only "
                     "copies into an empty database: nothing was changed\n",
                     tables.c_str());
        return 1;
    }
    print_counts(report, out);
    if (report.outcome == Outcome::count_mismatch) {
        std::fprintf(err,
                     "orderly: the row counts differ after the copy (MISMATCH above): rolled "
                     "back, nothing was changed\n");
        return 1;
    }
    std::fprintf(out, "copied %zu tables from %s (schema version %d)\n", report.tables.size(),
                 from.c_str(), version);
    return 0;
}

}  // namespace orderly
