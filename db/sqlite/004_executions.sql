-- Executions of tickets' tasks and their logs (issue 5).
-- Times are integer milliseconds since the Unix epoch (UTC).
--
-- The execution engine is stateless: a worker of any server process claims a 'queued' row with
-- one atomic UPDATE (status -> 'running', owner = that process), so two processes never run the
-- same execution. The owner identity ("host|boot id|pid|start time") and the process group id
-- let a restarted server tell that a 'running' row's process is gone, mark it 'interrupted' and
-- kill what is left of its group; run_token is put into the task's environment (ORDERLY_RUN_ID)
-- so that only processes of this very execution are ever killed that way.
--
-- ticket_id is not a foreign key, like notifications.ticket_id: the row keeps what the history
-- needs of the ticket (sn, creator, template, environment) as it was when the execution was
-- requested, so the audit never depends on the tickets table's shape.
CREATE TABLE executions (
    id                  INTEGER PRIMARY KEY,
    ticket_id           INTEGER NOT NULL,
    ticket_sn           TEXT NOT NULL DEFAULT '',
    ticket_creator_id   INTEGER,
    template_id         INTEGER,
    template_name       TEXT NOT NULL DEFAULT '',
    environment         TEXT NOT NULL DEFAULT '',
    executed_by         INTEGER REFERENCES users(id),
    status              TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed',
                                                        'timed_out', 'cancelled', 'interrupted')),
    -- The argument vector as run, secrets replaced by ******; NULL until it starts.
    argv_json           TEXT,
    -- The variable values it ran with ({name: value | [values]}), secret ones masked.
    variables_json      TEXT NOT NULL DEFAULT '{}',
    timeout_s           INTEGER,
    exit_code           INTEGER,
    signal              INTEGER,
    -- Why it ended the way it did, for people (e.g. "timed out after 600 s").
    message             TEXT NOT NULL DEFAULT '',
    queued_at           INTEGER NOT NULL,
    started_at          INTEGER,
    finished_at         INTEGER,
    -- Bytes of log stored so far (= the end offset of the last chunk).
    log_size            INTEGER NOT NULL DEFAULT 0,
    -- Output bytes dropped after the log reached its size limit.
    log_dropped         INTEGER NOT NULL DEFAULT 0,
    owner               TEXT,
    heartbeat_at        INTEGER,
    pgid                INTEGER,
    run_token           TEXT,
    cancel_requested_at INTEGER,
    cancel_requested_by INTEGER REFERENCES users(id),
    CHECK (log_size >= 0 AND log_dropped >= 0)
) STRICT;
CREATE INDEX executions_by_status ON executions(status, id);
CREATE INDEX executions_by_ticket ON executions(ticket_id, id);
CREATE INDEX executions_by_user ON executions(executed_by, id);
CREATE INDEX executions_by_creator ON executions(ticket_creator_id, id);
CREATE INDEX executions_by_template ON executions(template_id, id);
CREATE INDEX executions_by_environment ON executions(environment, id);
CREATE INDEX executions_by_queued_at ON executions(queued_at);

-- The log, in chunks: bytes [offset, offset + length(data)) of an execution's output. Output is
-- stored as valid UTF-8 (invalid bytes become U+FFFD) with secrets masked.
CREATE TABLE execution_logs (
    id           INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    offset       INTEGER NOT NULL CHECK (offset >= 0),
    data         BLOB NOT NULL,
    UNIQUE (execution_id, offset)
) STRICT;
