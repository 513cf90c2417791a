#pragma once
// Several real `orderly serve` processes ("nodes") on one PostgreSQL database, as behind a load
// balancer: one secret key file, the first node creating the admin user, each node its own work
// directory. Loopback is a trusted proxy, so a test may stand in for nginx with X-Forwarded-For.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_server.h"

namespace orderly::test::nodes {

inline constexpr const char* kNodesAdminPassword = "nodes-admin-password";

class Nodes {
  public:
    // `count` nodes on the database `uri`, started one after the other (the first migrates the
    // database, makes the key and the admin user).
    Nodes(const std::string& uri, int count, const std::vector<std::string>& env = {})
        : dir_(temp_dir()) {
        for (int i = 0; i < count; ++i) {
            std::vector<std::string> e = {
                "ORDERLY_SECRET_KEY_FILE=" + dir_ + "/secret.key",
                "ORDERLY_WORK_DIR=" + dir_ + "/work" + std::to_string(i),
                std::string("ORDERLY_ADMIN_PASSWORD=") + kNodesAdminPassword,
                "ORDERLY_TRUSTED_PROXIES=127.0.0.1", "ORDERLY_EXECUTION_WORKERS=1"};
            e.insert(e.end(), env.begin(), env.end());
            nodes_.push_back(std::make_unique<ServerProcess>(uri, std::vector<std::string>{}, e));
        }
        admin_token_ = login_at(port(0), "admin", kNodesAdminPassword).token();
    }

    int size() const { return static_cast<int>(nodes_.size()); }
    uint16_t port(int i) const { return nodes_.at(i)->port(); }
    ServerProcess& node(int i) { return *nodes_.at(i); }
    const std::string& dir() const { return dir_; }
    // The admin's one session, on node i: a token is valid on every node.
    Client admin(int i) const {
        Client c(port(i));
        c.set_token(admin_token_);
        return c;
    }
    // The same client (the same token) talking to node i.
    Client on(int i, const Client& c) const {
        Client moved(port(i));
        moved.set_token(c.token());
        return moved;
    }

  private:
    std::string dir_;
    std::vector<std::unique_ptr<ServerProcess>> nodes_;
    std::string admin_token_;
};

}  // namespace orderly::test::nodes
