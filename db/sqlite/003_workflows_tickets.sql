-- Workflows (drafts and their frozen, deployed versions), the service catalog, and tickets:
-- their node activations and operators, the timeline of every step, serial counters,
-- idempotency keys and a full-text index. Times are integer milliseconds since the Unix epoch.

-- A workflow draft. definition is the JSON the API accepts (normalised); deploying copies it
-- into workflow_versions, which never change.
CREATE TABLE workflows (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    type             TEXT NOT NULL,
    definition       TEXT NOT NULL,
    created_by       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    deployed_version INTEGER NOT NULL DEFAULT 0  -- latest workflow_versions.version; 0 = never
) STRICT;

CREATE TABLE workflow_versions (
    id          INTEGER PRIMARY KEY,
    workflow_id INTEGER NOT NULL REFERENCES workflows(id),
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    deployed_by TEXT,
    deployed_at INTEGER NOT NULL,
    UNIQUE (workflow_id, version)
) STRICT;
CREATE TRIGGER workflow_versions_no_update BEFORE UPDATE ON workflow_versions
BEGIN SELECT RAISE(ABORT, 'a deployed workflow version never changes'); END;
CREATE TRIGGER workflow_versions_no_delete BEFORE DELETE ON workflow_versions
BEGIN SELECT RAISE(ABORT, 'a deployed workflow version never changes'); END;

-- The service catalog: a tree of directories (parent_id NULL = under the root) and services.
CREATE TABLE catalog_dirs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    parent_id  INTEGER REFERENCES catalog_dirs(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX catalog_dirs_by_parent ON catalog_dirs(parent_id);

-- A service is bound to a deployed workflow version and optionally a task template (templates
-- belong to 002_catalog; not a foreign key, checked when saved). Deleting a service hides it
-- (deleted = 1): tickets keep pointing at it.
CREATE TABLE services (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    catalog_id          INTEGER REFERENCES catalog_dirs(id),
    workflow_version_id INTEGER NOT NULL REFERENCES workflow_versions(id),
    template_id         INTEGER,
    description         TEXT NOT NULL DEFAULT '',
    deleted             INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX services_by_catalog ON services(catalog_id) WHERE deleted = 0;

-- A ticket. workflow_version_id is NULL for a task template without a workflow (it runs
-- submit -> execute -> end). fields: the values entered at every node so far (JSON object);
-- variables: the submitter's variable values; template_snapshot: what the template was when
-- submitted (the catalog's snapshot, internal variables included). business is a business key,
-- not a foreign key, so that deleting a business keeps its tickets.
CREATE TABLE tickets (
    id                  INTEGER PRIMARY KEY,
    sn                  TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('in_progress', 'approved', 'executing',
                            'finished', 'rejected', 'withdrawn', 'failed', 'terminated')),
    service_id          INTEGER REFERENCES services(id),
    template_id         INTEGER,
    workflow_version_id INTEGER REFERENCES workflow_versions(id),
    business            TEXT,
    environment         TEXT,
    purpose             TEXT,
    creator_id          INTEGER NOT NULL REFERENCES users(id),
    fields              TEXT NOT NULL DEFAULT '{}',
    variables           TEXT NOT NULL DEFAULT '{}',
    template_snapshot   TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    finished_at         INTEGER,
    version             INTEGER NOT NULL DEFAULT 1
) STRICT;
-- Lists are newest first (id DESC) under one equality filter at a time.
CREATE INDEX tickets_by_creator ON tickets(creator_id, id);
CREATE INDEX tickets_by_status ON tickets(status, id);
CREATE INDEX tickets_by_service ON tickets(service_id, id);
CREATE INDEX tickets_by_template ON tickets(template_id, id);
CREATE INDEX tickets_by_environment ON tickets(environment, id);
CREATE INDEX tickets_by_purpose ON tickets(purpose, id);
CREATE INDEX tickets_by_business ON tickets(business, id);
CREATE INDEX tickets_by_created ON tickets(created_at);

-- The daily serial counter per prefix: CHG-20261121-0001.
CREATE TABLE ticket_counters (
    prefix TEXT NOT NULL,
    day    TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (prefix, day)
) STRICT, WITHOUT ROWID;

-- One row each time a ticket enters a node. At most one is active per ticket, enforced here:
-- this is what makes two concurrent deciders decide a node once.
CREATE TABLE ticket_nodes (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    node_key   TEXT NOT NULL,
    node_name  TEXT NOT NULL,
    node_type  TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('active', 'done', 'rejected', 'returned',
                   'withdrawn', 'terminated')),
    entered_at INTEGER NOT NULL,
    left_at    INTEGER,
    -- the workflow's notify policy "repeat": remind the pending operators every remind_every_ms,
    -- next at remind_at (NULL = no reminders)
    remind_every_ms INTEGER,
    remind_at       INTEGER
) STRICT;
CREATE INDEX ticket_nodes_by_ticket ON ticket_nodes(ticket_id, id);
CREATE UNIQUE INDEX ticket_nodes_one_active ON ticket_nodes(ticket_id) WHERE state = 'active';
CREATE INDEX ticket_nodes_reminders ON ticket_nodes(remind_at)
    WHERE state = 'active' AND remind_at IS NOT NULL;

-- The operators of each activation, resolved when the node is entered (users, roles, business
-- roles, the submitter). Rows stay after the node is left: having been an operator lets one read
-- the ticket. The todo list is the pending rows of a user.
CREATE TABLE ticket_assignees (
    node_id     INTEGER NOT NULL REFERENCES ticket_nodes(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'done',
                    'transferred', 'closed')),
    assigned_at INTEGER NOT NULL,
    acted_at    INTEGER,
    PRIMARY KEY (node_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_assignees_todo ON ticket_assignees(user_id, state, ticket_id);
CREATE INDEX ticket_assignees_by_ticket ON ticket_assignees(ticket_id, user_id);

-- The timeline: every step, who (NULL = the system, e.g. the execution engine), what they
-- entered (fields JSON), and details (JSON: to_user, to_node, execution_id...).
CREATE TABLE ticket_steps (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    node_key  TEXT,
    node_name TEXT,
    action    TEXT NOT NULL,
    actor_id  INTEGER REFERENCES users(id),
    comment   TEXT NOT NULL DEFAULT '',
    fields    TEXT,
    detail    TEXT,
    at        INTEGER NOT NULL
) STRICT;
CREATE INDEX ticket_steps_by_ticket ON ticket_steps(ticket_id, id);
CREATE TRIGGER ticket_steps_no_update BEFORE UPDATE ON ticket_steps
BEGIN SELECT RAISE(ABORT, 'ticket_steps is append-only'); END;
CREATE TRIGGER ticket_steps_no_delete BEFORE DELETE ON ticket_steps
BEGIN SELECT RAISE(ABORT, 'ticket_steps is append-only'); END;

-- POST /tickets with an Idempotency-Key: the same key of the same user gives the same ticket.
CREATE TABLE ticket_idempotency (
    user_id      INTEGER NOT NULL REFERENCES users(id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;

-- Full-text search over the serial, title and field values; rowid = tickets.id, kept in step in
-- the transaction that changes the ticket. The text is stored as domain::search_text makes it:
-- Chinese, Japanese and Korean runs as overlapping character bigrams, so that a two-character
-- word is found through the index too.
CREATE VIRTUAL TABLE tickets_fts USING fts5(title, body, tokenize = 'unicode61');
