#include "domain/catalog.h"

#include <algorithm>

#include "core/codes.h"
#include "domain/command.h"

namespace orderly::domain {

namespace {

bool alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

// A value quoted for an error message: at most 40 characters, control characters shown as ?.
std::string quoted(const std::string& v) {
    std::string out = "\"";
    size_t i = 0, chars = 0;
    while (i < v.size()) {
        if (chars++ == 40) {
            out += "...";
            break;
        }
        unsigned char c = static_cast<unsigned char>(v[i]);
        size_t n = c < 0x80           ? 1
                   : (c >> 5) == 0x6  ? 2
                   : (c >> 4) == 0xE  ? 3
                   : (c >> 3) == 0x1E ? 4
                                      : 1;
        n = std::min(n, v.size() - i);
        if (n == 1 && c < 0x20)
            out.push_back('?');
        else
            out.append(v, i, n);
        i += n;
    }
    return out + "\"";
}

std::string at_index(const std::string& field, size_t i) {
    return field + "[" + std::to_string(i) + "]";
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t nl = s.find('\n', start);
        if (nl == std::string::npos) {
            if (start < s.size()) out.push_back(s.substr(start));
            break;
        }
        out.push_back(s.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

}  // namespace

bool valid_variable_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    if (!alpha(name[0]) && name[0] != '_') return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return alpha(c) || digit(c) || c == '_'; });
}

bool valid_config_key(const std::string& key) {
    if (key.empty() || key.size() > 128) return false;
    if (!alpha(key[0]) && !digit(key[0]) && key[0] != '_') return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return alpha(c) || digit(c) || c == '_' || c == '.' || c == '-';
    });
}

std::vector<DiffLine> line_diff(const std::string& from, const std::string& to) {
    auto a = split_lines(from), b = split_lines(to);
    std::vector<DiffLine> out;
    const size_t n = a.size(), m = b.size();
    if (n * m > 4'000'000) {
        for (auto& l : a) out.push_back({'-', std::move(l)});
        for (auto& l : b) out.push_back({'+', std::move(l)});
        return out;
    }
    // lcs[i][j] = length of the LCS of a[i..] and b[j..]
    std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i][j] =
                a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n && j < m) {
        if (a[i] == b[j]) {
            out.push_back({' ', a[i]});
            ++i;
            ++j;
        } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_back({'-', a[i++]});
        } else {
            out.push_back({'+', b[j++]});
        }
    }
    while (i < n) out.push_back({'-', a[i++]});
    while (j < m) out.push_back({'+', b[j++]});
    return out;
}

std::optional<FieldError> option_problem(const std::vector<Option>& options,
                                         const std::string& field) {
    if (options.size() > kMaxOptions)
        return FieldError{field,
                          "must have at most " + std::to_string(kMaxOptions) + " options",
                          codes::option_too_many,
                          {{"max", kMaxOptions}}};
    std::set<std::string> seen;
    for (size_t i = 0; i < options.size(); ++i) {
        const auto& o = options[i];
        if (o.value.empty())
            return FieldError{at_index(field, i), "the value must not be empty",
                              codes::option_value_empty};
        if (o.value.size() > kMaxOptionValueBytes)
            return FieldError{
                at_index(field, i),
                "the value must be at most " + std::to_string(kMaxOptionValueBytes) + " bytes long",
                codes::option_value_too_long,
                {{"max", kMaxOptionValueBytes}}};
        if (o.value.find('\0') != std::string::npos)
            return FieldError{at_index(field, i),
                              "the value contains a NUL character, which no program argument can "
                              "hold",
                              codes::field_nul_character};
        if (o.label.size() > kMaxOptionLabelBytes)
            return FieldError{
                at_index(field, i),
                "the label must be at most " + std::to_string(kMaxOptionLabelBytes) + " bytes long",
                codes::option_label_too_long,
                {{"max", kMaxOptionLabelBytes}}};
        if (!seen.insert(o.value).second)
            return FieldError{at_index(field, i),
                              "the value " + quoted(o.value) + " is repeated",
                              codes::option_repeated,
                              {{"value", o.value}}};
    }
    return std::nullopt;
}

std::vector<std::string> option_values(const std::vector<Option>& options) {
    std::vector<std::string> out;
    out.reserve(options.size());
    for (const auto& o : options) out.push_back(o.value);
    return out;
}

const char* to_string(VariableSource s) {
    return s == VariableSource::script ? "script" : "static";
}

std::optional<std::vector<Option>> current_options(const Variable& v) {
    if (v.source == VariableSource::static_list) return v.options;
    return v.cached;
}

bool cache_fresh(const Variable& v, TimeMs now) {
    return v.source == VariableSource::script && v.cached && v.cached_at &&
           now < *v.cached_at + v.cache_s * 1000;
}

