#include "app/use_cases.h"

#include "storage/database.h"

namespace orderly::app {

bool UseCases::database_ok() const {
    return db.ping();
}

}  // namespace orderly::app
