#pragma once
// Workflows: drafts (create, edit), deploy (the graph check, then an immutable version) and the
// deployed versions. Each call is one transaction; changes write their audit event in it.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "app/caller.h"
#include "core/time.h"
#include "domain/workflow.h"
#include "domain/workflow_records.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

class Workflows {
  public:
    Workflows(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    // Oldest first, ids above after_id, at most `limit`.
    std::vector<domain::WorkflowRecord> list(int64_t after_id, int limit) const;
    // 404 (workflow.not_found) when there is none.
    domain::WorkflowRecord get(int64_t id) const;
    // Saves a new draft (already checked with domain::check_draft) and returns it.
    domain::WorkflowRecord create(const Caller& who, const domain::WorkflowDef& def) const;
    // Replaces the draft: 404, then 409 when `sent_version` (called once the workflow is found)
    // gives a version other than the stored one. Returns the saved draft.
    domain::WorkflowRecord update(
        const Caller& who, int64_t id, const domain::WorkflowDef& def,
        const std::function<std::optional<int64_t>()>& sent_version) const;
    // Freezes the draft as a version: 404, then 422 (workflow.invalid) when the graph cannot be
    // deployed (domain::validate_for_deploy). `created` is false when the draft equals the
    // latest version, which is returned (and nothing is audited).
    domain::DeployResult deploy(const Caller& who, int64_t id) const;
    // Newest first; 404 when there is no such workflow.
    std::vector<domain::WorkflowVersionRecord> versions(int64_t id) const;
    // 404 (workflow.version_not_found) when the workflow has no such version.
    domain::WorkflowVersionRecord version(int64_t id, int64_t number) const;

  private:
    storage::Database& db_;
    const Clock& clock_;
};

}  // namespace orderly::app