Result<std::vector<std::string>> script_argv(const std::string& command) {
    auto argv = split_command(command);
    if (!argv.ok()) return argv.error();
    auto names = placeholders(*argv);
    if (!names.ok()) return names.error();
    if (!names->empty())
        return Error::Field("command",
                            "an options script takes no placeholders (found {" + *names->begin() +
                                "}); write {{ for a literal brace",
                            codes::command_placeholder_in_options_script,
                            {{"name", *names->begin()}});
    return argv;
}

namespace {

// The list a template's field offers at save time, for checking defaults; nullopt when it is
// not known then (script-fed).
struct SaveTimeList {
    bool known = false;
    std::vector<Option> options;
    bool multiple = false;
};

}  // namespace

// Long on purpose: the template checks in the order the form shows their errors, sharing the
// parsed command and the registered variables.
Result<std::vector<std::string>> check_template(const Template& t, const VariableLookup& vars) {
    std::set<std::string> provided;
    for (const auto& [name, value] : t.internal_vars) {
        if (!valid_variable_name(name))
            return Error::Field("internal_vars." + name,
                                "is not a valid variable name (letters, digits and _, not "
                                "starting with a digit)",
                                codes::variable_name_invalid);
        if (value.find('\0') != std::string::npos)
            return Error::Field("internal_vars." + name, "must not contain a NUL character",
                                codes::field_nul_character);
        provided.insert(name);
    }
    for (const auto& [name, list] : t.choices) {
        const std::string field = "choices." + name;
        if (!valid_variable_name(name))
            return Error::Field(field, "is not a valid variable name",
                                codes::variable_name_invalid);
        if (t.internal_vars.count(name))
            return Error::Field(field, "is also an internal variable; use one or the other",
                                codes::variable_internal_conflict, {{"name", name}});
        if (vars && vars(name))
            return Error::UnprocessableField(
                field,
                "\"" + name +
                    "\" is a registered variable; choices define variables of this "
                    "template only, so give it another name",
                codes::variable_registered_conflict, {{"name", name}});
        if (list.empty())
            return Error::Field(field, "must offer at least one option",
                                codes::variable_no_options);
        if (auto p = option_problem(list, field))
            return Error::Field(p->field, p->message, p->code, p->params);
        provided.insert(name);
    }
    std::set<std::string> listed;
    for (size_t i = 0; i < t.variables.size(); ++i) {
        const auto& v = t.variables[i];
        const std::string field = "variables[" + std::to_string(i) + "]";
        if (!valid_variable_name(v.name))
            return Error::Field(field + ".name", "is not a valid variable name",
                                codes::variable_name_invalid);
        if (!listed.insert(v.name).second)
            return Error::Field(field + ".name", "\"" + v.name + "\" is listed twice",
                                codes::variable_listed_twice, {{"name", v.name}});
        if (t.internal_vars.count(v.name))
            return Error::Field(field + ".name",
                                "\"" + v.name +
                                    "\" is also an internal variable; use one "
                                    "or the other",
                                codes::variable_internal_conflict, {{"name", v.name}});
        SaveTimeList list;
        if (auto c = t.choices.find(v.name); c != t.choices.end()) {
            list = {true, c->second, v.multiple.value_or(false)};
        } else if (const Variable* reg = vars ? vars(v.name) : nullptr) {
            list.multiple = reg->multiple;
            if (reg->source == VariableSource::static_list) {
                list.known = true;
                list.options = reg->options;
            }
        } else {
            return Error::UnprocessableField(
                field + ".name",
                "there is no variable \"" + v.name +
                    "\": register it under /api/v1/variables or define it in "
                    "choices",
                codes::variable_unknown, {{"name", v.name}});
        }
        if (v.default_values) {
            const auto& d = *v.default_values;
            if (!list.multiple && d.size() > 1)
                return Error::Field(
                    field + ".default", "\"" + v.name + "\" takes one value, so the default is one",
                    codes::variable_single_value, {{"name", v.name}, {"count", d.size()}});
            if (list.known) {
                auto allowed = option_values(list.options);
                for (const auto& value : d)
                    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
                        return Error::Field(
                            field + ".default",
                            quoted(value) + " is not one of the options of \"" + v.name + "\"",
                            codes::variable_not_an_option, {{"name", v.name}, {"value", value}});
            }
        }
        provided.insert(v.name);
    }
    auto argv = split_command(t.command);
    if (!argv.ok()) return argv.error();
    auto ok = check_command(*argv, provided);
    if (!ok.ok()) return ok.error();
    return argv;
}

std::set<std::string> registered_variables_of(const Template& t, const VariableLookup& vars) {
    std::set<std::string> out;
    for (const auto& v : t.variables)
        if (!t.choices.count(v.name) && vars && vars(v.name)) out.insert(v.name);
    return out;
}

