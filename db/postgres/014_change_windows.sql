-- Change windows: a ticket may carry the window its task is planned for (planned_start,
-- planned_end, ms since the epoch; both or neither). run_at is when the window scheduler next
-- has something to do with the ticket: start a "scheduled" ticket at planned_start, or mark an
-- approved or scheduled ticket "missed" once planned_end has passed without a start. It is
-- written with the status, in the same statement (NULL once nothing is due), and claimed with
-- FOR UPDATE SKIP LOCKED, so that the start happens once whatever the number of nodes.
-- A template or a service may require a window of every ticket submitted through it.
ALTER TABLE tickets ADD COLUMN planned_start BIGINT;
ALTER TABLE tickets ADD COLUMN planned_end BIGINT;
ALTER TABLE tickets ADD COLUMN run_at BIGINT;
CREATE INDEX tickets_run_at ON tickets(run_at) WHERE run_at IS NOT NULL;
-- Conflicts: tickets of one environment (or business) whose windows overlap.
CREATE INDEX tickets_window_by_environment ON tickets(environment, planned_start)
    WHERE planned_start IS NOT NULL;
CREATE INDEX tickets_window_by_business ON tickets(business, planned_start)
    WHERE planned_start IS NOT NULL;
ALTER TABLE templates ADD COLUMN window_required BIGINT NOT NULL DEFAULT 0
    CHECK (window_required IN (0, 1));
ALTER TABLE services ADD COLUMN window_required BIGINT NOT NULL DEFAULT 0
    CHECK (window_required IN (0, 1));

-- Two more statuses: "scheduled" (approved, waiting for its window to open) and "missed" (the
-- window passed without a start; terminal).
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN ('in_progress',
    'approved', 'executing', 'finished', 'rejected', 'withdrawn', 'failed', 'terminated',
    'scheduled', 'missed'));
