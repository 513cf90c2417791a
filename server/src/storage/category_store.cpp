// Environments and purposes (same shape, two tables).
#include "core/codes.h"
#include "storage/catalog_store.h"

namespace orderly::storage {

namespace {

const char* table(CategoryKind k) {
    return k == CategoryKind::environment ? "environments" : "purposes";
}

// The columns of a category, read by category_row.
std::string category_cols(CategoryKind k) {
    return std::string("key, name, description, sort_order, version, created_at, updated_at, ") +
           (k == CategoryKind::environment ? "protected" : "0");
}

domain::Category category_row(Stmt& s) {
    domain::Category cat{s.text(0),  s.text(1),  s.text(2), s.int64(3),
                         s.int64(4), s.int64(5), s.int64(6)};
    cat.protected_env = s.int64(7) != 0;
    return cat;
}

}  // namespace

std::vector<domain::Category> list_categories(Connection& c, CategoryKind kind) {
    auto s = c.prepare("SELECT " + category_cols(kind) + " FROM " + table(kind) +
                       " ORDER BY sort_order, key");
    std::vector<domain::Category> out;
    while (s.step()) out.push_back(category_row(s));
    return out;
}

std::optional<domain::Category> find_category(Connection& c, CategoryKind kind,
                                              const std::string& key) {
    auto s =
        c.prepare("SELECT " + category_cols(kind) + " FROM " + table(kind) + " WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return category_row(s);
}

Result<void> insert_category(Connection& c, CategoryKind kind, const domain::Category& cat,
                             TimeMs now) {
    auto s = c.prepare(std::string("INSERT INTO ") + table(kind) +
                       " (key, name, description, sort_order, created_at, updated_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT DO NOTHING");
    s.bind(1, cat.key).bind(2, cat.name).bind(3, cat.description).bind(4, cat.sort_order);
    s.bind(5, now).exec();
    if (c.changes() == 0)
        return Error::Conflict(
                   std::string(kind == CategoryKind::environment ? "an environment" : "a purpose") +
                   " with the key \"" + cat.key + "\" already exists")
            .with(kind == CategoryKind::environment ? codes::environment_key_exists
                                                    : codes::purpose_key_exists,
                  {{"key", cat.key}});
    if (kind == CategoryKind::environment && cat.protected_env)
        c.prepare("UPDATE environments SET protected = 1 WHERE key = ?1").bind(1, cat.key).exec();
    return {};
}

void update_category(Connection& c, CategoryKind kind, const domain::Category& cat, TimeMs now) {
    auto s = c.prepare(std::string("UPDATE ") + table(kind) +
                       " SET name = ?2, description = ?3, sort_order = ?4, updated_at = ?5, "
                       "version = version + 1 WHERE key = ?1");
    s.bind(1, cat.key).bind(2, cat.name).bind(3, cat.description).bind(4, cat.sort_order);
    s.bind(5, now).exec();
    if (kind == CategoryKind::environment)
        c.prepare("UPDATE environments SET protected = ?2 WHERE key = ?1")
            .bind(1, cat.key)
            .bind(2, static_cast<int64_t>(cat.protected_env))
            .exec();
}

Result<void> delete_category(Connection& c, CategoryKind kind, const std::string& key) {
    auto s = c.prepare(std::string("DELETE FROM ") + table(kind) + " WHERE key = ?1");
    s.bind(1, key);
    auto rc = s.exec_checked();
    if (is_foreign_key_violation(rc))
        return Error::Conflict("\"" + key + "\" is still in use; remove what refers to it first")
            .with(codes::conflict, {{"key", key}});
    if (rc != ExecResult::ok) throw DbError(rc, "delete category");
    return {};
}

std::vector<TemplateRef> templates_in_category(Connection& c, CategoryKind kind,
                                               const std::string& key) {
    auto s = c.prepare(kind == CategoryKind::environment
                           ? "SELECT id, name FROM templates WHERE environment = ?1 ORDER BY id"
                           : "SELECT id, name FROM templates WHERE purpose = ?1 ORDER BY id");
    s.bind(1, key);
    std::vector<TemplateRef> out;
    while (s.step()) out.push_back({s.int64(0), s.text(1)});
    return out;
}

}  // namespace orderly::storage
