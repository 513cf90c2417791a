#include "app/caller.h"

#include "domain/accounts.h"
#include "storage/accounts_store.h"

namespace orderly::app {

void audit(storage::Connection& c, const Caller& who, TimeMs now, std::string action,
           std::string object_type, std::string object_id, std::string summary,
           std::optional<std::string> before, std::optional<std::string> after) {
    domain::AuditEvent e;
    e.at = now;
    if (who.principal) e.actor = who.principal->username;
    e.action = std::move(action);
    e.object_type = std::move(object_type);
    e.object_id = std::move(object_id);
    e.summary = std::move(summary);
    e.before_json = std::move(before);
    e.after_json = std::move(after);
    e.address = std::string(who.address);
    e.request_id = std::string(who.request_id);
    storage::append_audit(c, e);
}

}  // namespace orderly::app
