// The main of the storage and API test binaries. ctest runs them twice: on SQLite, and with
// ORDERLY_TEST_DRIVER=postgres on the server ORDERLY_TEST_PG names. Without that server the
// PostgreSQL run exits with 77, which ctest reports as skipped (SKIP_RETURN_CODE), never as
// passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "support/test_database.h"
#include "support/test_server.h"

int main(int argc, char** argv) {
    bool listing = false;
    for (int i = 1; i < argc; ++i) listing |= std::strncmp(argv[i], "--list", 6) == 0;
    if (!listing && orderly::test::testing_postgres() && !std::getenv("ORDERLY_TEST_PG")) {
        std::fprintf(stderr,
                     "skipped: ORDERLY_TEST_DRIVER=postgres but ORDERLY_TEST_PG is not set (a "
                     "libpq URI; scripts/pg-cluster start DIR prints one, scripts/test does it "
                     "all)\n");
        return 77;
    }
    const int failed = Catch::Session().run(argc, argv);
    orderly::test::stop_shared_server();
    return failed;
}
