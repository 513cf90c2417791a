#include "storage/copy_database.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

namespace orderly::storage {

namespace {

// Tables that record something about the database rather than user data: the target may hold
// a row there (a node started on it once) and still count as empty. The key check is copied
// from the source like any table, so the nodes keep needing the key the source was used with.
const std::set<std::string> kBookkeeping = {"key_check"};

std::string quoted(const std::string& name) {
    return "\"" + name + "\"";
}

struct Column {
    std::string name;
    std::string type;  // PostgreSQL's data_type: bigint, text, bytea, double precision...
};

struct Table {
    std::string name;
    std::vector<Column> columns;  // without generated ones
    std::string identity;         // the identity column, if any
    // A column referencing this same table (a tree): parents are copied before children.
    std::string parent_column;
    std::string parent_key;
};

int64_t count_rows(Connection& c, const std::string& table) {
    auto st = c.prepare("SELECT count(*) FROM " + quoted(table));
    st.step();
    return st.int64(0);
}

// The tables and columns of the PostgreSQL schema (schema_migrations aside), sorted so that a
// table comes after every table it references.
std::vector<Table> postgres_tables(Connection& t) {
    std::map<std::string, Table> tables;
    auto cols = t.prepare(
        "SELECT c.table_name, c.column_name, c.data_type, c.is_identity "
        "FROM information_schema.columns c JOIN information_schema.tables tb "
        "ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE' "
        "AND c.table_name <> 'schema_migrations' AND c.is_generated = 'NEVER' "
        "ORDER BY c.table_name, c.ordinal_position");
    while (cols.step()) {
        Table& tb = tables[cols.text(0)];
        tb.name = cols.text(0);
        tb.columns.push_back({cols.text(1), cols.text(2)});
        if (cols.text(3) == "YES") tb.identity = cols.text(1);
    }
    std::map<std::string, std::set<std::string>> needs;
    auto fks = t.prepare(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, a.attname, f.attname "
        "FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace");
    while (fks.step()) {
        const std::string from = fks.text(0), to = fks.text(1);
        if (from == to) {
            tables[from].parent_column = fks.text(2);
            tables[from].parent_key = fks.text(3);
        } else {
            needs[from].insert(to);
        }
    }
    std::vector<Table> order;
    std::set<std::string> placed;
    while (order.size() < tables.size()) {
        const size_t before = order.size();
        for (auto& [name, tb] : tables) {
            if (placed.count(name)) continue;
            const auto& deps = needs[name];
            if (!std::all_of(deps.begin(), deps.end(),
                             [&](const std::string& d) { return placed.count(d) > 0; }))
                continue;
            placed.insert(name);
            order.push_back(tb);
        }
        if (order.size() == before)
            throw std::runtime_error("the PostgreSQL schema's foreign keys form a cycle");
    }
    return order;
}

// The SQLite database's tables: ordinary and virtual ones (the search index), not the shadow
// tables behind a virtual table nor SQLite's own.
std::set<std::string> sqlite_tables(Connection& s) {
    std::set<std::string> out;
    auto st = s.prepare(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' "
        "AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
    while (st.step()) out.insert(st.text(0));
    return out;
}

// Row counts of a freshly migrated database: what the migrations themselves insert (roles,
// their permissions, counters). A target with more or fewer rows holds someone's data.
std::map<std::string, int64_t> seed_counts() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "orderly-seed-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory");
    const std::filesystem::path dir = tmpl;
    std::map<std::string, int64_t> out;
    try {
        Database fresh((dir / "seed.db").string(), 1);
        fresh.migrate();
        fresh.read([&](Connection& c) {
            for (const auto& name : sqlite_tables(c)) out[name] = count_rows(c, name);
        });
    } catch (...) {
        std::filesystem::remove_all(dir);
        throw;
    }
    std::filesystem::remove_all(dir);
    return out;
}

// Reads `tb` from the source (parents before children in a tree) and inserts every row.
void copy_rows(Connection& s, Connection& t, const Table& tb) {
    std::string cols, params;
    for (size_t i = 0; i < tb.columns.size(); ++i) {
        if (i) cols += ", ", params += ", ";
        cols += quoted(tb.columns[i].name);
        params += "?" + std::to_string(i + 1);
    }
    std::string select = "SELECT " + cols + " FROM " + quoted(tb.name);
    if (!tb.parent_column.empty()) {
        const std::string parent = quoted(tb.parent_column), key = quoted(tb.parent_key);
        std::string prefixed;
        for (const auto& c : tb.columns)
            prefixed += (prefixed.empty() ? "" : ", ") + ("r." + quoted(c.name));
        select = "WITH RECURSIVE tree(k, depth) AS (SELECT " + key + ", 0 FROM " + quoted(tb.name) +
                 " WHERE " + parent + " IS NULL UNION ALL SELECT r." + key +
                 ", tree.depth + 1 FROM " + quoted(tb.name) + " r JOIN tree ON r." + parent +
                 " = tree.k) SELECT " + prefixed + " FROM " + quoted(tb.name) +
                 " r JOIN tree ON r." + key + " = tree.k ORDER BY tree.depth, r." + key;
    }
    auto rows = s.prepare(select);
    auto ins =
        t.prepare("INSERT INTO " + quoted(tb.name) + " (" + cols + ") VALUES (" + params + ")");
    while (rows.step()) {
        for (size_t i = 0; i < tb.columns.size(); ++i) {
            const int col = static_cast<int>(i), p = col + 1;
            const std::string& type = tb.columns[i].type;
            if (rows.is_null(col)) {
                ins.bind_null(p);
            } else if (type == "bigint" || type == "integer" || type == "smallint") {
                ins.bind(p, rows.int64(col));
            } else if (type == "double precision" || type == "real" || type == "numeric") {
                ins.bind(p, rows.real(col));
            } else if (type == "bytea") {
                const std::string b = rows.blob(col);
                ins.bind_blob(p, b.data(), b.size());
            } else {
                ins.bind(p, rows.text(col));
            }
        }
        ins.exec();
    }
}

// Identity columns do not advance when rows come with their ids: the next id is the largest
// copied plus one (1 for an empty table).
void restart_identity(Connection& t, const Table& tb) {
    const std::string col = quoted(tb.identity);
    auto st = t.prepare("SELECT setval(pg_get_serial_sequence(?1, ?2), COALESCE(max(" + col +
                        "), 0) + 1, false) FROM " + quoted(tb.name));
    st.bind(1, quoted(tb.name)).bind(2, tb.identity);
    st.step();
}

}  // namespace

