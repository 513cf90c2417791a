#pragma once
// What the API handlers share: the application's use cases and the server. OrderlyApp builds one
// App and registers every group of routes on the Server.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "app/submitter.h"
#include "app/use_cases.h"
#include "core/time.h"
#include "http/request.h"
#include "http/server.h"

namespace orderly::http {

using AppConfig = app::Settings;

// The use cases (app::UseCases) and what the HTTP layer adds. Built in place by OrderlyApp.
struct App : app::UseCases {
    Server* server = nullptr;
};

// The request's caller for the application layer: its principal, address and request id. Valid
// while the request lives.
app::Caller caller(const Request& req);

std::string etag(int64_t version);

// Checks the body's "email" member when it is a non-empty string (null or "" clear the
// address): 400 with a field error on "email" when it is not a plain address
// (domain::email_problem).
void check_email_member(const Request& req);

// The profile fields of a user or /me PATCH body, and its If-Match, after check_email_member.
app::ProfilePatch profile_patch(const Request& req);
// A string member that may be null: unset when left out, nullopt inside when null.
std::optional<std::optional<std::string>> nullable_string_member(const Request& req,
                                                                 const char* name);
// The body's "chat_ids" object (the user's ids on chat platforms), when it has one; empty ids
// are left out.
std::optional<std::map<std::string, std::string>> chat_ids_member(const Request& req);

void register_system_routes(App& app, Server& s);
void register_auth_routes(App& app, Server& s);
void register_people_routes(App& app, Server& s);
void register_audit_routes(App& app, Server& s);
// Workflows, the service catalog and services, tickets.
void register_workflow_routes(App& app, Server& s);
void register_service_routes(App& app, Server& s);
void register_ticket_routes(App& app, Server& s);
// Environments, purposes and templates; the config center; variables.
void register_catalog_routes(App& app, Server& s);
void register_config_routes(App& app, Server& s);
void register_variable_routes(App& app, Server& s);
void register_execution_routes(App& app, Server& s);     // uses app.executions
void register_notification_routes(App& app, Server& s);  // uses app.notifications
// Freeze windows and the change calendar.
void register_freeze_routes(App& app, Server& s);        // uses app.freezes
void register_chat_channel_routes(App& app, Server& s);  // uses app.chat_channels
void register_action_link_routes(App& app, Server& s);   // uses app.action_links

// The authenticator the server uses for every non-public route.
Authenticator make_authenticator(App& app);

}  // namespace orderly::http
