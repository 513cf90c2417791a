#include "app/variable_options.h"

#include <map>
#include <memory>
#include <mutex>

#include "app/option_json.h"
#include "core/codes.h"

namespace orderly::app {

namespace {

constexpr size_t kMaxScriptOutput = 1 << 20;

// One run at a time per variable (in this process): concurrent form loads wait for the first
// run and then use its result instead of starting the script again.
std::mutex& fetch_mutex(const std::string& name) {
    static std::mutex guard;
    static std::map<std::string, std::unique_ptr<std::mutex>> per_variable;
    std::lock_guard lock(guard);
    auto& m = per_variable[name];
    if (!m) m = std::make_unique<std::mutex>();
    return *m;
}

std::string first_line(const std::string& text, size_t max) {
    auto end = text.find('\n');
    std::string line = text.substr(0, std::min(end, max));
    for (auto& ch : line)
        if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    return line;
}

struct ScriptOutcome {
    std::optional<std::vector<domain::Option>> options;
    // Why it failed: the text is shown to the caller; catalog.manage holders also see it, with
    // the code and the detail, as last_error.
    Problem problem;
    std::string detail;  // the first line of standard error, for last_error only
};

ScriptOutcome run_options_script(const OptionsScriptRunner& run, const domain::Variable& v) {
    ScriptOutcome o;
    auto r = run(v.argv, static_cast<int>(v.timeout_s * 1000), kMaxScriptOutput);
    const std::string who = "the options script of \"" + v.name + "\"";
    auto failed = [&](std::string text, const char* code, Params params = {}) {
        params.insert(params.begin(), Param{"name", v.name});
        o.problem = {who + " " + text, code, std::move(params)};
    };
    o.detail = first_line(r.err, 300);
    if (r.timed_out) {
        failed("did not finish within " + std::to_string(v.timeout_s) + " s",
               codes::variable_script_timed_out, {{"timeout_s", v.timeout_s}});
    } else if (r.truncated) {
        failed("printed more than " + std::to_string(kMaxScriptOutput) + " bytes",
               codes::variable_script_output_too_large, {{"max_bytes", kMaxScriptOutput}});
    } else if (r.exit_code != 0) {
        failed("failed with exit code " + std::to_string(r.exit_code),
               codes::variable_script_exit_code, {{"exit_code", r.exit_code}});
    } else {
        json::Document doc;
        auto parsed = json::parse_untrusted(r.out, doc);
        if (!parsed.ok()) {
            std::string why = parsed.error().message;
            const std::string prefix = "request body is not valid JSON: ";
            if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
            failed("did not print valid JSON (" + why + ")", codes::variable_script_not_json,
                   {{"reason", why}});
        } else if (!doc.IsArray()) {
            failed("did not print a JSON array", codes::variable_script_not_array);
        } else {
            auto opts = options_from_json(doc, "output", ErrorKind::unprocessable);
            if (opts.ok()) {
                o.options = std::move(opts).value();
            } else {
                const auto& e = opts.error();
                failed("printed an unusable list: " + e.message, codes::variable_script_bad_list,
                       {{"field", e.fields.empty() ? std::string("output") : e.fields[0].field}});
            }
        }
    }
    return o;
}

}  // namespace

domain::Variable load_variable(domain::CatalogReader& catalog, const std::string& name) {
    auto v = catalog.find_variable(name);
    if (!v)
        fail(Error::NotFound("no variable named \"" + name + "\"")
                 .with(codes::variable_not_found, {{"name", name}}));
    return *v;
}

VariableOptions variable_options(domain::CatalogTransactions& catalog,
                                 const OptionsScriptRunner& run, const Clock& clock,
                                 const std::string& name, bool refresh, bool may_refresh) {
    if (refresh && !may_refresh)
        fail(Error::Forbidden("refresh=true needs the permission \"catalog.manage\"")
                 .with(codes::variable_refresh_denied));
    auto read = [&] {
        domain::Variable v;
        catalog.read([&](domain::CatalogReader& r) { v = load_variable(r, name); });
        return v;
    };
    auto v = read();
    if (v.source == domain::VariableSource::static_list) return {v, false};
    if (!refresh && domain::cache_fresh(v, clock.now_ms())) return {v, true};

    std::unique_lock lock(fetch_mutex(name), std::try_to_lock);
    if (!lock.owns_lock()) {
        // Another request is running the script: a stale list now beats holding a worker
        // thread until the script ends; without one, wait for that run.
        if (v.cached && !refresh) return {v, true};
        lock.lock();
    }
    auto again = read();
    if (again.source == domain::VariableSource::static_list) return {again, false};
    // Someone else refreshed it while this call waited.
    if (domain::cache_fresh(again, clock.now_ms()) && (!refresh || again.cached_at != v.cached_at))
        return {again, true};
    auto outcome = run_options_script(run, again);
    TimeMs now = clock.now_ms();
    catalog.write([&](domain::VariableCacheWriter& w) {
        if (outcome.options)
            w.store_variable_cache(name, *outcome.options, now);
        else
            w.store_variable_error(
                name,
                {outcome.problem.text + (outcome.detail.empty() ? "" : ": " + outcome.detail),
                 outcome.problem.code, outcome.problem.params},
                now);
    });
    if (!outcome.options)
        fail(Error::UnprocessableField(
            "options", outcome.problem.text + "; ask an administrator to check the variable",
            codes::variable_script_failed, {{"name", name}}));
    return {read(), false};
}

}  // namespace orderly::app
