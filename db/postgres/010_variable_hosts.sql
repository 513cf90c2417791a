-- A variable can name the hosts a run addresses: the confirmation before executing in a
-- protected environment lists its chosen values as the hosts.
ALTER TABLE variables ADD COLUMN hosts BIGINT NOT NULL DEFAULT 0 CHECK (hosts = 0 OR hosts = 1);

-- Before this flag the previews took the variables whose name contains "host" for host lists;
-- existing variables keep that meaning until an administrator changes it.
UPDATE variables SET hosts = 1 WHERE lower(name) LIKE '%host%';
