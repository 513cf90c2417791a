-- Times in notifications are written in the reader's IANA time zone ("Asia/Shanghai"): a
-- user's for their emails, a chat channel's for its messages; NULL = the server's
-- (ORDERLY_TIMEZONE). The application checks the name against the system's zoneinfo.
ALTER TABLE users ADD COLUMN timezone TEXT;
ALTER TABLE chat_channels ADD COLUMN timezone TEXT;

-- The language of a chat channel's messages: 'zh-CN' (the default) or 'en'.
ALTER TABLE chat_channels ADD COLUMN language TEXT NOT NULL DEFAULT 'zh-CN'
    CHECK (language = 'zh-CN' OR language = 'en');
