#pragma once
// Accounts as JSON: a business as the API shows it, and the compact snapshots of users, roles and
// businesses that audit events record as before/after (never secrets or password hashes).
#include <string>

#include "core/json.h"
#include "domain/accounts.h"

namespace orderly::domain {

void write_business(json::Writer& w, const Business& b);

std::string user_json(const User& u);
std::string role_json(const Role& r);
std::string business_json(const Business& b);

}  // namespace orderly::domain
