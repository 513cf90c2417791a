#pragma once
// The SQL interface the repositories are written against, the same for every database driver.
// Only files under storage/ include this header: SQL stays there.
//
// Statements are written once, in the SQL that SQLite and PostgreSQL both accept, with numbered
// placeholders ?1, ?2, ... (a driver whose server spells them differently translates them when
// it prepares the statement). What differs between the engines is asked of the connection's
// Dialect (storage/dialect.h). A driver implements StatementBackend and Connection; the
// SQLite driver lives in storage/sqlite/.
//
// Threading: a Connection is used by one thread at a time. Database (storage/database.h) hands
// out connections.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"
#include "storage/dialect.h"

namespace orderly::storage {

// A LIKE pattern that matches `text` anywhere, with its own % _ and \ escaped: use it with
// `LIKE ?n ESCAPE '\'` (the same on SQLite and PostgreSQL).
inline std::string like_anywhere(std::string_view text) {
    std::string out = "%";
    for (char ch : text) {
        if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
        out.push_back(ch);
    }
    out.push_back('%');
    return out;
}

// What a failure means, whatever the driver reported it as (core/error.h).
using DbErrorKind = StorageFailure;

// How a statement run with Stmt::exec_checked() ended: the outcomes a caller may expect and
// handle itself. Any other failure throws DbError.
enum class ExecResult {
    ok,
    unique_violation,  // UNIQUE or PRIMARY KEY
    foreign_key_violation,
    check_violation,
    other_constraint,  // NOT NULL, a trigger's refusal
    busy,              // a driver that reports a serialization failure here instead of throwing
};

inline bool is_unique_violation(ExecResult r) {
    return r == ExecResult::unique_violation;
}
inline bool is_foreign_key_violation(ExecResult r) {
    return r == ExecResult::foreign_key_violation;
}

// A database failure that is not an expected outcome. The message carries the driver's own
// description; kind() says what it means.
class DbError : public StorageError {
  public:
    DbError(DbErrorKind kind, const std::string& msg) : StorageError(kind, msg) {}
    // An exec_checked() result other than ok, turned into an error.
    DbError(ExecResult result, const std::string& msg)
        : StorageError(result == ExecResult::busy ? DbErrorKind::busy : DbErrorKind::constraint,
                       msg) {}
    DbErrorKind kind() const { return failure(); }
};

// A driver's prepared statement. Repositories use it through Stmt, which resets it after each
// use. Column text and blobs stay valid until the next step or reset.
class StatementBackend {
  public:
    virtual ~StatementBackend() = default;
    virtual void bind_int64(int i, int64_t v) = 0;
    virtual void bind_real(int i, double v) = 0;
    virtual void bind_text(int i, std::string_view v) = 0;
    virtual void bind_blob(int i, const void* data, size_t n) = 0;
    virtual void bind_null(int i) = 0;
    virtual bool step() = 0;
    virtual void exec() = 0;
    virtual ExecResult exec_checked() = 0;
    // Starts the statement ahead of its use (see Stmt::send); a driver that runs each statement
    // when stepped ignores it.
    virtual void send() {}
    virtual void reset() noexcept = 0;
    virtual int64_t column_int64(int col) const = 0;
    virtual double column_real(int col) const = 0;
    virtual bool column_is_null(int col) const = 0;
    virtual std::string_view column_text(int col) const = 0;
    virtual std::string_view column_blob(int col) const = 0;
};

// A cached prepared statement, borrowed for one use. The destructor resets it and clears its
// bindings, so a statement never stays active (on SQLite, an active statement pins the WAL).
class Stmt {
  public:
    explicit Stmt(StatementBackend* s) : s_(s) {}
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    ~Stmt() {
        if (s_) s_->reset();
    }

    Stmt& bind(int i, int64_t v) {
        s_->bind_int64(i, v);
        return *this;
    }
    Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
    Stmt& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
    Stmt& bind(int i, double v) {
        s_->bind_real(i, v);
        return *this;
    }
    Stmt& bind(int i, std::string_view v) {
        s_->bind_text(i, v);
        return *this;
    }
    Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Stmt& bind_blob(int i, const void* data, size_t n) {
        s_->bind_blob(i, data, n);
        return *this;
    }
    Stmt& bind_null(int i) {
        s_->bind_null(i);
        return *this;
    }
    template <typename T>
    Stmt& bind(int i, const std::optional<T>& v) {
        if (v) return bind(i, *v);
        return bind_null(i);
    }

    // Returns true when a row is available, false when done. Throws DbError otherwise.
    bool step() { return s_->step(); }
    // Ends this use early and clears the bindings, to run the statement again.
    void reset() { s_->reset(); }
    // Like step() for a statement that returns no rows, reporting the constraint violations a
    // caller can handle itself instead of throwing them.
    ExecResult exec_checked() { return s_->exec_checked(); }
    void exec() { s_->exec(); }
    // A hint that this SELECT, with these bindings, will be stepped later in this transaction:
    // a driver that talks to a server starts it now, so that it travels with the statements
    // sent before the next one whose result is waited for. Stepping it again (through any Stmt
    // of the same SQL, bound the same) reads what was started. The bindings are cleared.
    void send() {
        s_->send();
        s_->reset();
    }

