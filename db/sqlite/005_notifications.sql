-- Notifications: an outbox of emails and webhook deliveries, and the webhook subscriptions.
-- A notification row is written in the same transaction as the event that causes it and is
-- delivered later by the background notifier (app/notifier.cpp), which claims due rows with an
-- atomic UPDATE and a lease, so two server processes never send the same row and the rows of a
-- claimer that died are retried once its lease expires.
-- Times are integer milliseconds since the Unix epoch (UTC).

-- Webhook subscriptions: global (workflow_id NULL) or for one workflow. workflow_id is not a
-- foreign key so that subscriptions do not depend on the workflow tables' shape; a subscription
-- for a workflow that no longer exists simply never matches.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    workflow_id INTEGER,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- secretbox ciphertext under the server's secret key; the secret is never shown again
    secret_enc  BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX webhooks_by_workflow ON webhooks(workflow_id, active);

-- The events a subscription wants; none = every event.
CREATE TABLE webhook_events (
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event      TEXT NOT NULL,
    PRIMARY KEY (webhook_id, event)
) STRICT, WITHOUT ROWID;

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    event           TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    -- email address or webhook URL; '' for an email skipped because the user has none
    recipient       TEXT NOT NULL,
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    webhook_id      INTEGER REFERENCES webhooks(id) ON DELETE SET NULL,
    ticket_id       INTEGER,
    -- stable per notification: the email's Message-ID and the webhook's X-Orderly-Delivery
    delivery_id     TEXT NOT NULL UNIQUE,
    subject         TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    -- start of the current delivery window (creation, or an admin's retry): after 24 h of
    -- failures from here the row is marked failed
    queued_at       INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_expires_at INTEGER,
    last_error      TEXT,
    skip_reason     TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER
) STRICT;
-- The notifier's due scan (pending rows, and sending rows whose lease ran out: both few) and
-- the admin's lists by status, newest first.
CREATE INDEX notifications_by_status ON notifications(status, id);
CREATE INDEX notifications_by_ticket ON notifications(ticket_id, id);
