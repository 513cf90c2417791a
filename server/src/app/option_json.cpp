#include "app/option_json.h"

#include "core/codes.h"

namespace orderly::app {

Result<std::vector<domain::Option>> options_from_json(const json::Value& v,
                                                      const std::string& field, ErrorKind kind) {
    auto problem = [&](std::string f, std::string msg, const char* code = codes::field_type,
                       Params params = {}) {
        return Error::field_error(kind, std::move(f), std::move(msg), code, std::move(params));
    };
    if (!v.IsArray())
        return problem(field, "must be an array of strings or {value, label} objects",
                       codes::field_type, {{"expected", "array"}});
    std::vector<domain::Option> out;
    out.reserve(v.Size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        const auto& item = v[i];
        const std::string f = field + "[" + std::to_string(i) + "]";
        if (item.IsString()) {
            std::string s(item.GetString(), item.GetStringLength());
            out.push_back({s, s});
        } else if (item.IsObject()) {
            auto value = item.FindMember("value");
            if (value == item.MemberEnd() || !value->value.IsString())
                return problem(f + ".value", "must be a string", codes::field_string);
            domain::Option o;
            o.value.assign(value->value.GetString(), value->value.GetStringLength());
            auto label = item.FindMember("label");
            if (label != item.MemberEnd() && !label->value.IsNull()) {
                if (!label->value.IsString())
                    return problem(f + ".label", "must be a string", codes::field_string);
                o.label.assign(label->value.GetString(), label->value.GetStringLength());
            }
            for (auto m = item.MemberBegin(); m != item.MemberEnd(); ++m) {
                std::string_view name(m->name.GetString(), m->name.GetStringLength());
                if (name != "value" && name != "label")
                    return problem(f + "." + std::string(name), "is not a known field",
                                   codes::field_unknown);
            }
            if (o.label.empty()) o.label = o.value;
            out.push_back(std::move(o));
        } else {
            return problem(f, "must be a string or a {value, label} object", codes::field_type,
                           {{"expected", "string or object"}});
        }
    }
    if (auto p = domain::option_problem(out, field))
        return problem(p->field, p->message, p->code.c_str(), p->params);
    return out;
}

}  // namespace orderly::app
