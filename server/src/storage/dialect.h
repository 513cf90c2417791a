#pragma once
// What differs between the SQL of the database engines, one Dialect per driver
// (storage/sqlite/dialect.h for SQLite). Repositories ask their connection's dialect
// (Connection::dialect()) for the pieces they cannot write once for every engine.
#include <string>
#include <vector>

#include "domain/ticket_search.h"

namespace orderly::storage {

class Dialect {
  public:
    virtual ~Dialect() = default;
    // The driver's name, also the directory of its migrations (db/<name>/).
    virtual const char* name() const = 0;
    // The full-text query matching tickets whose indexed text holds every term (AND), for the
    // ticket search index; empty when there are no terms.
    virtual std::string full_text_query(const std::vector<domain::SearchTerm>& terms) const = 0;
};

}  // namespace orderly::storage
