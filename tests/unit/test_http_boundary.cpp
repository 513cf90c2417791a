// The HTTP server's exception boundary: what a failure shows the client (a problem with the
// request id, never the cause) and what it leaves in the log (the cause, with the request id),
// and storage failures told apart by their SQLite code rather than their text.
#include <sqlite3.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "core/json.h"
#include "http/boundary.h"
#include "storage/sqlite/connection.h"

using namespace orderly;

namespace {

// Sends stderr to a temporary file while it lives; text() returns what was written.
class StderrCapture {
  public:
    StderrCapture() : file_(std::tmpfile()) {
        std::fflush(stderr);
        saved_ = dup(2);
        dup2(fileno(file_), 2);
    }
    ~StderrCapture() {
        restore();
        std::fclose(file_);
    }
    std::string text() {
        restore();
        std::string out;
        std::rewind(file_);
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
        return out;
    }

  private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        dup2(saved_, 2);
        close(saved_);
        saved_ = -1;
    }
    std::FILE* file_;
    int saved_ = -1;
};

struct Outcome {
    http::Response res;
    std::string log;
};

// What the boundary makes of `thrower`'s exception for request "rid-7" of route "GET /x".
template <typename F>
Outcome through_boundary(F thrower) {
    StderrCapture capture;
    Outcome out;
    try {
        thrower();
    } catch (const std::exception&) {
        out.res = http::problem_for_current_exception("rid-7", "GET /x");
    }
    out.log = capture.text();
    return out;
}

std::string code_of(const http::Response& r) {
    json::Document d;
    d.Parse(r.body.c_str());
    REQUIRE(d.IsObject());
    return d["code"].GetString();
}

std::string header_of(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("an internal error's cause is logged with the request id and never answered",
          "[boundary]") {
    auto out = through_boundary([] { fail(Error::Internal("snapshot of ticket 42 is corrupt")); });
    CHECK(out.res.status == 500);
    CHECK(code_of(out.res) == "internal");
    CHECK(has(out.res.body, "\"request_id\":\"rid-7\""));
    CHECK_FALSE(has(out.res.body, "snapshot of ticket 42"));
    // One JSON line carries both the id and the cause.
    auto line_end = out.log.find('\n');
    REQUIRE(line_end != std::string::npos);
    json::Document line;
    line.Parse(out.log.substr(0, line_end).c_str());
    REQUIRE(line.IsObject());
    CHECK(std::string(line["request_id"].GetString()) == "rid-7");
    CHECK(std::string(line["route"].GetString()) == "GET /x");
    CHECK(std::string(line["detail"].GetString()) == "snapshot of ticket 42 is corrupt");
}

TEST_CASE("an expected error is answered as it is and not logged", "[boundary]") {
    auto out = through_boundary([] { fail(Error::NotFound("no such thing")); });
    CHECK(out.res.status == 404);
    CHECK(has(out.res.body, "no such thing"));
    CHECK(out.log.empty());
}

TEST_CASE("an unexpected exception is a 500 whose text only the log sees", "[boundary]") {
    auto out = through_boundary([] { throw std::runtime_error("vector::at out of range 9"); });
    CHECK(out.res.status == 500);
    CHECK_FALSE(has(out.res.body, "out of range"));
    CHECK(has(out.log, "rid-7"));
    CHECK(has(out.log, "vector::at out of range 9"));
}

TEST_CASE("a busy or locked database is 503 database.busy, told by its SQLite code", "[boundary]") {
    for (int code : {SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE}) {
        auto out = through_boundary(
            [&] { throw storage::DbError(storage::sqlite::kind_of(code), "step: failed"); });
        CHECK(out.res.status == 503);
        CHECK(code_of(out.res) == "database.busy");
        CHECK(header_of(out.res, "Retry-After") == "1");
        CHECK(has(out.log, "rid-7"));
    }
    // The text does not decide: "busy" in another failure's message is still a 500.
    auto out = through_boundary([] {
        throw storage::DbError(storage::sqlite::kind_of(SQLITE_CONSTRAINT_UNIQUE),
                               "insert: busy_flag not unique");
    });
    CHECK(out.res.status == 500);
    CHECK_FALSE(has(out.res.body, "busy_flag"));
    CHECK(has(out.log, "busy_flag not unique"));
}

TEST_CASE("a lost database connection is 503 database.unavailable, not a 500", "[boundary]") {
    // PostgreSQL down or restarting: the driver classifies it, the pool reconnects later.
    auto out = through_boundary([] {
        throw storage::DbError(StorageFailure::connection_lost,
                               "cannot connect to the database postgresql:///orderly: refused");
    });
    CHECK(out.res.status == 503);
    CHECK(code_of(out.res) == "database.unavailable");
    CHECK(header_of(out.res, "Retry-After") == "1");
    CHECK_FALSE(has(out.res.body, "postgresql://"));
    CHECK(has(out.log, "cannot connect to the database"));
}

TEST_CASE("SQLite result codes map to storage failure kinds", "[boundary]") {
    using storage::sqlite::kind_of;
    CHECK(kind_of(SQLITE_BUSY) == StorageFailure::busy);
    CHECK(kind_of(SQLITE_BUSY_TIMEOUT) == StorageFailure::busy);
    CHECK(kind_of(SQLITE_LOCKED) == StorageFailure::busy);
    CHECK(kind_of(SQLITE_CONSTRAINT) == StorageFailure::constraint);
    CHECK(kind_of(SQLITE_CONSTRAINT_FOREIGNKEY) == StorageFailure::constraint);
    CHECK(kind_of(SQLITE_ERROR) == StorageFailure::other);
    CHECK(kind_of(SQLITE_IOERR_FSYNC) == StorageFailure::other);
    CHECK(kind_of(SQLITE_ABORT) == StorageFailure::other);
}
