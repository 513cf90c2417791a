// The writer's WAL appends are collected and written in a few system calls per commit
// (storage/sqlite/write_combining_vfs.h). What must hold: a commit is on disk when it returns (not
// when the connection closes), other connections read it at once, large transactions and WAL
// restarts keep their data, and a buffered write that fails makes the commit fail.
// SQLite's own files: [sqlite-only].
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <string>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/write_combining_vfs.h"
#include "support/process.h"

using namespace orderly;
using Connection = storage::sqlite::SqliteConnection;

namespace {

int64_t count_rows(Connection& c, const std::string& where = "1") {
    auto s = c.prepare("SELECT count(*) FROM t WHERE " + where);
    REQUIRE(s.step());
    return s.int64(0);
}

std::string integrity(Connection& c) {
    auto s = c.prepare("PRAGMA integrity_check");
    REQUIRE(s.step());
    return s.text(0);
}

// Inserts n rows of `bytes` random bytes each in one transaction.
void insert_blobs(Connection& c, int n, int bytes, int tag) {
    c.exec_script("BEGIN");
    for (int i = 0; i < n; ++i)
        c.prepare("INSERT INTO t (tag, data) VALUES (?1, randomblob(?2))")
            .bind(1, tag)
            .bind(2, bytes)
            .exec();
    c.exec_script("COMMIT");
}

// Runs fn in a forked child that ends with _exit(fn()): no destructors, nothing closed, so
// whatever was only buffered in the child is lost. Returns the child's exit code.
int in_child(const std::function<int()>& fn) {
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int code = 1;
        try {
            code = fn();
        } catch (...) {
        }
        _exit(code);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("a commit's WAL frames reach the file in a few writes and other connections read them",
          "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    const std::string path = dir + "/w.db";
    Connection writer(path);
    writer.exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, tag INTEGER, data BLOB)");
    auto before = storage::sqlite::wal_write_stats();
    insert_blobs(writer, 150, 3000, 1);  // ~150 pages: ~300 writes asked for by SQLite
    auto after = storage::sqlite::wal_write_stats();
    const auto requested = after.requested - before.requested;
    const auto issued = after.issued - before.issued;
    CHECK(requested >= 300);
    CHECK(issued <= requested / 20);  // ~128 KiB per write: about 5 for ~620 KiB of frames
    Connection reader(path);
    CHECK(count_rows(reader) == 150);
    CHECK(integrity(reader) == "ok");
    std::filesystem::remove_all(dir);
}

TEST_CASE("transactions larger than the write buffer and WAL restarts keep every row",
          "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    const std::string path = dir + "/w.db";
    {
        Connection writer(path);
        writer.exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, tag INTEGER, data BLOB)");
        insert_blobs(writer, 800, 3000, 1);  // ~3 MiB in one commit
        Connection reader(path);
        CHECK(count_rows(reader, "tag = 1") == 800);
        // Copy everything into the database file and start the log from its beginning: the
        // next commit writes at offset 0 again.
        writer.exec_script("PRAGMA wal_checkpoint(TRUNCATE)");
        insert_blobs(writer, 40, 3000, 2);
        insert_blobs(writer, 1, 10, 3);
        CHECK(count_rows(reader, "tag = 2") == 40);
        CHECK(count_rows(reader, "tag = 3") == 1);
        CHECK(integrity(reader) == "ok");
    }
    Connection reopened(path);
    CHECK(count_rows(reopened) == 841);
    CHECK(integrity(reopened) == "ok");
    std::filesystem::remove_all(dir);
}

TEST_CASE("a commit is on disk when it returns, not when the connection closes",
          "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    const std::string path = dir + "/w.db";
    {
        Connection c(path);
        c.exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, tag INTEGER, data BLOB)");
    }
    CHECK(in_child([&] {
              auto* c = new Connection(path);  // never closed
              insert_blobs(*c, 20, 1000, 7);
              return 0;
          }) == 0);
    Connection after(path);
    CHECK(count_rows(after, "tag = 7") == 20);
    CHECK(integrity(after) == "ok");
    std::filesystem::remove_all(dir);
}

// Runs, in a child process whose files may not grow past 64 KiB, one transaction of n rows of
// `bytes` bytes; returns 3 when the commit failed, 0 when it claimed success.
int commit_with_small_file_limit(const std::string& path, int n, int bytes) {
    return in_child([&] {
        signal(SIGXFSZ, SIG_IGN);
        rlimit lim{64 * 1024, 64 * 1024};
        setrlimit(RLIMIT_FSIZE, &lim);
        try {
            auto* c = new Connection(path);
            insert_blobs(*c, n, bytes, 9);
        } catch (const storage::DbError&) {
            return 3;
        }
        return 0;
    });
}

TEST_CASE("a buffered WAL write that fails makes the commit fail and leaves nothing",
          "[storage][sqlite-only]") {
    auto dir = test::temp_dir();
    const std::string path = dir + "/w.db";
    {
        Connection c(path);
        c.exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, tag INTEGER, data BLOB)");
        insert_blobs(c, 1, 10, 1);
    }
    // ~100 KiB: the whole commit is still in the buffer when SQLite syncs, so the failing write
    // is the one made for the sync.
    CHECK(commit_with_small_file_limit(path, 25, 4000) == 3);
    // ~1 MiB: the buffer fills and is written while frames are still being appended.
    CHECK(commit_with_small_file_limit(path, 250, 4000) == 3);
    Connection after(path);
    CHECK(count_rows(after, "tag = 9") == 0);
    CHECK(count_rows(after, "tag = 1") == 1);
    CHECK(integrity(after) == "ok");
    std::filesystem::remove_all(dir);
}
