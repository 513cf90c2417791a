#pragma once
// The PostgreSQL change feed (storage/change_feed.h): one connection per process of its own,
// LISTENing on the channels the writers NOTIFY, on a thread of its own. A connection that drops
// (the server restarted, the backend was terminated) is opened again, with a growing pause
// between attempts (100 ms doubling to 5 s), and every reconnect calls on_resync.
#include <memory>
#include <string>

#include "storage/change_feed.h"

namespace orderly::storage::postgres {

// The application_name the listener's connection carries: "orderly-listener-<pid>", so that an
// operator (or a test) can find each process's listener in pg_stat_activity.
std::string listener_application_name();

// Starts listening on the database the libpq URI names. Never throws for a server that is
// down: the feed keeps trying and reports connected() once it listens.
std::unique_ptr<ChangeFeed> listen(const std::string& uri, ChangeHandlers handlers);

}  // namespace orderly::storage::postgres
