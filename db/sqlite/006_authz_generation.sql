-- A counter that changes whenever anything a request's permissions are derived from changes: a
-- user's name or disabled flag, a user's roles, a role's permissions. Authentication reads it in
-- the same indexed lookup as the token, so a server process may keep a user's roles and
-- permissions in memory for as long as the counter holds, and every process sees a change at
-- the next request. (Token revocation and expiry are read from the token row every time.)
CREATE TABLE authz_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO authz_generation (id, value) VALUES (1, 1);

CREATE TRIGGER authz_users_update AFTER UPDATE OF username, display_name, disabled ON users
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_users_delete AFTER DELETE ON users
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_user_roles_insert AFTER INSERT ON user_roles
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_user_roles_update AFTER UPDATE ON user_roles
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_user_roles_delete AFTER DELETE ON user_roles
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_role_permissions_insert AFTER INSERT ON role_permissions
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_role_permissions_update AFTER UPDATE ON role_permissions
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_role_permissions_delete AFTER DELETE ON role_permissions
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER authz_roles_delete AFTER DELETE ON roles
BEGIN UPDATE authz_generation SET value = value + 1 WHERE id = 1; END;
