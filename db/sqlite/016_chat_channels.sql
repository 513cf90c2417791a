-- Chat platforms: group robots of WeCom, DingTalk and Feishu, and Slack incoming webhooks.
-- A workflow names the channels it notifies on ("chat:<id>" in notify.channels); each ticket
-- event becomes one outbox row per channel (channel 'chat'), delivered and retried by the
-- notifier like emails and webhooks.
CREATE TABLE chat_channels (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL
               CHECK (kind = 'wecom' OR kind = 'dingtalk' OR kind = 'feishu' OR kind = 'slack'),
    url        TEXT NOT NULL,
    -- secretbox ciphertext of the robot's signing secret under the server's secret key; NULL
    -- when the robot has none. Never shown again.
    secret_enc BLOB,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
) STRICT;

-- The chat channel a 'chat' row goes to (NULL once the channel is deleted: the row is skipped).
ALTER TABLE notifications ADD COLUMN chat_channel_id INTEGER
    REFERENCES chat_channels (id) ON DELETE SET NULL;

-- A user's ids on the chat platforms, to @-mention them: a JSON object such as
-- {"dingtalk": "13800000000", "wecom": "zhangsan"}.
ALTER TABLE users ADD COLUMN chat_ids TEXT NOT NULL DEFAULT '{}';

-- The outbox's channel may now be 'chat'. Only the stored definition changes (every existing
-- row satisfies the wider rule), as in 007; the check below fails the migration if the old text
-- did not match.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (channel IN (''email'', ''webhook''))',
    'CHECK (channel = ''email'' OR channel = ''webhook'' OR channel = ''chat'')')
WHERE type = 'table' AND name = 'notifications';
PRAGMA writable_schema = OFF;

CREATE TEMP TABLE migration_016 (rewritten INTEGER NOT NULL CHECK (rewritten = 1));
INSERT INTO migration_016
SELECT count(*) FROM sqlite_schema
WHERE type = 'table' AND name = 'notifications' AND instr(sql, 'channel = ''chat''') > 0;
DROP TABLE migration_016;
