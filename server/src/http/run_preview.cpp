#include "http/run_preview.h"

namespace orderly::http {

void write_run_preview(json::Writer& w, const app::RunPreview& p) {
    const auto& env = p.environment;
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
    w.kv("argv", p.argv);
    w.kv("hosts", p.hosts);
}

void write_run_preview(json::Writer& w, storage::Connection& c,
                       const std::optional<std::string>& environment,
                       const std::vector<std::string>& argv, std::vector<std::string> secrets,
                       const std::map<std::string, std::vector<std::string>>& values) {
    write_run_preview(w, app::run_preview(c, environment, argv, std::move(secrets), values));
}

}  // namespace orderly::http
