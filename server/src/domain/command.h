#pragma once
// Task commands: a template's command line is split into an argument vector once, when the
// template is saved, and placeholders are substituted inside each argument when a ticket runs.
// No shell is ever involved, so no value can inject a command, split into more arguments or be
// re-scanned for placeholders.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace orderly::domain {

// Splits a command line as a POSIX shell reads words: whitespace separates, single quotes keep
// everything literally, double quotes keep everything but \" \\ \$ \` and \<newline>, a
// backslash outside quotes escapes the next character. Shell operators (| & ; < > ( ) $ `) are
// refused outside quotes, because nothing here runs a shell and they would not mean what they
// seem to. Errors are 400s naming "command".
Result<std::vector<std::string>> split_command(const std::string& command);

// The placeholder names used in the arguments: "{Name}" and "{config.KEY}". Names are
// [A-Za-z_][A-Za-z0-9_]* (config keys may also contain . and -). "{{" and "}}" are literal braces.
// Errors (an unclosed or empty placeholder) are 400s naming "command".
Result<std::set<std::string>> placeholders(const std::vector<std::string>& argv);

// Checks a saved command: non-empty, the first argument has no placeholder, every placeholder is
// provided (config.* placeholders are resolved at run time and always allowed). 400 naming
// "command" and the missing variable otherwise.
Result<void> check_command(const std::vector<std::string>& argv,
                           const std::set<std::string>& provided);

// Looks up the value of "config.KEY" placeholders at run time; nullopt when missing.
using ConfigLookup = std::function<std::optional<std::string>(const std::string& key)>;

// Substitutes placeholders in one pass per argument: a substituted value is never scanned again
// and never splits the argument. A variable with several values is joined with ",".
// values: variable name -> its value(s) (internal variables included).
// Errors: 422 naming the placeholder that has no value.
Result<std::vector<std::string>> substitute(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::vector<std::string>>& values, const ConfigLookup& config);

// Replaces every occurrence of each secret (non-empty) in text with "******".
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace orderly::domain
