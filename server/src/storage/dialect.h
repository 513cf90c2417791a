#pragma once
// What differs between the SQL of the database engines, one Dialect per driver
// (storage/sqlite/dialect.h for SQLite). Repositories ask their connection's dialect
// (Connection::dialect()) for the pieces they cannot write once for every engine.
//
// Everything else is written once, in SQL both engines accept (see storage/sql.h), and holds to
// these rules:
// - Integer columns hold booleans as 0 and 1, compared and written as such (never TRUE/FALSE).
// - Placeholders are numbered ?1, ?2, ... without gaps (SqlParams numbers built statements).
// - A parameter whose type its place does not tell (`?n IS NULL`, `?n + ?m`), or would tell as
//   a 32-bit integer (`?n = 0`), is written CAST(?n AS BIGINT) or CAST(?n AS TEXT): integer
//   parameters are 64-bit, whatever the engine infers.
// - New rows' ids come back with INSERT ... RETURNING id; conflicts are upserts
//   (ON CONFLICT ... DO NOTHING / DO UPDATE SET col = table.col ..., excluded.col).
// - An expression read as a number is an integer, never a comparison: CASE WHEN ... THEN 1
//   ELSE 0 END.
// - Case-insensitive matching is lower(column) LIKE lower(?n) ESCAPE '\'.
// - execution_logs.offset is a reserved word elsewhere: always written "offset".
#include <cstdint>
#include <string>
#include <vector>

#include "domain/ticket_search.h"

namespace orderly::storage {

class Connection;

// The pieces of a ticket list statement that searches the ticket search index (see
// Dialect::ticket_search).
struct TicketSearchSql {
    // A FROM clause (without the word FROM) joining the search index to `tickets t`: later
    // joins and conditions name the ticket `t`; the statement itself uses the aliases u and n.
    std::string from;
    // An integer expression equal to t.id that the statement pages by (id < ?n) and orders by
    // (DESC): the one that lets the engine walk its index newest first.
    std::string id;
    // A condition, true for the tickets whose indexed text matches the query bound to the
    // placeholder passed in (the text full_text_query made).
    std::string condition;
};

class Dialect {
  public:
    virtual ~Dialect() = default;
    // The driver's name, also the directory of its migrations (db/<name>/).
    virtual const char* name() const = 0;
    // The full-text query matching tickets whose indexed text holds every term (AND), for the
    // ticket search index; empty when there are no terms. A term is a phrase (its words one
    // after another, CJK runs already as space-separated bigrams) whose last word, for a prefix
    // term, may be the start of a longer one (see domain/ticket_search.h). Searches behave as
    // SQLite's unicode61 tokenizer makes them: words are runs of letters and digits, matched
    // regardless of case and diacritics.
    virtual std::string full_text_query(const std::vector<domain::SearchTerm>& terms) const = 0;
    // Makes the ticket search index hold exactly this text for the ticket, replacing what it
    // held before (if anything), with statements run on `c` inside the caller's transaction.
    // title and body are domain::search_text output; a search matches either.
    virtual void index_ticket(Connection& c, int64_t ticket_id, const std::string& title,
                              const std::string& body) const = 0;
    // The search's part of a ticket list statement, its query bound to the placeholder `param`
    // (e.g. "?3"). The statement is
    //   SELECT <t.* and joined columns> FROM <from> JOIN ... WHERE <filters on t> AND <id> < ?k
    //   AND <condition> ORDER BY <id> DESC LIMIT ?m
    // so the same ticket must not come out twice (one index row per ticket).
    virtual TicketSearchSql ticket_search(const std::string& param) const = 0;
    // The clause that makes a SELECT in a write transaction lock the rows it returns until the
    // transaction ends (" FOR UPDATE"): concurrent writes to one ticket then take turns from
    // their first statement instead of deadlocking over its rows later. Empty where a write
    // transaction has the database to itself (SQLite).
    virtual const char* lock_rows() const = 0;
    // The clause that makes a SELECT in a write transaction lock the rows it returns and pass
    // over rows another transaction holds locked (" FOR UPDATE SKIP LOCKED"), so that claimers
    // racing for queued work each take a different row at once rather than queueing behind one
    // row and then finding it gone. Empty where a write transaction has the database to itself.
    virtual const char* skip_locked_rows() const = 0;
    // Tells the other processes on the database, when the caller's transaction commits, that
    // execution `id` has new output or has ended (storage/change_feed.h). Nothing where the
    // database has no change feed (SQLite).
    virtual void announce_log_change(Connection& c, int64_t id) const = 0;
};

}  // namespace orderly::storage
