-- Freeze windows: periods when changes may not run (hard) or need the approvers' attention
-- (soft). A window is either one-off (start_at, and end_at unless it is open-ended) or
-- recurring (an RFC 5545 rule with its DTSTART, each occurrence lasting duration_s, in the
-- named IANA time zone). The rule is expanded by the server (integrations/calendar.h).
CREATE TABLE freeze_windows (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL CHECK (kind IN ('hard', 'soft')),
    start_at    INTEGER,
    end_at      INTEGER,
    rrule       TEXT,
    duration_s  INTEGER,
    timezone    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    CHECK ((rrule IS NULL AND start_at IS NOT NULL AND duration_s IS NULL AND timezone IS NULL)
        OR (rrule IS NOT NULL AND start_at IS NULL AND end_at IS NULL
            AND duration_s IS NOT NULL AND timezone IS NOT NULL))
) STRICT;

-- The environments (keys) a window applies to; none = every environment.
CREATE TABLE freeze_window_environments (
    freeze_id       INTEGER NOT NULL REFERENCES freeze_windows(id) ON DELETE CASCADE,
    environment_key TEXT NOT NULL,
    PRIMARY KEY (freeze_id, environment_key)
) STRICT, WITHOUT ROWID;
