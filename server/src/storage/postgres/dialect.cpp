#include "storage/postgres/dialect.h"

#include <cstdint>

#include "storage/change_feed.h"
#include "storage/sql.h"

namespace orderly::storage::postgres {

namespace {

// The separators of orderly_search_words (db/postgres/003_workflows_tickets.sql): ASCII other
// than letters and digits, and the Unicode punctuation domain::search_text treats as such.
bool separator(uint32_t cp) {
    if (cp < 0x80) {
        const char ch = static_cast<char>(cp);
        return !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
    }
    return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
           (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65);
}

}  // namespace

std::vector<std::string> search_words(std::string_view text) {
    std::vector<std::string> out;
    std::string word;
    for (const auto& c : domain::decode_utf8(text)) {
        if (separator(c.cp)) {
            if (!word.empty()) out.push_back(std::move(word));
            word.clear();
        } else {
            word.append(c.bytes);
        }
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
}

std::string PostgresDialect::full_text_query(const std::vector<domain::SearchTerm>& terms) const {
    std::string out;
    for (const auto& t : terms) {
        const auto words = search_words(t.phrase);
        if (words.empty()) continue;
        if (!out.empty()) out += " & ";
        out += '(';
        for (size_t k = 0; k < words.size(); ++k) {
            if (k > 0) out += " <-> ";
            // A quoted lexeme: quotes and backslashes escaped (there are none after
            // search_words, which splits on every ASCII symbol, but a lexeme is always quoted).
            out += '\'';
            for (char ch : words[k]) {
                if (ch == '\'' || ch == '\\') out += '\\';
                out += ch;
            }
            out += '\'';
        }
        if (t.prefix) out += ":*";
        out += ')';
    }
    return out;
}

void PostgresDialect::index_ticket(Connection& c, int64_t ticket_id, const std::string& title,
                                   const std::string& body) const {
    c.prepare(
         "INSERT INTO tickets_fts (rowid, title, body) VALUES (?1, ?2, ?3) ON CONFLICT (rowid) "
         "DO UPDATE SET title = excluded.title, body = excluded.body")
        .bind(1, ticket_id)
        .bind(2, title)
        .bind(3, body)
        .exec();
}

void PostgresDialect::announce_log_change(Connection& c, int64_t id) const {
    c.prepare("SELECT pg_notify(?1, CAST(?2 AS TEXT))").bind(1, kLogChannel).bind(2, id).exec();
}

TicketSearchSql PostgresDialect::ticket_search(const std::string& param) const {
    return {"tickets_fts f JOIN tickets t ON t.id = f.rowid", "t.id",
            "f.words @@ to_tsquery('simple', " + param + ")"};
}

const PostgresDialect& postgres_dialect() {
    static const PostgresDialect d;
    return d;
}

}  // namespace orderly::storage::postgres
