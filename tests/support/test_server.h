#pragma once
// Shared by the API tests: one in-process Orderly server per test binary (Pistache #1158: many
// endpoints in one process leak fds), on 127.0.0.1 with a free port and a temp-file database,
// and a small cpp-httplib client that logs in and sends JSON.
#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "core/json.h"
#include "wiring/orderly_app.h"

namespace orderly::test {

struct Reply {
    int status = 0;
    std::string body;
    httplib::Headers headers;
    orderly::json::Document json;  // parsed body (Null when not JSON)
    std::string header(const std::string& name) const;
    // Convenience accessors on the parsed body.
    std::string str(const char* member) const;
    int64_t num(const char* member) const;
};

// Waits until the server on port has at least `requests` requests in flight besides the /metrics
// request this asks with (its orderly_http_in_flight gauge), or stop() turns true.
bool wait_in_flight(uint16_t port, int requests, const std::function<bool()>& stop = nullptr);

class Client {
  public:
    explicit Client(uint16_t port);
    void set_token(std::string token) { token_ = std::move(token); }
    const std::string& token() const { return token_; }
    Reply get(const std::string& path, const httplib::Headers& extra = {});
    Reply del(const std::string& path, const httplib::Headers& extra = {});
    Reply post(const std::string& path, const std::string& body,
               const httplib::Headers& extra = {});
    Reply patch(const std::string& path, const std::string& body,
                const httplib::Headers& extra = {});
    Reply put(const std::string& path, const std::string& body, const httplib::Headers& extra = {});
    Reply send(const std::string& method, const std::string& path, const std::string& body,
               const httplib::Headers& extra = {});

  private:
    httplib::Headers headers(const httplib::Headers& extra) const;
    uint16_t port_;
    std::string token_;
};

// The shared server of this test binary. The admin user is "admin" / kAdminPassword.
inline constexpr const char* kAdminPassword = "admin-test-password";
OrderlyApp& server();
uint16_t port();
// The shared server's web UI directory (served at /, empty at start); tests write files there.
std::string ui_dir();
// The shared server's secret key file.
std::string secret_key_file();
// Stops the shared server if this binary started it. The test main calls it once the tests are
// done: static objects are destroyed in the reverse order of their construction, so a
// function-local static the server first used after it started would be destroyed while the
// server's threads still ran.
void stop_shared_server();

// A client logged in as the given user (which must exist).
Client login(const std::string& username, const std::string& password);
// The same at the server on `port` (a server process of the test's own).
Client login_at(uint16_t port, const std::string& username, const std::string& password);
Client admin();
// Creates a user with the given roles (through the API, as admin) and returns a logged-in client.
// The name is made unique per call; the chosen name is written to *out_name when given.
Client make_user(const std::string& base_name, const std::vector<std::string>& roles,
                 std::string* out_name = nullptr);
// Creates a role with the given permissions, unique name; returns its key.
std::string make_role(const std::string& base_key, const std::vector<std::string>& permissions);
std::string unique(const std::string& base);

// The same on the server at `port` (another process), with `admin` a client of that server
// logged in as an administrator: make_user logs the new user in there.
Client make_user(Client& admin, uint16_t port, const std::string& base_name,
                 const std::vector<std::string>& roles, std::string* out_name = nullptr);
std::string make_role(Client& admin, const std::string& base_key,
                      const std::vector<std::string>& permissions);

}  // namespace orderly::test