    int64_t int64(int col) const { return s_->column_int64(col); }
    int integer(int col) const { return static_cast<int>(s_->column_int64(col)); }
    double real(int col) const { return s_->column_real(col); }
    bool is_null(int col) const { return s_->column_is_null(col); }
    std::string text(int col) const { return std::string(s_->column_text(col)); }
    std::optional<std::string> opt_text(int col) const {
        if (is_null(col)) return std::nullopt;
        return text(col);
    }
    std::optional<int64_t> opt_int64(int col) const {
        if (is_null(col)) return std::nullopt;
        return int64(col);
    }
    std::string blob(int col) const { return std::string(s_->column_blob(col)); }

  private:
    StatementBackend* s_;
};

// Runs an `INSERT ... RETURNING id`: the new row's id, or nullopt when it inserted none (an
// ON CONFLICT DO NOTHING that met a conflict). The statement is reset when this returns.
inline std::optional<int64_t> returned_id(Stmt&& s) {
    Stmt done(std::move(s));
    if (!done.step()) return std::nullopt;
    return done.int64(0);
}

// Like returned_id, for an insert that always inserts its row.
inline int64_t inserted_id(Stmt&& s) {
    auto id = returned_id(std::move(s));
    if (!id) throw DbError(DbErrorKind::other, "INSERT ... RETURNING id returned no row");
    return *id;
}

// The parameters of a statement built from pieces, numbered ?1, ?2, ... in the order they are
// added, without gaps (an engine that infers parameter types cannot type an unused one).
class SqlParams {
  public:
    using Value = std::variant<int64_t, std::string>;
    // The placeholder to write into the statement for v.
    std::string add(Value v) {
        values_.push_back(std::move(v));
        return "?" + std::to_string(values_.size());
    }
    void bind(Stmt& s) const {
        for (size_t i = 0; i < values_.size(); ++i) {
            const int idx = static_cast<int>(i + 1);
            if (const auto* n = std::get_if<int64_t>(&values_[i]))
                s.bind(idx, *n);
            else
                s.bind(idx, std::get<std::string>(values_[i]));
        }
    }

  private:
    std::vector<Value> values_;
};

// One connection to the database, implemented by a driver.
class Connection {
  public:
    virtual ~Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Prepared statements are cached by SQL text for the connection's lifetime. Most SQL is a
    // string literal, passed again from the same address: a small table by address answers
    // those without hashing the text (the text is still compared, as an address may be reused
    // by other text). Two ways per set, the most recent first, so that two statements a request
    // uses whose addresses share a set do not evict each other on every call.
    Stmt prepare(std::string_view sql) {
        const auto address = reinterpret_cast<uintptr_t>(sql.data());
        Recent* set = &recent_[((address * 0x9E3779B97F4A7C15ULL) >> (64 - kSetBits)) * 2];
        auto holds = [&](const Recent& r) { return r.address == sql.data() && r.sql == sql; };
        if (!holds(set[0])) {
            std::swap(set[0], set[1]);  // the older way is the one to reuse on a miss
            if (!holds(set[0])) {
                set[0].stmt = &statement(sql);
                set[0].address = sql.data();
                set[0].sql.assign(sql);
            }
        }
        return Stmt(set[0].stmt);
    }
    // Runs one or more statements without results (migrations, settings).
    virtual void exec_script(const std::string& sql) = 0;
    // Rows changed by the last INSERT, UPDATE or DELETE.
    virtual int changes() = 0;
    // Runs fn now in a transaction of its own, committed whatever becomes of the caller's: for
    // a counter every writer increments (ticket serials), which would make concurrent writers
    // of a driver that runs them side by side collide on its row. A number taken this way and
    // not used is skipped, never given twice. A driver with one writer at a time (SQLite) runs
    // fn on this connection, inside the caller's transaction.
    virtual void run_autonomous(const std::function<void(Connection&)>& fn) { fn(*this); }

    // Names the database (a file's full path): the same for every connection to it, different
    // for different databases in one process.
    const std::string& path() const { return path_; }
    const Dialect& dialect() const { return *dialect_; }

  protected:
    Connection(std::string path, const Dialect& dialect)
        : path_(std::move(path)), dialect_(&dialect) {}
    // The cached statement for sql, prepared on first use. The reference stays valid for the
    // connection's lifetime (prepare() keeps it).
    virtual StatementBackend& statement(std::string_view sql) = 0;
    void set_path(std::string path) { path_ = std::move(path); }

  private:
    struct Recent {
        const char* address = nullptr;
        std::string sql;
        StatementBackend* stmt = nullptr;
    };
    static constexpr unsigned kSetBits = 7;  // 128 sets of two
    std::string path_;
    const Dialect* dialect_;
    Recent recent_[size_t{2} << kSetBits];
};

}  // namespace orderly::storage
