-- Accounts, roles and permissions, businesses, tokens, login throttling and the audit log.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    email         TEXT,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE roles (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    builtin    INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE role_permissions (
    role_key   TEXT NOT NULL REFERENCES roles(key) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_key, permission)
) STRICT, WITHOUT ROWID;

CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_key TEXT NOT NULL REFERENCES roles(key) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_roles_by_role ON user_roles(role_key);

-- Login sessions and personal API tokens; only the SHA-256 of a token is stored.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    name         TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX tokens_by_user ON tokens(user_id, kind);

CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_user ON login_failures(username, at);
CREATE INDEX login_failures_by_address ON login_failures(address, at);

CREATE TABLE businesses (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE business_members (
    business_key TEXT NOT NULL REFERENCES businesses(key) ON DELETE CASCADE,
    role_key     TEXT NOT NULL REFERENCES roles(key) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (business_key, role_key, user_id)
) STRICT, WITHOUT ROWID;

-- Append-only: every change made through the API, written in the same transaction.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    address     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_events_by_actor ON audit_events(actor, id);
CREATE INDEX audit_events_by_action ON audit_events(action, id);
CREATE INDEX audit_events_by_object ON audit_events(object_type, object_id, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

INSERT INTO roles (key, name, builtin, created_at, updated_at)
VALUES ('admin', 'Administrator', 1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
INSERT INTO role_permissions (role_key, permission) VALUES ('admin', 'admin');
