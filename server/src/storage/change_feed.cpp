#include "storage/change_feed.h"

#include "storage/database.h"
#include "storage/postgres/database.h"
#include "storage/postgres/listener.h"

namespace orderly::storage {

std::unique_ptr<ChangeFeed> open_change_feed(const Database& db, ChangeHandlers handlers) {
    if (!postgres::is_postgres_uri(db.path())) return nullptr;
    return postgres::listen(db.path(), std::move(handlers));
}

}  // namespace orderly::storage