const char* to_string(FieldSource s) {
    switch (s) {
        case FieldSource::choices:
            return "choices";
        case FieldSource::script:
            return "script";
        default:
            return "static";
    }
}

std::vector<FormField> form_fields(const Template& t, const VariableLookup& vars) {
    std::vector<FormField> out;
    auto make = [&](const std::string& name, const TemplateVariable* tv) {
        FormField f;
        f.name = name;
        const Variable* reg = vars && !t.choices.count(name) ? vars(name) : nullptr;
        if (tv) {
            f.required = tv->required;
            f.default_values = tv->default_values;
        } else {
            f.required = true;
        }
        if (auto c = t.choices.find(name); c != t.choices.end()) {
            // Choices are the template's own variables: a registered variable of the same name
            // (created later) does not change them.
            f.source = FieldSource::choices;
            f.options = c->second;
            f.multiple = tv && tv->multiple.value_or(false);
        } else if (reg) {
            f.source = reg->source == VariableSource::script ? FieldSource::script
                                                             : FieldSource::static_list;
            f.options = current_options(*reg);
            f.multiple = reg->multiple;
            f.secret = reg->secret;
            f.label = reg->label;
        } else {
            // A variable deleted since the template was saved: nothing can be chosen.
            f.source = FieldSource::static_list;
            f.options = std::vector<Option>{};
        }
        if (tv && !tv->label.empty()) f.label = tv->label;
        if (f.label.empty()) f.label = name;
        out.push_back(std::move(f));
    };
    std::set<std::string> listed;
    for (const auto& v : t.variables) {
        listed.insert(v.name);
        make(v.name, &v);
    }
    for (const auto& [name, list] : t.choices)
        if (!listed.count(name)) make(name, nullptr);
    return out;
}

Result<ChosenValues> choose_values(const std::vector<FormField>& fields,
                                   const std::map<std::string, Submitted>& submitted) {
    std::map<std::string, const FormField*> by_name;
    for (const auto& f : fields) by_name[f.name] = &f;
    for (const auto& [name, value] : submitted)
        if (!by_name.count(name))
            return Error::Field("variables." + name, "is not a variable of this template",
                                codes::variable_not_in_template, {{"name", name}});

    ChosenValues out;
    for (const auto& f : fields) {
        const std::string field = "variables." + f.name;
        std::vector<std::string> values;
        bool from_default = false;
        if (auto it = submitted.find(f.name); it != submitted.end()) values = it->second.values;
        if (values.empty() && f.default_values && !f.default_values->empty()) {
            values = *f.default_values;
            from_default = true;
        }
        if (values.empty() && f.required)
            return Error::Field(field, "is required", codes::field_required);
        if (!f.multiple && values.size() > 1)
            return Error::Field(field, "takes one value, not " + std::to_string(values.size()),
                                codes::variable_single_value,
                                {{"name", f.name}, {"count", values.size()}});
        std::set<std::string> seen;
        for (const auto& v : values)
            if (!seen.insert(v).second)
                return Error::Field(
                    field,
                    f.secret ? std::string("repeats a value") : "repeats the value " + quoted(v),
                    codes::variable_repeated_value, {{"name", f.name}});
        if (!f.options) {
            if (!values.empty())
                return Error::UnprocessableField(
                    field,
                    "the options of \"" + f.name +
                        "\" are not available yet; reload the form and choose again",
                    codes::variable_options_unavailable, {{"name", f.name}});
            out.options[f.name] = {};
        } else {
            auto allowed = option_values(*f.options);
            std::set<std::string> allowed_set(allowed.begin(), allowed.end());
            for (const auto& v : values)
                if (!allowed_set.count(v)) {
                    std::string what = f.secret ? std::string("a value") : quoted(v);
                    if (from_default)
                        return Error::UnprocessableField(
                            field,
                            "the default value " + what +
                                " is no longer one of the options; choose a value",
                            codes::variable_not_an_option, {{"name", f.name}, {"value", what}});
                    return Error::Field(field, what + " is not one of the options",
                                        codes::variable_not_an_option,
                                        {{"name", f.name}, {"value", what}});
                }
            out.options[f.name] = std::move(allowed);
        }
        if (f.secret) out.secret_vars.push_back(f.name);
        out.values[f.name] = std::move(values);
    }
    return out;
}

bool may_submit(const Template& t, const std::vector<std::string>& roles, bool is_admin,
                bool has_ticket_submit) {
    if (is_admin) return true;
    if (t.submit_roles.empty()) return has_ticket_submit;
    for (const auto& r : t.submit_roles)
        if (std::find(roles.begin(), roles.end(), r) != roles.end()) return true;
    return false;
}

}  // namespace orderly::domain
