-- A running execution's lease: the node that claimed it holds it until this time (ms since the
-- epoch) and renews it with every heartbeat. Once it has passed, another node marks the
-- execution interrupted, and the owner, should it come back, writes nothing more to it (every
-- write checks that its claim still holds: status running, same owner and run token). NULL for
-- rows that never ran, or ran before leases existed.
ALTER TABLE executions ADD COLUMN lease_until INTEGER;
