#include "app/workflows.h"

#include "app/checks.h"
#include "core/codes.h"
#include "domain/workflow_json.h"
#include "storage/database.h"
#include "storage/workflow_store.h"

namespace orderly::app {

namespace {

domain::WorkflowRecord load_workflow(storage::Connection& c, int64_t id) {
    auto r = storage::find_workflow(c, id);
    if (!r)
        fail(Error::NotFound("no workflow with id " + std::to_string(id))
                 .with(codes::workflow_not_found, {{"id", id}}));
    return std::move(*r);
}

}  // namespace

std::vector<domain::WorkflowRecord> Workflows::list(int64_t after_id, int limit) const {
    return db_.read(
        [&](storage::Connection& c) { return storage::list_workflows(c, after_id, limit); });
}

domain::WorkflowRecord Workflows::get(int64_t id) const {
    return db_.read([&](storage::Connection& c) { return load_workflow(c, id); });
}

domain::WorkflowRecord Workflows::create(const Caller& who, const domain::WorkflowDef& def) const {
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        const int64_t id = storage::insert_workflow(c, def, who.username(), now);
        auto created = load_workflow(c, id);
        audit(c, who, now, "workflow.create", "workflow", std::to_string(id),
              "created workflow " + def.name, std::nullopt, domain::workflow_record_json(created));
        return created;
    });
}

domain::WorkflowRecord Workflows::update(
    const Caller& who, int64_t id, const domain::WorkflowDef& def,
    const std::function<std::optional<int64_t>()>& sent_version) const {
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto before = load_workflow(c, id);
        check_version(sent_version(), before.version, "workflow " + before.def.name);
        storage::update_workflow(c, id, def, now);
        auto after = load_workflow(c, id);
        audit(c, who, now, "workflow.update", "workflow", std::to_string(id),
              "updated the draft of workflow " + def.name, domain::workflow_record_json(before),
              domain::workflow_record_json(after));
        return after;
    });
}

domain::DeployResult Workflows::deploy(const Caller& who, int64_t id) const {
    const TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto wf = load_workflow(c, id);
        auto errs = domain::validate_for_deploy(wf.def, storage::StoreOperatorDirectory(c));
        if (!errs.empty()) {
            std::string msg =
                "workflow \"" + wf.def.name + "\" cannot be deployed: " + errs.front().message;
            if (errs.size() > 1)
                msg += " (and " + std::to_string(errs.size() - 1) + " more problems)";
            size_t count = errs.size();
            fail(Error::Unprocessable(msg, std::move(errs))
                     .with(codes::workflow_invalid, {{"name", wf.def.name}, {"count", count}}));
        }
        auto res = storage::deploy_workflow(c, id, who.username(), now);
        if (res.created) {
            json::Writer w;
            w.start_object()
                .kv("version_id", res.version_id)
                .kv("version", res.version)
                .end_object();
            audit(c, who, now, "workflow.deploy", "workflow", std::to_string(id),
                  "deployed workflow " + wf.def.name + " as version " + std::to_string(res.version),
                  std::nullopt, w.take());
        }
        return res;
    });
}

std::vector<domain::WorkflowVersionRecord> Workflows::versions(int64_t id) const {
    return db_.read([&](storage::Connection& c) {
        load_workflow(c, id);
        return storage::list_workflow_versions(c, id);
    });
}

domain::WorkflowVersionRecord Workflows::version(int64_t id, int64_t number) const {
    return db_.read([&](storage::Connection& c) {
        auto v = storage::find_workflow_version_by_number(c, id, number);
        if (!v)
            fail(Error::NotFound("workflow " + std::to_string(id) + " has no version " +
                                 std::to_string(number))
                     .with(codes::workflow_version_not_found, {{"id", id}, {"version", number}}));
        return std::move(*v);
    });
}

}  // namespace orderly::app
