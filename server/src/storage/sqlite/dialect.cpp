#include "storage/sqlite/dialect.h"

namespace orderly::storage::sqlite {

namespace {
// An FTS5 string: double quotes doubled.
void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (char ch : s) {
        if (ch == '"') out += '"';
        out += ch;
    }
    out += '"';
}
}  // namespace

std::string SqliteDialect::full_text_query(const std::vector<domain::SearchTerm>& terms) const {
    std::string out;
    for (const auto& t : terms) {
        if (!out.empty()) out += " AND ";
        append_quoted(out, t.phrase);
        if (t.prefix) out += '*';
    }
    return out;
}

const SqliteDialect& sqlite_dialect() {
    static const SqliteDialect d;
    return d;
}

}  // namespace orderly::storage::sqlite
