#pragma once
// What a run would do, as the confirmation before executing in a protected environment shows it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/run_preview.h"
#include "core/json.h"
#include "storage/sql.h"

namespace orderly::http {

// The members a ticket's execution preview and a template's preview share: "environment"
// ({key, name, protected}, or null without one), "confirmation_required" (the environment is
// protected: executing needs "confirm": true), "argv" (secrets masked as ******) and "hosts"
// (the chosen values of the variables marked `hosts`, secrets masked).
void write_run_preview(json::Writer& w, const app::RunPreview& p);

// The same from the facts (app::run_preview): `values` are the chosen values by variable,
// unmasked; `secrets` the clear secrets app::revalidate_snapshot gave.
void write_run_preview(json::Writer& w, storage::Connection& c,
                       const std::optional<std::string>& environment,
                       const std::vector<std::string>& argv, std::vector<std::string> secrets,
                       const std::map<std::string, std::vector<std::string>>& values);

}  // namespace orderly::http
