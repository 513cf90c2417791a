-- Environments can be protected: executing a task there needs an explicit confirmation.
ALTER TABLE environments ADD COLUMN protected INTEGER NOT NULL DEFAULT 0
    CHECK (protected = 0 OR protected = 1);

-- The language of a user's emails: 'zh-CN' (the default) or 'en'.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'zh-CN'
    CHECK (locale = 'zh-CN' OR locale = 'en');

-- In-app notices: each ticket event for each of its recipients, whatever channels the workflow
-- notifies on (GET /api/v1/me/notices).
CREATE TABLE user_notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event      TEXT NOT NULL,
    ticket_id  INTEGER NOT NULL,
    ticket_sn  TEXT NOT NULL,
    title      TEXT NOT NULL,
    node_name  TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX user_notices_user ON user_notices (user_id, id);
