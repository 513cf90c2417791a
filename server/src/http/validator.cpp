#include "http/validator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
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
    // Integers are int64 throughout (SQLite, handlers): 2^63 and above are not integers here.
    if (t == "integer") return v.IsInt64();
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

// Orders two JSON numbers exactly when both are integers (a double cannot tell 2^53 from
// 2^53 + 1), by value otherwise. Returns <0, 0 or >0.
int compare(const json::Value& a, const json::Value& b) {
    if (a.IsInt64() && b.IsInt64()) {
        auto x = a.GetInt64(), y = b.GetInt64();
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.IsUint64() && b.IsUint64()) {
        auto x = a.GetUint64(), y = b.GetUint64();
        return x < y ? -1 : x > y ? 1 : 0;
    }
    // One of them is above int64 (a uint64), the other an int64: the uint64 is the larger.
    if (a.IsUint64() && b.IsInt64()) return 1;
    if (a.IsInt64() && b.IsUint64()) return -1;
    double x = a.GetDouble(), y = b.GetDouble();
    return x < y ? -1 : x > y ? 1 : 0;
}

std::string join(const std::string& path, std::string_view name) {
    // A member whose name is empty is shown as "", so that its error still names something.
    const std::string n = name.empty() ? std::string("\"\"") : std::string(name);
    if (path.empty()) return n;
    return path + "." + n;
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

std::vector<FieldError> validate(std::string_view schema_json, const json::Value& value) {
    return SchemaValidator(schema_json).validate(value);
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
        if (!ok && v.IsUint64() && expected.find("integer") != std::string::npos) {
            out.push_back({field,
                           "must be at most 9223372036854775807",
                           "field.maximum",
                           {{"max", "9223372036854775807"}}});
            return;
        }
        if (!ok) {
            out.push_back({field,
                           "must be " + expected + ", not " + type_name(v),
                           "field.type",
                           {{"expected", expected}, {"actual", type_name(v)}}});
            return;
        }
    }
    if (auto a = s.FindMember("allOf"); a != s.MemberEnd() && a->value.IsArray())
        for (const auto& branch : a->value.GetArray()) check(branch, v, path, out);
    // anyOf / oneOf: the spec uses them for a value of one of a few types (a string or a list),
    // so the branches are told apart by type and oneOf is checked like anyOf. The problems
    // reported are those of the branch of the value's type, or the types allowed.
    for (const char* kw : {"anyOf", "oneOf"}) {
        auto a = s.FindMember(kw);
        if (a == s.MemberEnd() || !a->value.IsArray()) continue;
        std::vector<FieldError> of_type, untyped;
        bool matched = false, typed = false;
        std::string expected;
        for (const auto& branch : a->value.GetArray()) {
            std::vector<FieldError> errs;
            check(branch, v, path, errs);
            if (errs.empty()) {
                matched = true;
                break;
            }
            if (!branch.IsObject()) continue;
            auto t = branch.FindMember("type");
            if (t == branch.MemberEnd()) {
                // A branch of any type (e.g. an allOf): its problems, unless one of a type fits.
                if (untyped.empty()) untyped = errs;
                continue;
            }
            std::vector<std::string_view> types;
            if (t->value.IsString()) types.emplace_back(t->value.GetString());
            if (t->value.IsArray())
                for (const auto& one : t->value.GetArray())
                    if (one.IsString()) types.emplace_back(one.GetString());
            for (auto one : types) {
                if (expected.find(one) == std::string::npos) {
                    if (!expected.empty()) expected += " or ";
                    expected += one;
                }
                if (!typed && type_matches(one, v)) {
                    typed = true;
                    of_type = errs;
                }
            }
        }
        if (matched) continue;
        if (typed)
            for (auto& e : of_type)
                if (out.size() < kMaxErrors) out.push_back(std::move(e));
        if (!typed && !untyped.empty())
            for (auto& e : untyped)
                if (out.size() < kMaxErrors) out.push_back(std::move(e));
        if (!typed && untyped.empty())
            out.push_back({field, expected.empty()
                                      ? std::string("is not an allowed value")
                                      : "must be " + expected + ", not " + type_name(v)});
        return;
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
        if (auto m = s.FindMember("minimum"); m != s.MemberEnd() && m->value.IsNumber()) {
            auto ex = s.FindMember("exclusiveMinimum");
            bool exclusive = ex != s.MemberEnd() && ex->value.IsBool() && ex->value.GetBool();
            int c = compare(v, m->value);
            if (exclusive ? c <= 0 : c < 0)
                out.push_back({field,
                               "must be " + std::string(exclusive ? "greater than " : "at least ") +
                                   json::to_string(m->value),
                               exclusive ? "field.greater_than" : "field.minimum",
                               {{"min", json::to_string(m->value)}}});
        }
        if (auto m = s.FindMember("maximum"); m != s.MemberEnd() && m->value.IsNumber()) {
            auto ex = s.FindMember("exclusiveMaximum");
            bool exclusive = ex != s.MemberEnd() && ex->value.IsBool() && ex->value.GetBool();
            int c = compare(v, m->value);
            if (exclusive ? c >= 0 : c > 0)
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

namespace {
enum class IntegerText { ok, malformed, out_of_range };
// A parameter's text as an int64: canonical decimal only, no sign but '-' and no leading zeros
// ("01" is not 1).
IntegerText read_integer(std::string_view raw, int64_t& n) {
    const char* end = raw.data() + raw.size();
    auto [p, ec] = std::from_chars(raw.data(), end, n);
    const size_t digits = raw.size() - (!raw.empty() && raw[0] == '-' ? 1 : 0);
    const bool canonical = digits > 0 && (raw[raw.size() - digits] != '0' || digits == 1);
    if (!canonical || p != end || (ec != std::errc() && ec != std::errc::result_out_of_range))
        return IntegerText::malformed;
    return ec == std::errc::result_out_of_range ? IntegerText::out_of_range : IntegerText::ok;
}
}  // namespace

ParamsValidator::ParamsValidator(std::string_view schema_json) : schema_(schema_json) {
    json::Document d;
    d.Parse(schema_json.data(), schema_json.size());
    auto props = d.FindMember("properties");
    if (d.HasParseError() || props == d.MemberEnd() || !props->value.IsObject())
        throw std::logic_error("invalid embedded parameter schema");
    const auto only = [](const json::Value& obj, std::initializer_list<std::string_view> keys) {
        for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m)
            if (std::find(keys.begin(), keys.end(),
                          std::string_view(m->name.GetString(), m->name.GetStringLength())) ==
                keys.end())
                return false;
        return true;
    };
    quick_ = only(d, {"type", "properties", "required", "additionalProperties"});
    if (auto r = d.FindMember("required"); r != d.MemberEnd() && r->value.IsArray())
        for (const auto& name : r->value.GetArray())
            if (name.IsString()) required_.emplace_back(name.GetString());
    for (auto it = props->value.MemberBegin(); it != props->value.MemberEnd(); ++it) {
        Param p;
        p.type = "string";
        const json::Value& ps = it->value;
        if (auto t = ps.FindMember("type"); t != ps.MemberEnd() && t->value.IsString())
            p.type = t->value.GetString();
        p.plain_integer = p.type == "integer" && ps.IsObject() &&
                          only(ps, {"type", "format", "minimum", "maximum", "description"});
        for (auto [key, bound] : {std::pair{"minimum", &p.minimum}, {"maximum", &p.maximum}})
            if (auto b = ps.FindMember(key); p.plain_integer && b != ps.MemberEnd()) {
                if (b->value.IsInt64())
                    *bound = b->value.GetInt64();
                else
                    p.plain_integer = false;  // a fractional or huge bound: the schema decides
            }
        params_.emplace(it->name.GetString(), std::move(p));
    }
}

bool ParamsValidator::quickly_valid(
    const std::unordered_map<std::string, std::string>& params) const {
    if (!quick_) return false;
    for (const auto& name : required_)
        if (!params.count(name)) return false;
    for (const auto& [name, raw] : params) {
        auto p = params_.find(name);
        if (p == params_.end() || !p->second.plain_integer) return false;
        int64_t n = 0;
        if (read_integer(raw, n) != IntegerText::ok || n < p->second.minimum ||
            n > p->second.maximum)
            return false;
    }
    return true;
}

std::vector<FieldError> ParamsValidator::validate(
    const std::vector<std::pair<std::string, std::string>>& params) const {
    std::vector<FieldError> out;
    // A few parameters: a buffer on the stack instead of RapidJSON's first 64 KiB chunk, whose
    // free() makes glibc consolidate its heap on every request.
    char buffer[1024];
    rapidjson::MemoryPoolAllocator<> pool(buffer, sizeof buffer);
    json::Document obj(&pool);
    obj.SetObject();
    auto& a = obj.GetAllocator();
    std::set<std::string_view> seen;
    for (const auto& [name, raw] : params) {
        if (out.size() >= kMaxErrors) break;
        // A parameter name is echoed back in the error: keep it short.
        const std::string shown = name.substr(0, 64);
        auto t = params_.find(name);
        if (t == params_.end()) {
            out.push_back({shown, "is not a parameter of this operation", "field.unknown", {}});
            continue;
        }
        // Pistache keeps one value per name, so the server never passes repeats; a caller that
        // does gets them refused.
        if (!seen.insert(name).second) {
            out.push_back({shown, "is given more than once", "field.duplicate", {}});
            continue;
        }
        json::Value v;
        const std::string& type = t->second.type;
        if (type == "integer") {
            int64_t n = 0;
            const IntegerText read = read_integer(raw, n);
            if (read == IntegerText::malformed) {
                out.push_back({shown, "must be an integer", "field.integer", {}});
                continue;
            }
            if (read == IntegerText::out_of_range) {
                out.push_back({shown,
                               "must be an integer from -9223372036854775808 to "
                               "9223372036854775807",
                               "field.integer",
                               {}});
                continue;
            }
            v.SetInt64(n);
        } else if (type == "number") {
            double d = 0;
            const char* end = raw.data() + raw.size();
            auto [p, ec] = std::from_chars(raw.data(), end, d);
            if (raw.empty() || p != end || ec != std::errc() || !std::isfinite(d)) {
                out.push_back({shown, "must be a number", "field.number", {}});
                continue;
            }
            v.SetDouble(d);
        } else if (type == "boolean") {
            if (raw == "true" || raw == "1")
                v.SetBool(true);
            else if (raw == "false" || raw == "0")
                v.SetBool(false);
            else {
                out.push_back({shown, "must be true or false", "field.boolean", {}});
                continue;
            }
        } else {
            v.SetString(raw.data(), static_cast<rapidjson::SizeType>(raw.size()), a);
        }
        obj.AddMember(json::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a), v,
                      a);
    }
    if (out.size() < kMaxErrors) {
        auto more = schema_.validate(obj);
        for (auto& e : more) {
            if (out.size() >= kMaxErrors) break;
            out.push_back(std::move(e));
        }
    }
    return out;
}

}  // namespace orderly::http
