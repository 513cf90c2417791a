-- Placeholder for migration 014, which another branch owns (migrations are numbered without
-- gaps). Dropped when that branch's 014 is merged.
SELECT 1;
