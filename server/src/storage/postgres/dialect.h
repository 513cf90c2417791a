#pragma once
// PostgreSQL's SQL where it differs from other engines' (see storage/dialect.h).
#include <string>
#include <string_view>

#include "storage/dialect.h"

namespace orderly::storage::postgres {

// Full-text search: tickets_fts keeps the same title and body as on SQLite (domain::search_text:
// words, and CJK runs as bigrams plus their last character) and a tsvector column built from
// them with the 'simple' configuration (no stemming, lower-case), indexed with GIN. ASCII other
// than letters and digits and the Unicode punctuation domain::search_text knows are turned into
// spaces first (the SQL function orderly_search_words, db/postgres/003), so that words split
// where SQLite's unicode61 tokenizer splits them. A query term is a phrase of those words (`'数据'
// <-> '据库'`), a one-character CJK term the prefix of a bigram (`'数':*`), all terms joined with
// &. This keeps the index (and FTS5's whole-word semantics) rather than scanning with LIKE.
class PostgresDialect final : public Dialect {
  public:
    const char* name() const override { return "postgres"; }
    const char* lock_rows() const override { return " FOR UPDATE"; }
    const char* skip_locked_rows() const override { return " FOR UPDATE SKIP LOCKED"; }
    // NOTIFY on kLogChannel with the id as payload, sent at COMMIT (and not at all on ROLLBACK;
    // the same payload twice in one transaction is sent once).
    void announce_log_change(Connection& c, int64_t id) const override;
    // A tsquery for to_tsquery('simple', ...); empty when no term has a word.
    std::string full_text_query(const std::vector<domain::SearchTerm>& terms) const override;
    // One row per ticket in tickets_fts, replaced in place (its words column follows).
    void index_ticket(Connection& c, int64_t ticket_id, const std::string& title,
                      const std::string& body) const override;
    // words @@ to_tsquery('simple', param); pages by the ticket's own id.
    TicketSearchSql ticket_search(const std::string& param) const override;
};

// The words of text as orderly_search_words splits them (to_tsquery lower-cases them as
// to_tsvector does the text's).
std::vector<std::string> search_words(std::string_view text);

const PostgresDialect& postgres_dialect();

}  // namespace orderly::storage::postgres
