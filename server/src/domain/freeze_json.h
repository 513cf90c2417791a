#pragma once
// Freeze windows as JSON: the API's FreezeWindow object, also the audit log's before/after.
#include <string>

#include "core/json.h"
#include "domain/freeze.h"

namespace orderly::domain {

void write_freeze_json(json::Writer& w, const FreezeWindow& f);
std::string freeze_json(const FreezeWindow& f);

}  // namespace orderly::domain