CopyReport copy_sqlite_to_postgres(Database& source, Database& target) {
    const auto seeds = seed_counts();
    CopyReport report;
    struct Mismatch {};
    try {
        source.read([&](Connection& s) {
            target.write([&](Connection& t) {
                report = CopyReport{};
                const auto tables = postgres_tables(t);
                std::set<std::string> pg_names, sq_names = sqlite_tables(s);
                for (const auto& tb : tables) pg_names.insert(tb.name);
                if (pg_names != sq_names)
                    throw std::runtime_error(
                        "the SQLite and PostgreSQL databases do not have the same tables: are both "
                        "at the same schema version?");
                for (const auto& tb : tables) {
                    if (kBookkeeping.count(tb.name)) continue;
                    auto seed = seeds.find(tb.name);
                    if (count_rows(t, tb.name) != (seed == seeds.end() ? 0 : seed->second))
                        report.occupied.push_back(tb.name);
                }
                if (!report.occupied.empty()) {
                    report.outcome = CopyReport::Outcome::target_not_empty;
                    return;
                }
                std::string all;
                for (const auto& tb : tables) all += (all.empty() ? "" : ", ") + quoted(tb.name);
                t.exec_script("TRUNCATE " + all + " RESTART IDENTITY");
                for (const auto& tb : tables) {
                    copy_rows(s, t, tb);
                    if (!tb.identity.empty()) restart_identity(t, tb);
                }
                for (const auto& tb : tables) {
                    report.tables.push_back(
                        {tb.name, count_rows(s, tb.name), count_rows(t, tb.name)});
                    if (report.tables.back().source != report.tables.back().target)
                        report.outcome = CopyReport::Outcome::count_mismatch;
                }
                if (report.outcome == CopyReport::Outcome::count_mismatch) throw Mismatch{};
            });
        });
    } catch (const Mismatch&) {
        // Rolled back; the report says which tables differ.
    }
    return report;
}

}  // namespace orderly::storage
