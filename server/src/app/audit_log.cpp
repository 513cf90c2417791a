#include "app/audit_log.h"

#include "storage/accounts_store.h"
#include "storage/database.h"

namespace orderly::app {

std::vector<domain::AuditEvent> AuditLog::list(const domain::AuditFilter& filter) {
    return db_.read([&](storage::Connection& c) { return storage::list_audit(c, filter); });
}

}  // namespace orderly::app
