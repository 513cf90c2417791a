#pragma once
// SQLite's SQL where it differs from other engines' (see storage/dialect.h).
#include "storage/dialect.h"

namespace orderly::storage::sqlite {

class SqliteDialect final : public Dialect {
  public:
    const char* name() const override { return "sqlite"; }
    // An FTS5 MATCH expression (unicode61 tokenizer): each term a quoted phrase, double quotes
    // doubled, "*" after a prefix term, joined by AND.
    std::string full_text_query(const std::vector<domain::SearchTerm>& terms) const override;
};

const SqliteDialect& sqlite_dialect();

}  // namespace orderly::storage::sqlite
