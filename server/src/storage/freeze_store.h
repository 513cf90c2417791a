#pragma once
// SQL for freeze windows and the environments each one applies to. Functions take a Connection
// inside the caller's transaction.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.h"
#include "domain/freeze.h"
#include "storage/sql.h"

namespace orderly::storage {

// Every window, by id (there are few: they are written by hand).
std::vector<domain::FreezeWindow> list_freeze_windows(Connection& c);
std::optional<domain::FreezeWindow> find_freeze_window(Connection& c, int64_t id);
int64_t insert_freeze_window(Connection& c, const domain::FreezeWindow& w, TimeMs now);
// Writes every member of w (by w.id) and bumps its version.
void update_freeze_window(Connection& c, const domain::FreezeWindow& w, TimeMs now);
void delete_freeze_window(Connection& c, int64_t id);

}  // namespace orderly::storage
