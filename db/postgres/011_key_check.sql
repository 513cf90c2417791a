-- Which secret key the database is used with: a keyed hash of a fixed label, written by the first
-- node that starts on it. A node whose key gives another value refuses to start, since it could
-- not read the secrets the others stored (and its own would be unreadable to them).
CREATE TABLE key_check (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
