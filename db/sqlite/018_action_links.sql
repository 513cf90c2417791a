-- One-click approval links: one per approver of an approval node's activation, sent in their
-- notification. Only the SHA-256 of the link's 256 random bits is kept. A link is used once
-- (used_at), expires (expires_at), and is dead as soon as its activation is no longer waiting
-- for its user (checked against ticket_nodes and ticket_assignees when it is opened).
CREATE TABLE action_links (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    node_id     INTEGER NOT NULL REFERENCES ticket_nodes(id),
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    used_action TEXT CHECK (used_action IS NULL OR used_action = 'approve' OR used_action = 'reject')
) STRICT;
CREATE INDEX action_links_by_node ON action_links (node_id);
