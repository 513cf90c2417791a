-- Approval links in a group chat message: everyone in the chat can open the message, so such a
-- link works only for its approver, signed in (sign_in = 1); a link in the approver's own email
-- works without signing in (except in a protected environment).
ALTER TABLE action_links ADD COLUMN sign_in BIGINT NOT NULL DEFAULT 0
    CHECK (sign_in = 0 OR sign_in = 1);
