#include "http/validator.h"

#include <set>

#include "core/time.h"

namespace orderly::http {

namespace {
constexpr size_t kMaxErrors = 10;
constexpr size_t kMaxPatternInput = 1024;

bool type_matches(std::string_view t, const json::Value& v) {
    if (t == "object") return v.IsObject();
    if (t == "array") return v.IsArray();
    if (t == "string") return v.IsString();
    if (t == "integer") return v.IsInt64() || v.IsUint64();
    if (t == "number") return v.IsNumber();
    if (t == "boolean") return v.IsBool();
    if (t == "null") return v.IsNull();
    return false;
}

const char* type_name(const json::Value& v) {
    if (v.IsObject()) return "object";
    if (v.IsArray()) return "array";
    if (v.IsString()) return "string";
    if (v.IsBool()) return "boolean";
    if (v.IsNull()) return "null";
    if (v.IsInt64() || v.IsUint64()) return "integer";
    return "number";
}

size_t utf8_length(const json::Value& s) {
    size_t n = 0;
    const char* p = s.GetString();
    for (rapidjson::SizeType i = 0; i < s.GetStringLength(); ++i)
        if ((static_cast<unsigned char>(p[i]) & 0xC0) != 0x80) ++n;
    return n;
}

std::string join(const std::string& path, std::string_view name) {
    if (path.empty()) return std::string(name);
    return path + "." + std::string(name);
}
}  // namespace

SchemaValidator::SchemaValidator(std::string_view schema_json) {
    schema_.Parse(schema_json.data(), schema_json.size());
    if (schema_.HasParseError()) throw std::logic_error("invalid embedded schema");
    compile_patterns(schema_);
}

void SchemaValidator::compile_patterns(const json::Value& s) {
    if (s.IsObject()) {
        for (auto it = s.MemberBegin(); it != s.MemberEnd(); ++it) {
            if (std::string_view(it->name.GetString()) == "pattern" && it->value.IsString()) {
                std::string p = it->value.GetString();
                if (!regexes_.count(p))
                    regexes_.emplace(p, std::make_unique<std::regex>(p, std::regex::ECMAScript));
            } else {
                compile_patterns(it->value);
            }
        }
    } else if (s.IsArray()) {
        for (const auto& v : s.GetArray()) compile_patterns(v);
    }
}

const std::regex* SchemaValidator::regex_for(const std::string& pattern) const {
    auto it = regexes_.find(pattern);
    return it == regexes_.end() ? nullptr : it->second.get();
}

std::vector<FieldError> SchemaValidator::validate(const json::Value& v) const {
    std::vector<FieldError> out;
    check(schema_, v, "", out);
    return out;
}

void SchemaValidator::check(const json::Value& s, const json::Value& v, const std::string& path,
                            std::vector<FieldError>& out) const {
    if (out.size() >= kMaxErrors || !s.IsObject()) return;
    const std::string field = path.empty() ? "body" : path;

    if (auto t = s.FindMember("type"); t != s.MemberEnd()) {
        bool ok = false;
        std::string expected;
        if (t->value.IsString()) {
            ok = type_matches(t->value.GetString(), v);
            expected = t->value.GetString();
        } else if (t->value.IsArray()) {
            for (const auto& one : t->value.GetArray()) {
                if (!one.IsString()) continue;
                if (type_matches(one.GetString(), v)) ok = true;
                if (!expected.empty()) expected += " or ";
                expected += one.GetString();
            }
        }
        if (!ok) {
            out.push_back({field,
                           "must be " + expected + ", not " + type_name(v),
                           "field.type",
                           {{"expected", expected}, {"actual", type_name(v)}}});
            return;
        }
    }
    if (auto e = s.FindMember("enum"); e != s.MemberEnd() && e->value.IsArray()) {
        bool found = false;
        std::string allowed;
        for (const auto& one : e->value.GetArray()) {
            if (one == v) found = true;
            if (!allowed.empty()) allowed += ", ";
            allowed += one.IsString() ? one.GetString() : json::to_string(one);
        }
        if (!found)
            out.push_back(
                {field, "must be one of: " + allowed, "field.enum", {{"allowed", allowed}}});
    }
    if (v.IsString()) {
        size_t len = utf8_length(v);
        if (auto m = s.FindMember("minLength");
            m != s.MemberEnd() && m->value.IsUint64() && len < m->value.GetUint64())
            out.push_back({field,
                           m->value.GetUint64() == 1
                               ? std::string("must not be empty")
                               : "must be at least " + std::to_string(m->value.GetUint64()) +
                                     " characters long",
                           m->value.GetUint64() == 1 ? "field.empty" : "field.min_length",
                           {{"min", m->value.GetUint64()}}});
        if (auto m = s.FindMember("maxLength");
            m != s.MemberEnd() && m->value.IsUint64() && len > m->value.GetUint64())
            out.push_back(
                {field,
                 "must be at most " + std::to_string(m->value.GetUint64()) + " characters long",
                 "field.max_length",
                 {{"max", m->value.GetUint64()}}});
        if (auto m = s.FindMember("pattern"); m != s.MemberEnd() && m->value.IsString()) {
            std::string text(v.GetString(), v.GetStringLength());
            const std::regex* re = regex_for(m->value.GetString());
            // libstdc++'s regex recurses per character: long strings are refused before matching.
            if (text.size() > kMaxPatternInput)
                out.push_back(
                    {field, "is too long", "field.max_length", {{"max", kMaxPatternInput}}});
            else if (re && !std::regex_search(text, *re))
                out.push_back({field,
                               std::string("must match the pattern ") + m->value.GetString(),
                               "field.pattern",
                               {{"pattern", m->value.GetString()}}});
        }
        if (auto m = s.FindMember("format");
            m != s.MemberEnd() && m->value.IsString() &&
            std::string_view(m->value.GetString()) == "date-time") {
            if (!parse_rfc3339(std::string_view(v.GetString(), v.GetStringLength())))
                out.push_back({field, "must be an RFC 3339 date-time, e.g. 2026-11-21T08:00:00Z",
                               "field.datetime"});
        }
    }
    if (v.IsNumber()) {
        double d = v.GetDouble();
        if (auto m = s.FindMember("minimum"); m != s.MemberEnd() && m->value.IsNumber()) {
            auto ex = s.FindMember("exclusiveMinimum");
            bool exclusive = ex != s.MemberEnd() && ex->value.IsBool() && ex->value.GetBool();
            if (exclusive ? d <= m->value.GetDouble() : d < m->value.GetDouble())
                out.push_back({field,
                               "must be " + std::string(exclusive ? "greater than " : "at least ") +
                                   json::to_string(m->value),
                               exclusive ? "field.greater_than" : "field.minimum",
                               {{"min", json::to_string(m->value)}}});
        }
        if (auto m = s.FindMember("maximum"); m != s.MemberEnd() && m->value.IsNumber()) {
            auto ex = s.FindMember("exclusiveMaximum");
            bool exclusive = ex != s.MemberEnd() && ex->value.IsBool() && ex->value.GetBool();
            if (exclusive ? d >= m->value.GetDouble() : d > m->value.GetDouble())
                out.push_back({field,
                               "must be " + std::string(exclusive ? "less than " : "at most ") +
                                   json::to_string(m->value),
                               exclusive ? "field.less_than" : "field.maximum",
                               {{"max", json::to_string(m->value)}}});
        }
    }
    if (v.IsArray()) {
        auto n = v.Size();
        if (auto m = s.FindMember("minItems");
            m != s.MemberEnd() && m->value.IsUint64() && n < m->value.GetUint64())
            out.push_back({field,
                           "must have at least " + std::to_string(m->value.GetUint64()) + " items",
                           "field.min_items",
                           {{"min", m->value.GetUint64()}}});
        if (auto m = s.FindMember("maxItems");
            m != s.MemberEnd() && m->value.IsUint64() && n > m->value.GetUint64())
            out.push_back({field,
                           "must have at most " + std::to_string(m->value.GetUint64()) + " items",
                           "field.max_items",
                           {{"max", m->value.GetUint64()}}});
        if (auto m = s.FindMember("uniqueItems");
            m != s.MemberEnd() && m->value.IsBool() && m->value.GetBool()) {
            std::set<std::string> seen;
            for (const auto& item : v.GetArray())
                if (!seen.insert(json::to_string(item)).second) {
                    out.push_back({field,
                                   "must not contain duplicates (" + json::to_string(item) + ")",
                                   "field.duplicate",
                                   {{"value", json::to_string(item)}}});
                    break;
                }
        }
        if (auto items = s.FindMember("items"); items != s.MemberEnd() && items->value.IsObject()) {
            for (rapidjson::SizeType i = 0; i < n && out.size() < kMaxErrors; ++i)
                check(items->value, v[i],
                      (path.empty() ? "body" : path) + "[" + std::to_string(i) + "]", out);
        }
    }
    if (v.IsObject()) {
        const json::Value* props = nullptr;
        if (auto p = s.FindMember("properties"); p != s.MemberEnd() && p->value.IsObject())
            props = &p->value;
        if (auto r = s.FindMember("required"); r != s.MemberEnd() && r->value.IsArray()) {
            for (const auto& name : r->value.GetArray())
                if (name.IsString() && !v.HasMember(name.GetString()))
                    out.push_back({join(path, name.GetString()), "is required", "field.required"});
        }
        auto n = v.MemberCount();
        if (auto m = s.FindMember("minProperties");
            m != s.MemberEnd() && m->value.IsUint64() && n < m->value.GetUint64())
            out.push_back(
                {field,
                 "must have at least " + std::to_string(m->value.GetUint64()) + " members",
                 "field.min_properties",
                 {{"min", m->value.GetUint64()}}});
        if (auto m = s.FindMember("maxProperties");
            m != s.MemberEnd() && m->value.IsUint64() && n > m->value.GetUint64())
            out.push_back({field,
                           "must have at most " + std::to_string(m->value.GetUint64()) + " members",
                           "field.max_properties",
                           {{"max", m->value.GetUint64()}}});
        auto ap = s.FindMember("additionalProperties");
        for (auto it = v.MemberBegin(); it != v.MemberEnd() && out.size() < kMaxErrors; ++it) {
            std::string_view name(it->name.GetString(), it->name.GetStringLength());
            std::string sub = join(path, name);
            if (props) {
                auto ps = props->FindMember(it->name);
                if (ps != props->MemberEnd()) {
                    check(ps->value, it->value, sub, out);
                    continue;
                }
            }
            if (ap != s.MemberEnd()) {
                if (ap->value.IsBool() && !ap->value.GetBool())
                    out.push_back({sub, "is not a known field", "field.unknown"});
                else if (ap->value.IsObject())
                    check(ap->value, it->value, sub, out);
            }
        }
    }
}

}  // namespace orderly::http
