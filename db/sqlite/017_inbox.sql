-- The inbox: a notice is unread until its user marks it read (read_at, ms since the epoch).
-- The bell's count reads the partial index of unread notices, not every notice of the user.
ALTER TABLE user_notices ADD COLUMN read_at INTEGER;
CREATE INDEX user_notices_unread ON user_notices (user_id, id) WHERE read_at IS NULL;
