#pragma once
// SQLite's SQL where it differs from other engines' (see storage/dialect.h).
#include "storage/dialect.h"

namespace orderly::storage::sqlite {

class SqliteDialect final : public Dialect {
  public:
    const char* name() const override { return "sqlite"; }
    const char* lock_rows() const override { return ""; }
    const char* skip_locked_rows() const override { return ""; }
    // Nothing: one process serves an SQLite file and wakes its own readers.
    void announce_log_change(Connection&, int64_t) const override {}
    // An FTS5 MATCH expression (unicode61 tokenizer): each term a quoted phrase, double quotes
    // doubled, "*" after a prefix term, joined by AND.
    std::string full_text_query(const std::vector<domain::SearchTerm>& terms) const override;
    // The FTS5 table tickets_fts, rowid = tickets.id: a delete and an insert (FTS5 has no
    // upsert).
    void index_ticket(Connection& c, int64_t ticket_id, const std::string& title,
                      const std::string& body) const override;
    // tickets_fts MATCH, walked by rowid: FTS5 yields rowids in order and stops at the limit.
    TicketSearchSql ticket_search(const std::string& param) const override;
};

const SqliteDialect& sqlite_dialect();

}  // namespace orderly::storage::sqlite
