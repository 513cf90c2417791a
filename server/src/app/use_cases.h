#pragma once
// Every use case the HTTP layer calls, over one database and one clock. The wiring (OrderlyApp)
// builds it once per process, in place: the use cases keep references to its members, so it is
// never copied or moved.
#include <functional>
#include <string>

#include "app/action_links.h"
#include "app/audit_log.h"
#include "app/catalog.h"
#include "app/chat_channels.h"
#include "app/config_center.h"
#include "app/executions.h"
#include "app/freeze_calendar.h"
#include "app/notifications.h"
#include "app/people.h"
#include "app/services.h"
#include "app/sessions.h"
#include "app/ticket_engine.h"
#include "app/tickets.h"
#include "app/time_zones.h"
#include "app/variables.h"
#include "app/workflows.h"
#include "core/time.h"

namespace orderly::storage {
class Database;
}

namespace orderly::app {

struct Settings {
    TimeMs session_ttl_ms = 12LL * 3600 * 1000;
    std::string base_url = "http://127.0.0.1:8080";  // links in notifications point here
    // The IANA time zone notifications write times in for readers who chose none
    // (ORDERLY_TIMEZONE).
    std::string timezone = "UTC";
};

struct UseCases {
    storage::Database& db;
    const Clock& clock;
    Settings config;
    // Key for secrets at rest, loaded by OrderlyApp (AppOptions::secret_key_file).
    std::string secret_key;
    // Called after a commit that queued executions, so that a worker starts them now instead
    // of at its next poll; empty when no execution engine runs.
    std::function<void()> wake_executions;
    // Called after a commit that scheduled a ticket or gave one a window, so that the window
    // scheduler looks at its next due time now; empty when none runs.
    std::function<void()> wake_windows;

    // Runs tickets through their flows; its links point at config.base_url, its notices'
    // times are in each reader's zone (config.timezone by default).
    TicketEngine tickets{notice_settings(config.base_url, config.timezone)};

    // Tickets and workflows
    Tickets ticketing{db, clock, tickets, secret_key, wake_executions, wake_windows};
    // One-click approval from a notification; OrderlyApp enables minting links in `tickets`.
    ActionLinks action_links{db, clock, ticketing};
    Workflows workflows{db, clock};

    // Accounts, sessions, audit
    People people{db, clock};
    Sessions sessions{db, clock, config.session_ttl_ms};
    AuditLog audit_log{db};

    // Executions and notifications
    Executions runs{db, clock};  // the history, logs, cancel; OrderlyApp connects the engine
    Notifications notifications{db, clock};  // OrderlyApp connects the notifier
    ChatChannels chat_channels{db, clock, secret_key, config.base_url};  // and here

    // Catalog and configuration
    Catalog catalog{db, clock, secret_key};
    Services services{db, clock};
    Variables variables{db, clock};
    ConfigCenter config_center{db, clock, secret_key};

    // Freeze windows and the change calendar
    FreezeCalendar freezes{db, clock, wake_windows};

    // Whether the database answers (the health check).
    bool database_ok() const;
};

}  // namespace orderly::app
