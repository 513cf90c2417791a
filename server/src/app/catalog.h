#pragma once
// The ops catalog: environments and purposes (categories), and task templates. Each change is
// audited in its transaction; the rules of template snapshots are in app/template_snapshots.h.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/caller.h"
#include "app/run_preview.h"
#include "app/submitter.h"
#include "app/template_snapshots.h"
#include "core/json.h"
#include "core/time.h"
#include "domain/catalog.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

struct CategoryChanges {
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<int64_t> sort_order;
    std::optional<bool> protected_env;  // environments only
};

// A template with the registered variables, to render its form (lookup_in).
struct TemplateView {
    domain::Template tpl;
    VariableMap variables;
};

// A page of templates: up to limit + 1 rows (the extra one says there is a next page).
struct TemplatePage {
    std::vector<domain::Template> items;
    VariableMap variables;
};

struct TemplatePreviewView {
    TemplatePreview preview;
    RunPreview run;
};

// if_match is the If-Match header as sent: app::check_version answers 400 when it names no
// version and 409 ("409 If-Match" below) when it names another, where the version is checked.
class Catalog {
  public:
    // secret_key must outlive this object (App::secret_key, set before the first request).
    Catalog(storage::Database& db, const Clock& clock, const std::string& secret_key)
        : db_(db), clock_(clock), secret_key_(secret_key) {}

    // ---- environments and purposes
    std::vector<domain::Category> categories(domain::CategoryKind kind);
    // 404 (environment.not_found / purpose.not_found).
    domain::Category category(domain::CategoryKind kind, const std::string& key);
    // 409 when the key is taken.
    domain::Category create_category(const Caller& who, domain::CategoryKind kind,
                                     const domain::Category& cat);
    // 404, 409 If-Match.
    domain::Category update_category(const Caller& who, domain::CategoryKind kind,
                                     const std::string& key,
                                     const std::optional<std::string>& if_match,
                                     const CategoryChanges& changes);
    // 404, 409 If-Match, 409 while templates use it (or, for an environment, config keys or
    // freeze windows).
    void delete_category(const Caller& who, domain::CategoryKind kind, const std::string& key,
                         const std::optional<std::string>& if_match);

    // ---- templates
    // The templates of a filter after id `after`, limit + 1 of them. People who do not manage
    // the catalog see active ones only; `submittable` keeps those `submitter` may submit.
    TemplatePage templates(const Caller& who, const Submitter& submitter,
                           domain::TemplateFilter filter, int64_t after, int limit,
                           bool submittable);
    // 404 (template.not_found).
    TemplateView get_template(int64_t id);
    // body: a create body valid against the request schema. 400 for a malformed part, 422 for
    // an unknown environment, purpose or role, 400s of domain::check_template, 409 for a
    // duplicate name in the environment.
    TemplateView create_template(const Caller& who, const json::Value& body);
    // 404, 409 If-Match, then create's errors.
    TemplateView update_template(const Caller& who, int64_t id,
                                 const std::optional<std::string>& if_match,
                                 const json::Value& body);
    // 404, 409 If-Match, 409 while tickets or services refer to it.
    void delete_template(const Caller& who, int64_t id, const std::optional<std::string>& if_match);
    // What submitting the template with `variables` would run (app::preview_template); a
    // catalog manager previews any template, anyone else only one `submitter` may submit.
    TemplatePreviewView preview_template(const Caller& who, const Submitter& submitter, int64_t id,
                                         const json::Value& variables);

  private:
    storage::Database& db_;
    const Clock& clock_;
    const std::string& secret_key_;
};

}  // namespace orderly::app
