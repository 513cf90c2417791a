#pragma once
// Workflows as they are kept: the editable draft with its bookkeeping, the immutable deployed
// versions, and what a deploy produced. Plain values: storage reads and writes them, the HTTP
// layer renders them.
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "domain/workflow.h"

namespace orderly::domain {

struct WorkflowRecord {
    int64_t id = 0;
    WorkflowDef def;  // the draft
    std::optional<std::string> created_by;
    TimeMs created_at = 0;
    TimeMs updated_at = 0;
    int64_t version = 1;           // of the draft (If-Match)
    int64_t deployed_version = 0;  // latest deployed version number; 0 = never deployed
    std::optional<int64_t> latest_version_id;
};

struct WorkflowVersionRecord {
    int64_t id = 0;
    int64_t workflow_id = 0;
    int64_t version = 0;
    WorkflowDef def;
    std::optional<std::string> deployed_by;
    TimeMs deployed_at = 0;
};

struct DeployResult {
    int64_t version_id = 0;
    int64_t version = 0;
    bool created = false;  // false: the draft equals the latest version, which is returned
};

}  // namespace orderly::domain
