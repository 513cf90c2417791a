#pragma once
// Variables (可选变量): registered option lists, static or fed by a script, that templates
// offer to submitters. Each change is audited in its transaction (domain::variable_audit_json).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "app/variable_options.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/catalog.h"
#include "storage/database.h"

namespace orderly::app {

// if_match is the If-Match header as sent: app::check_version answers 400 when it names no
// version and 409 ("409 If-Match" below) when it names another, where the version is checked.
class Variables {
  public:
    Variables(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    std::vector<domain::Variable> list();
    // 404 (variable.not_found).
    domain::Variable get(const std::string& name);
    // body: a create body valid against the request schema. 400 for a bad name or an
    // inconsistent body (options of a script-fed variable, a command of a static one, a bad
    // option list or command), 409 when the name is taken.
    domain::Variable create(const Caller& who, const json::Value& body);
    // 404, 409 If-Match, then the body's 400s. A changed command or source clears the script's
    // cached list.
    domain::Variable update(const Caller& who, const std::string& name,
                            const std::optional<std::string>& if_match, const json::Value& body);
    // 404, 409 If-Match, 409 (variable.in_use) while templates use it.
    void remove(const Caller& who, const std::string& name,
                const std::optional<std::string>& if_match);
    // Replaces a static list (e.g. from an inventory script): 400 for a bad list, 404, 409 when
    // the variable is script-fed, 409 If-Match.
    domain::Variable register_options(const Caller& who, const std::string& name,
                                      const std::optional<std::string>& if_match,
                                      const json::Value& options);
    // The list a form offers now (app::variable_options): may run the script; blocking.
    VariableOptions options(const std::string& name, bool refresh, bool may_refresh);

  private:
    storage::Database& db_;
    const Clock& clock_;
};

}  // namespace orderly::app
