#pragma once
// Changes committed by other processes on the same database, as they commit: what lets a server
// that holds a long-poll answer it at once when another server wrote what it waits for, instead
// of finding out at its next look at the database.
//
// On PostgreSQL the writing transaction announces the change (Dialect::announce_log_change:
// NOTIFY, delivered at COMMIT) and every process keeps one connection of its own listening
// (storage/postgres/listener.h). On SQLite there is no feed: a database file is served by one
// process, whose in-process wake-ups suffice, and readers keep polling.
//
// A feed can miss changes (while its connection is down, or between a drop and the reconnect):
// its users keep polling as the fallback, and re-read everything when on_resync is called.
#include <cstdint>
#include <functional>
#include <memory>

namespace orderly::storage {

class Database;

// The channel the log changes are announced on (the payload is the execution's id).
inline constexpr const char* kLogChannel = "orderly_log";

struct ChangeHandlers {
    // New output or the end of execution `id` was committed (by any process, this one too).
    std::function<void(int64_t id)> log_changed;
    // The feed connected or dropped: changes may have been missed, and whoever waits on the
    // feed should look at the database again (and at connected(), to know how often to poll).
    std::function<void()> resync;
};

// Called from the feed's own thread; the handlers must be quick and must not throw.
class ChangeFeed {
  public:
    virtual ~ChangeFeed() = default;  // stops the feed; no handler runs after it returns
    // True while the feed is connected and listening.
    virtual bool connected() const = 0;
};

// The feed of the database's driver, already started; nullptr when the driver has none (SQLite).
std::unique_ptr<ChangeFeed> open_change_feed(const Database& db, ChangeHandlers handlers);

}  // namespace orderly::storage
