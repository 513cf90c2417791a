#pragma once
// Reading the append-only audit log (events are appended by app::audit, in the transaction of
// the change they record).
#include <vector>

#include "domain/accounts.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

class AuditLog {
  public:
    explicit AuditLog(storage::Database& db) : db_(db) {}

    // Newest first, as the filter says (domain::AuditFilter::limit rows at most).
    std::vector<domain::AuditEvent> list(const domain::AuditFilter& filter);

  private:
    storage::Database& db_;
};

}  // namespace orderly::app
