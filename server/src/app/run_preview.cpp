#include "app/run_preview.h"

#include "domain/command.h"
#include "storage/catalog_store.h"

namespace orderly::app {

RunPreview run_preview(storage::Connection& c, const std::optional<std::string>& environment,
                       const std::vector<std::string>& argv, std::vector<std::string> secrets,
                       const std::map<std::string, std::vector<std::string>>& values) {
    std::erase(secrets, std::string());
    RunPreview out;
    if (environment)
        out.environment =
            storage::find_category(c, storage::CategoryKind::environment, *environment);
    out.argv.reserve(argv.size());
    for (const auto& a : argv) out.argv.push_back(domain::mask_secrets(a, secrets));
    // The machines the run addresses: the values of the registered variables marked as hosts.
    for (const auto& [name, chosen] : values) {
        auto v = storage::find_variable(c, name);
        if (!v || !v->hosts) continue;
        for (const auto& x : chosen) out.hosts.push_back(domain::mask_secrets(x, secrets));
    }
    return out;
}

}  // namespace orderly::app
