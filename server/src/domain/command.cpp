#include "domain/command.h"

#include "core/codes.h"

namespace orderly::domain {

namespace {
Error command_error(const std::string& msg) {
    return Error::Field("command", msg, codes::command_invalid, {{"reason", msg}});
}

bool name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9');
}
bool config_key_char(char c) {
    return name_char(c) || c == '.' || c == '-';
}

bool valid_placeholder(const std::string& name) {
    if (name.rfind("config.", 0) == 0) {
        std::string key = name.substr(7);
        if (key.empty()) return false;
        for (char c : key)
            if (!config_key_char(c)) return false;
        return true;
    }
    if (name.empty() || !name_start(name[0])) return false;
    for (char c : name)
        if (!name_char(c)) return false;
    return true;
}

// Walks one argument, calling on_text for literal text and on_name for each placeholder.
template <typename Text, typename Name>
Result<void> scan(const std::string& arg, Text on_text, Name on_name) {
    size_t i = 0;
    while (i < arg.size()) {
        char c = arg[i];
        if (c == '{' && i + 1 < arg.size() && arg[i + 1] == '{') {
            on_text("{");
            i += 2;
        } else if (c == '}' && i + 1 < arg.size() && arg[i + 1] == '}') {
            on_text("}");
            i += 2;
        } else if (c == '{') {
            size_t end = arg.find('}', i + 1);
            if (end == std::string::npos)
                return command_error("unclosed placeholder in \"" + arg +
                                     "\" (write {{ for a literal brace)");
            std::string name = arg.substr(i + 1, end - i - 1);
            if (!valid_placeholder(name))
                return command_error("\"{" + name + "}\" is not a valid placeholder name");
            on_name(name);
            i = end + 1;
        } else if (c == '}') {
            return command_error("unmatched } in \"" + arg + "\" (write }} for a literal brace)");
        } else {
            size_t next = arg.find_first_of("{}", i);
            if (next == std::string::npos) next = arg.size();
            on_text(std::string_view(arg).substr(i, next - i));
            i = next;
        }
    }
    return {};
}
}  // namespace

Result<std::vector<std::string>> split_command(const std::string& command) {
    std::vector<std::string> out;
    std::string cur;
    bool in_word = false;
    size_t i = 0;
    const size_t n = command.size();
    while (i < n) {
        char c = command[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) {
                out.push_back(std::move(cur));
                cur.clear();
                in_word = false;
            }
            ++i;
        } else if (c == '\'') {
            size_t end = command.find('\'', i + 1);
            if (end == std::string::npos) return command_error("unterminated single quote");
            cur.append(command, i + 1, end - i - 1);
            in_word = true;
            i = end + 1;
        } else if (c == '"') {
            ++i;
            bool closed = false;
            while (i < n) {
                char d = command[i];
                if (d == '"') {
                    closed = true;
                    ++i;
                    break;
                }
                if (d == '\\' && i + 1 < n) {
                    char e = command[i + 1];
                    if (e == '"' || e == '\\' || e == '$' || e == '`') {
                        cur.push_back(e);
                        i += 2;
                        continue;
                    }
                    if (e == '\n') {
                        i += 2;
                        continue;
                    }
                }
                if (d == '$' || d == '`')
                    return command_error(
                        std::string("\"") + d +
                        "\" inside double quotes would need a shell; Orderly runs no shell "
                        "(use a {placeholder} or single quotes)");
                cur.push_back(d);
                ++i;
            }
            if (!closed) return command_error("unterminated double quote");
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= n) return command_error("the command ends with a lone backslash");
            if (command[i + 1] != '\n') {
                cur.push_back(command[i + 1]);
                in_word = true;
            }
            i += 2;
        } else if (std::string_view("|&;<>()$`").find(c) != std::string_view::npos) {
            return command_error(std::string("\"") + c +
                                 "\" is a shell operator; Orderly runs commands without a shell "
                                 "(quote it if you mean the character)");
        } else {
            cur.push_back(c);
            in_word = true;
            ++i;
        }
    }
    if (in_word) out.push_back(std::move(cur));
    if (out.empty()) return command_error("the command is empty");
    return out;
}

Result<std::set<std::string>> placeholders(const std::vector<std::string>& argv) {
    std::set<std::string> names;
    for (const auto& arg : argv) {
        auto r = scan(
            arg, [](std::string_view) {}, [&](const std::string& n) { names.insert(n); });
        if (!r.ok()) return r.error();
    }
    return names;
}

Result<void> check_command(const std::vector<std::string>& argv,
                           const std::set<std::string>& provided) {
    if (argv.empty()) return command_error("the command is empty");
    auto first = placeholders({argv[0]});
    if (!first.ok()) return first.error();
    if (!first->empty())
        return command_error("the program to run (\"" + argv[0] +
                             "\") cannot contain a placeholder");
    auto names = placeholders(argv);
    if (!names.ok()) return names.error();
    for (const auto& n : *names) {
        if (n.rfind("config.", 0) == 0) continue;
        if (!provided.count(n))
            return command_error(
                "{" + n +
                "} is not a variable of this template (add it to variables or internal_vars)");
    }
    return {};
}

Result<std::vector<std::string>> substitute(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::vector<std::string>>& values, const ConfigLookup& config) {
    std::vector<std::string> out;
    out.reserve(argv.size());
    for (const auto& arg : argv) {
        std::string built;
        std::optional<Error> err;
        auto r = scan(
            arg, [&](std::string_view t) { built.append(t); },
            [&](const std::string& name) {
                if (err) return;
                if (name.rfind("config.", 0) == 0) {
                    auto v = config ? config(name.substr(7)) : std::nullopt;
                    if (!v) {
                        err = Error::UnprocessableField(
                            "command",
                            "config key \"" + name.substr(7) + "\" is not set for this environment",
                            codes::config_key_not_set, {{"key", name.substr(7)}});
                        return;
                    }
                    built += *v;
                    return;
                }
                auto it = values.find(name);
                if (it == values.end()) {
                    err = Error::UnprocessableField("variables." + name, "has no value",
                                                    codes::variable_no_value, {{"name", name}});
                    return;
                }
                for (size_t i = 0; i < it->second.size(); ++i) {
                    if (i) built.push_back(',');
                    built += it->second[i];
                }
            });
        if (!r.ok()) return r.error();
        if (err) return *err;
        out.push_back(std::move(built));
    }
    return out;
}

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) {
        if (s.empty()) continue;
        size_t pos = 0;
        while ((pos = text.find(s, pos)) != std::string::npos) {
            text.replace(pos, s.size(), "******");
            pos += 6;
        }
    }
    return text;
}

}  // namespace orderly::domain
