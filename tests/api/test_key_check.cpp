// A node started with another secret key than the one its database was first used with
// refuses to start, and says which setting to fix.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/process.h"
#include "support/test_database.h"

using namespace orderly::test;

namespace {

// `orderly serve` with the key file; one that refuses exits at once (`timeout` ends one that
// would serve).
CliResult serve_with_key(const std::string& db, const std::string& key_file) {
    return run_orderly("serve --listen 127.0.0.1:0 --db '" + db + "'",
                       "ORDERLY_SECRET_KEY_FILE=" + key_file + " timeout 20 ");
}

void write_key(const std::string& path, char digit) {
    std::ofstream(path) << std::string(64, digit) << "\n";
}

}  // namespace

TEST_CASE("a node with another secret key than the database's refuses to start", "[process]") {
    const auto dir = temp_dir();
    const std::string db = database_location(dir, "o.db");
    write_key(dir + "/a.key", 'a');
    write_key(dir + "/b.key", 'b');
    {
        ServerProcess first(db, {}, {"ORDERLY_SECRET_KEY_FILE=" + dir + "/a.key"});
        first.signal(SIGTERM);
        CHECK(first.wait() == 0);
    }
    auto refused = serve_with_key(db, dir + "/b.key");
    INFO(refused.output);
    CHECK(refused.status == 1);
    CHECK(refused.output.find("ORDERLY_SECRET_KEY_FILE") != std::string::npos);
    CHECK(refused.output.find(dir + "/b.key") != std::string::npos);
    CHECK(refused.output.find("serving on") == std::string::npos);

    // The right key still starts, however often.
    ServerProcess again(db, {}, {"ORDERLY_SECRET_KEY_FILE=" + dir + "/a.key"});
    again.signal(SIGTERM);
    CHECK(again.wait() == 0);
    std::filesystem::remove_all(dir);
}
