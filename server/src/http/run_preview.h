#pragma once
// What a run would do, as the confirmation before executing in a protected environment shows it.
#include "app/run_preview.h"
#include "core/json.h"

namespace orderly::http {

// The members a ticket's execution preview and a template's preview share: "environment"
// ({key, name, protected}, or null without one), "confirmation_required" (the environment is
// protected: executing needs "confirm": true), "argv" (secrets masked as ******) and "hosts"
// (the chosen values of the variables marked `hosts`, secrets masked); see app::run_preview.
void write_run_preview(json::Writer& w, const app::RunPreview& p);

}  // namespace orderly::http
