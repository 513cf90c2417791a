-- The same CHECK constraints, written so that SQLite can test them cheaply.
--
-- For CHECK (x IN ('a', 'b', 'c', ...)) with three or more values, SQLite builds a temporary
-- b-tree of the list for every row it inserts or updates: ~48,000 instructions per row
-- (measured with callgrind, SQLite 3.40), about 40 % of the writer's work for an approval, which
-- updates a ticket, a node and an assignee. CHECK (x = 'a' OR x = 'b' OR ...) is the same rule
-- (NULL passes both; the columns are NOT NULL anyway) and costs ~700.
--
-- Only the stored table definitions change: existing rows already satisfy the constraint and the
-- on-disk format is untouched, which is the case SQLite documents for editing sqlite_schema
-- (https://www.sqlite.org/lang_altertable.html#otheralter). The migration runner bumps
-- schema_version afterwards so that every open connection, in every process, reloads the schema.
-- Each replace() names its old text exactly; the check at the end fails the migration (and rolls
-- it back) if any of them did not match.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (action IN (''set'', ''delete'', ''rollback''))',
    'CHECK (action = ''set'' OR action = ''delete'' OR action = ''rollback'')')
WHERE type = 'table' AND name = 'config_revisions';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN (''in_progress'', ''approved'', ''executing'',
                            ''finished'', ''rejected'', ''withdrawn'', ''failed'', ''terminated''))',
    'CHECK (status = ''in_progress'' OR status = ''approved'' OR status = ''executing'' OR
                            status = ''finished'' OR status = ''rejected'' OR
                            status = ''withdrawn'' OR status = ''failed'' OR
                            status = ''terminated'')')
WHERE type = 'table' AND name = 'tickets';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (state IN (''active'', ''done'', ''rejected'', ''returned'',
                   ''withdrawn'', ''terminated''))',
    'CHECK (state = ''active'' OR state = ''done'' OR state = ''rejected'' OR
                   state = ''returned'' OR state = ''withdrawn'' OR state = ''terminated'')')
WHERE type = 'table' AND name = 'ticket_nodes';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (state IN (''pending'', ''approved'', ''rejected'', ''done'',
                    ''transferred'', ''closed''))',
    'CHECK (state = ''pending'' OR state = ''approved'' OR state = ''rejected'' OR
                    state = ''done'' OR state = ''transferred'' OR state = ''closed'')')
WHERE type = 'table' AND name = 'ticket_assignees';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN (''queued'', ''running'', ''succeeded'', ''failed'',
                                                        ''timed_out'', ''cancelled'', ''interrupted''))',
    'CHECK (status = ''queued'' OR status = ''running'' OR status = ''succeeded'' OR
                                                        status = ''failed'' OR status = ''timed_out'' OR
                                                        status = ''cancelled'' OR status = ''interrupted'')')
WHERE type = 'table' AND name = 'executions';

UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (status IN (''pending'', ''sending'', ''sent'', ''failed'', ''skipped''))',
    'CHECK (status = ''pending'' OR status = ''sending'' OR status = ''sent'' OR
                           status = ''failed'' OR status = ''skipped'')')
WHERE type = 'table' AND name = 'notifications';

PRAGMA writable_schema = OFF;

-- All six rewritten, or the migration fails here.
CREATE TEMP TABLE migration_007 (rewritten INTEGER NOT NULL CHECK (rewritten = 6));
INSERT INTO migration_007
SELECT count(*) FROM sqlite_schema
WHERE type = 'table'
  AND ((name = 'config_revisions' AND instr(sql, 'action = ''rollback'')') > 0)
    OR (name = 'tickets' AND instr(sql, 'status = ''terminated'')') > 0)
    OR (name = 'ticket_nodes' AND instr(sql, 'state = ''terminated'')') > 0)
    OR (name = 'ticket_assignees' AND instr(sql, 'state = ''closed'')') > 0)
    OR (name = 'executions' AND instr(sql, 'status = ''interrupted'')') > 0)
    OR (name = 'notifications' AND instr(sql, 'status = ''skipped'')') > 0));
DROP TABLE migration_007;
