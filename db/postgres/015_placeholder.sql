-- Placeholder for migration 015, which another branch owns (migrations are numbered without
-- gaps). Dropped when that branch's 015 is merged.
SELECT 1;
