#include "storage/catalog_columns.h"

#include <stdexcept>

#include "domain/catalog_json.h"

namespace orderly::storage {

json::Document parse_column(const std::string& text, const char* what) {
    json::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError()) throw std::runtime_error(std::string("malformed stored ") + what);
    return d;
}

std::string strings_json(const std::vector<std::string>& v) {
    json::Writer w;
    w.strings(v);
    return w.take();
}

std::vector<std::string> strings_from(const json::Value& v) {
    std::vector<std::string> out;
    if (!v.IsArray()) return out;
    for (const auto& s : v.GetArray())
        if (s.IsString()) out.emplace_back(s.GetString(), s.GetStringLength());
    return out;
}

std::string options_json(const std::vector<domain::Option>& opts) {
    json::Writer w;
    domain::write_options(w, opts);
    return w.take();
}

std::vector<domain::Option> options_from(const json::Value& v) {
    std::vector<domain::Option> out;
    if (!v.IsArray()) return out;
    for (const auto& o : v.GetArray()) {
        auto value = json::get_string(o, "value");
        if (!value) continue;
        out.push_back({*value, json::get_string(o, "label").value_or(*value)});
    }
    return out;
}

}  // namespace orderly::storage
