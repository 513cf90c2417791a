#include "storage/sqlite/dialect.h"

#include "storage/sql.h"

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

void SqliteDialect::index_ticket(Connection& c, int64_t ticket_id, const std::string& title,
                                 const std::string& body) const {
    c.prepare("DELETE FROM tickets_fts WHERE rowid = ?1").bind(1, ticket_id).exec();
    c.prepare("INSERT INTO tickets_fts (rowid, title, body) VALUES (?1, ?2, ?3)")
        .bind(1, ticket_id)
        .bind(2, title)
        .bind(3, body)
        .exec();
}

TicketSearchSql SqliteDialect::ticket_search(const std::string& param) const {
    return {"tickets_fts f JOIN tickets t ON t.id = f.rowid", "f.rowid",
            "tickets_fts MATCH " + param};
}

const SqliteDialect& sqlite_dialect() {
    static const SqliteDialect d;
    return d;
}

}  // namespace orderly::storage::sqlite
