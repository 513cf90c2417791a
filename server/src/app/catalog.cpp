// Environments and purposes.
#include "app/catalog.h"

#include "app/version_check.h"
#include "core/codes.h"
#include "domain/catalog_json.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/freeze_store.h"

namespace orderly::app {

using domain::CategoryKind;

namespace {

const char* noun(CategoryKind k) {
    return k == CategoryKind::environment ? "environment" : "purpose";
}

domain::Category load_category(storage::Connection& c, CategoryKind kind, const std::string& key) {
    auto cat = storage::find_category(c, kind, key);
    if (!cat)
        fail(Error::NotFound(std::string("no ") + noun(kind) + " with key \"" + key + "\"")
                 .with(kind == CategoryKind::environment ? codes::environment_not_found
                                                         : codes::purpose_not_found,
                       {{"key", key}}));
    return *cat;
}

std::string refs_text(const std::vector<domain::TemplateRef>& refs) {
    std::string out;
    for (size_t i = 0; i < refs.size() && i < 20; ++i)
        out +=
            (i ? ", " : "") + ("\"" + refs[i].name + "\" (id " + std::to_string(refs[i].id) + ")");
    if (refs.size() > 20) out += " and " + std::to_string(refs.size() - 20) + " more";
    return out;
}

// 409 while freeze windows name the environment: deleting it would leave them naming nothing.
void check_no_freezes(storage::Connection& c, const std::string& key) {
    std::string names;
    size_t count = 0;
    for (const auto& w : storage::list_freeze_windows(c)) {
        if (w.environments.empty() || !domain::applies_to(w, key)) continue;
        names += (count++ ? ", \"" : "\"") + w.name + "\" (id " + std::to_string(w.id) + ")";
    }
    if (count == 0) return;
    fail(Error::Conflict("the environment \"" + key + "\" is named by " + std::to_string(count) +
                         " freeze window(s): " + names + "; change or delete them first")
             .with(codes::environment_has_freezes,
                   {{"key", key}, {"count", count}, {"names", names}}));
}

// 409 while templates are filed under the category or, for an environment, config keys are set.
void check_unused(storage::Connection& c, CategoryKind kind, const std::string& key) {
    const std::string what = noun(kind);
    auto used = storage::templates_in_category(c, kind, key);
    if (!used.empty())
        fail(Error::Conflict("the " + what + " \"" + key + "\" is used by " +
                             std::to_string(used.size()) + " template(s): " + refs_text(used) +
                             "; move or delete them first")
                 .with(kind == CategoryKind::environment ? codes::environment_in_use
                                                         : codes::purpose_in_use,
                       {{"key", key}, {"count", used.size()}, {"refs", refs_text(used)}}));
    if (kind != CategoryKind::environment) return;
    check_no_freezes(c, key);
    auto keys = storage::config_keys(c, key);
    if (keys.empty()) return;
    std::string list;
    for (size_t i = 0; i < keys.size() && i < 20; ++i) list += (i ? ", " : "") + keys[i];
    fail(Error::Conflict("the environment \"" + key + "\" still has " +
                         std::to_string(keys.size()) + " config key(s): " + list +
                         "; delete them first")
             .with(codes::environment_has_config,
                   {{"key", key}, {"count", keys.size()}, {"keys", list}}));
}

}  // namespace

std::vector<domain::Category> Catalog::categories(CategoryKind kind) {
    return db_.read([&](storage::Connection& c) { return storage::list_categories(c, kind); });
}

domain::Category Catalog::category(CategoryKind kind, const std::string& key) {
    return db_.read([&](storage::Connection& c) { return load_category(c, kind, key); });
}

domain::Category Catalog::create_category(const Caller& who, CategoryKind kind,
                                          const domain::Category& cat) {
    const std::string what = noun(kind);
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        unwrap(storage::insert_category(c, kind, cat, now));
        auto created = load_category(c, kind, cat.key);
        audit(c, who, now, what + ".create", what, cat.key, "created " + what + " " + cat.key,
              std::nullopt, domain::category_json(created, kind));
        return created;
    });
}

domain::Category Catalog::update_category(const Caller& who, CategoryKind kind,
                                          const std::string& key,
                                          const std::optional<std::string>& if_match,
                                          const CategoryChanges& changes) {
    const std::string what = noun(kind);
    TimeMs now = clock_.now_ms();
    return db_.write([&](storage::Connection& c) {
        auto cat = load_category(c, kind, key);
        check_version(if_match, cat.version, what + " " + key);
        auto before = domain::category_json(cat, kind);
        if (changes.name) cat.name = *changes.name;
        if (changes.description) cat.description = *changes.description;
        if (changes.sort_order) cat.sort_order = *changes.sort_order;
        if (changes.protected_env) cat.protected_env = *changes.protected_env;
        storage::update_category(c, kind, cat, now);
        auto after = load_category(c, kind, key);
        audit(c, who, now, what + ".update", what, key, "updated " + what + " " + key, before,
              domain::category_json(after, kind));
        return after;
    });
}

void Catalog::delete_category(const Caller& who, CategoryKind kind, const std::string& key,
                              const std::optional<std::string>& if_match) {
    const std::string what = noun(kind);
    TimeMs now = clock_.now_ms();
    db_.write([&](storage::Connection& c) {
        auto cat = load_category(c, kind, key);
        check_version(if_match, cat.version, what + " " + key);
        check_unused(c, kind, key);
        unwrap(storage::delete_category(c, kind, key));
        audit(c, who, now, what + ".delete", what, key, "deleted " + what + " " + key,
              domain::category_json(cat, kind));
    });
}

}  // namespace orderly::app
