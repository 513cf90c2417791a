-- The index of each user's assignments by state (what the pending-work view, view=todo, reads)
-- gains node_id, so that a decision's update (node_id, user_id, state 'pending') finds its row
-- through it as directly as through the primary key. Without statistics (a new or fast-growing
-- table that has not been analysed yet) PostgreSQL's planner rated both indexes one row and
-- could take this one, which then read every pending row of the approver: some 7,000 index
-- entries per approval for a busy approver, 3.9 ms of PostgreSQL's CPU each. Migration 003
-- named the index after that view; it is dropped and made again under a name that says what
-- it holds.
DROP INDEX ticket_assignees_todo;
CREATE INDEX ticket_assignees_by_user_state ON ticket_assignees(user_id, state, node_id, ticket_id);
