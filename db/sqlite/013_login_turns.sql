-- One row per client address that tried to log in lately. A login attempt writes its address's
-- row in the transaction that counts the address's failures and records the attempt, so that
-- attempts from one address take turns even on several nodes (on PostgreSQL the later of two
-- such transactions fails to serialise and runs again, seeing the earlier one's attempt): a burst
-- of guesses gets no more tries than the throttle allows. Rows older than the throttle's window
-- are deleted with the old failures.
CREATE TABLE login_turns (
    address TEXT PRIMARY KEY,
    at      INTEGER NOT NULL
) STRICT;
