-- The ops catalog of seed 000: environments, purposes, the config center (with revisions),
-- variables (registered or script-fed option lists) and task templates.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE environments (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sort_order  INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE purposes (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sort_order  INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- The current value of each key of an environment. A secret's value is only ever stored
-- encrypted (libsodium secretbox, nonce first) in value_enc; value is then NULL.
CREATE TABLE config_entries (
    env         TEXT NOT NULL REFERENCES environments(key),
    key         TEXT NOT NULL,
    value       TEXT,
    value_enc   BLOB,
    secret      INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1)),
    description TEXT NOT NULL DEFAULT '',
    revision    INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT,
    PRIMARY KEY (env, key),
    CHECK ((secret = 1 AND value IS NULL AND value_enc IS NOT NULL) OR
           (secret = 0 AND value IS NOT NULL AND value_enc IS NULL))
) STRICT;

-- Every change of a config key, append-only: the value it set (encrypted when secret), who and
-- when. Kept when the key (or its environment) is deleted, so history survives.
CREATE TABLE config_revisions (
    id            INTEGER PRIMARY KEY,
    env           TEXT NOT NULL,
    key           TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('set', 'delete', 'rollback')),
    value         TEXT,
    value_enc     BLOB,
    secret        INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1)),
    description   TEXT NOT NULL DEFAULT '',
    rollback_of   INTEGER,
    actor         TEXT,
    at            INTEGER NOT NULL,
    UNIQUE (env, key, revision)
) STRICT;
CREATE TRIGGER config_revisions_no_update BEFORE UPDATE ON config_revisions
BEGIN SELECT RAISE(ABORT, 'config_revisions is append-only'); END;

-- A variable the submitter picks values for. source 'static': options_json is the list (set by
-- an admin or registered by a script over the API). source 'script': argv_json is run on demand
-- and its last good output is cached in cache_json (the cache lives here so that every server
-- process shares it).
CREATE TABLE variables (
    name          TEXT PRIMARY KEY,
    label         TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    multiple      INTEGER NOT NULL DEFAULT 0 CHECK (multiple IN (0, 1)),
    secret        INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1)),
    source        TEXT NOT NULL CHECK (source IN ('static', 'script')),
    options_json  TEXT NOT NULL DEFAULT '[]',
    command       TEXT NOT NULL DEFAULT '',
    argv_json     TEXT NOT NULL DEFAULT '[]',
    timeout_s     INTEGER NOT NULL DEFAULT 10,
    cache_s       INTEGER NOT NULL DEFAULT 300,
    cache_json    TEXT,
    cache_at      INTEGER,
    last_error    TEXT,
    last_error_at INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

-- A task template. argv_json is the command split once, when saved; workflow_id refers to a
-- workflow (null = no approval) and is deliberately not a foreign key here.
CREATE TABLE templates (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    environment        TEXT NOT NULL REFERENCES environments(key),
    purpose            TEXT NOT NULL REFERENCES purposes(key),
    description        TEXT NOT NULL DEFAULT '',
    command            TEXT NOT NULL,
    argv_json          TEXT NOT NULL,
    internal_vars_json TEXT NOT NULL DEFAULT '{}',
    variables_json     TEXT NOT NULL DEFAULT '[]',
    choices_json       TEXT NOT NULL DEFAULT '{}',
    workflow_id        INTEGER,
    submit_roles_json  TEXT NOT NULL DEFAULT '[]',
    timeout_s          INTEGER NOT NULL DEFAULT 600,
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (environment, name)
) STRICT;
CREATE INDEX templates_by_purpose ON templates(purpose);

-- Which variables each template uses, kept in step with variables_json so that deleting a
-- variable in use can name the templates.
CREATE TABLE template_variables (
    template_id   INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    variable_name TEXT NOT NULL,
    PRIMARY KEY (template_id, variable_name)
) STRICT, WITHOUT ROWID;
CREATE INDEX template_variables_by_name ON template_variables(variable_name);
