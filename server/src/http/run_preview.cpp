#include "http/run_preview.h"

#include "domain/command.h"
#include "storage/catalog_store.h"

namespace orderly::http {

void write_run_preview(json::Writer& w, storage::Connection& c,
                       const std::optional<std::string>& environment,
                       const std::vector<std::string>& argv, std::vector<std::string> secrets,
                       const std::map<std::string, std::vector<std::string>>& values) {
    std::erase(secrets, std::string());
    std::optional<domain::Category> env;
    if (environment)
        env = storage::find_category(c, storage::CategoryKind::environment, *environment);
    w.key("environment");
    if (env)
        w.start_object()
            .kv("key", env->key)
            .kv("name", env->name)
            .kv("protected", env->protected_env)
            .end_object();
    else
        w.null();
    w.kv("confirmation_required", env && env->protected_env);
    w.key("argv").start_array();
    for (const auto& a : argv) w.str(domain::mask_secrets(a, secrets));
    w.end_array();
    // The machines the run addresses: the values of the registered variables marked as hosts.
    w.key("hosts").start_array();
    for (const auto& [name, chosen] : values) {
        auto v = storage::find_variable(c, name);
        if (!v || !v->hosts) continue;
        for (const auto& x : chosen) w.str(domain::mask_secrets(x, secrets));
    }
    w.end_array();
}

}  // namespace orderly::http
