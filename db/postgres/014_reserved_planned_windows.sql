-- Placeholder: number 014 is taken by the planned change windows (planned_start/planned_end),
-- developed beside the freeze windows of 015. The two land together; this file gives way to
-- that migration, so that migrations stay numbered 1..N here meanwhile.
SELECT 1;
