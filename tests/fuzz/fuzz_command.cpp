// libFuzzer target: task command templates. A command line is split into argv when a template is
// saved and placeholders are substituted per argument when a ticket runs; no value may ever
// split an argument, add one, or be scanned for placeholders again.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "domain/command.h"
#include "fuzz_check.h"

using namespace orderly;

namespace {

// Quotes one argument for split_command: single quotes keep everything literally.
std::string single_quote(const std::string& arg) {
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'')
            out += "'\\''";
        else
            out.push_back(c);
    }
    return out + "'";
}

using Values = std::map<std::string, std::vector<std::string>>;

std::vector<std::string> substitute_ok(const std::vector<std::string>& argv, const Values& values) {
    auto out = domain::substitute(argv, values, [](const std::string& key) {
        return std::optional<std::string>("<" + key + ">");
    });
    FUZZ_CHECK(out.ok());
    return *out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider fdp(data, size);
    const std::string command = fdp.ConsumeRandomLengthString(512);

    auto argv = domain::split_command(command);
    if (!argv.ok()) {
        FUZZ_CHECK(argv.error().fields.size() == 1 && argv.error().fields[0].field == "command");
        return 0;
    }
    FUZZ_CHECK(!argv->empty());
    size_t total = 0;
    for (const auto& a : *argv) total += a.size();
    FUZZ_CHECK(total <= command.size());

    // Quoting every argument and splitting again gives the same argv: what was saved is what
    // runs, whatever characters the arguments hold.
    std::string requoted;
    for (const auto& a : *argv) requoted += (requoted.empty() ? "" : " ") + single_quote(a);
    auto again = domain::split_command(requoted);
    FUZZ_CHECK(again.ok() && *again == *argv);

    auto names = domain::placeholders(*argv);
    if (!names.ok()) return 0;
    auto checked = domain::check_command(*argv, *names);
    if (checked.ok()) {
        auto first = domain::placeholders({(*argv)[0]});
        FUZZ_CHECK(first.ok() && first->empty());
    }

    // Values chosen by the fuzzer: they may hold spaces, quotes, braces and placeholders.
    Values values, empty;
    for (const auto& n : *names) {
        if (n.rfind("config.", 0) == 0) continue;
        std::vector<std::string> v;
        size_t count = fdp.ConsumeIntegralInRange<size_t>(0, 3);
        for (size_t i = 0; i < count; ++i) v.push_back(fdp.ConsumeRandomLengthString(64));
        values[n] = std::move(v);
        empty[n] = {};
    }
    auto out = substitute_ok(*argv, values);
    FUZZ_CHECK(out.size() == argv->size());

    // Length accounting: each argument grows by exactly the joined values of its placeholders,
    // once per occurrence, so no value was re-scanned or split off. Occurrences are counted by
    // substituting one byte for one variable at a time.
    auto base = substitute_ok(*argv, empty);
    std::vector<size_t> expected(base.size());
    for (size_t i = 0; i < base.size(); ++i) expected[i] = base[i].size();
    for (const auto& [name, vs] : values) {
        Values one = empty;
        one[name] = {"x"};
        auto counted = substitute_ok(*argv, one);
        size_t joined = 0;
        for (size_t k = 0; k < vs.size(); ++k) joined += vs[k].size() + (k ? 1 : 0);
        for (size_t i = 0; i < base.size(); ++i)
            expected[i] += (counted[i].size() - base[i].size()) * joined;
    }
    for (size_t i = 0; i < out.size(); ++i) FUZZ_CHECK(out[i].size() == expected[i]);

    // A missing variable is a 422 naming it, never a crash or a partial argv.
    if (!values.empty()) {
        Values missing = values;
        missing.erase(missing.begin());
        auto r = domain::substitute(*argv, missing, nullptr);
        FUZZ_CHECK(!r.ok() && http_status(r.error().kind) == 422);
    }

    // Masking: no secret without '*' survives in the text (the mask itself is made of '*').
    std::vector<std::string> secrets;
    for (const auto& [name, vs] : values)
        for (const auto& s : vs)
            if (s.find('*') == std::string::npos) secrets.push_back(s);
    for (const auto& arg : out) {
        std::string masked = domain::mask_secrets(arg, secrets);
        for (const auto& s : secrets)
            if (!s.empty()) FUZZ_CHECK(masked.find(s) == std::string::npos);
    }
    return 0;
}
