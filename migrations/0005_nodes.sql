-- Several server nodes on one database (issue 8, docs/scaling.md).
--
-- sessions.version counts the writes committed into a session: every group commit adds the
-- number of its events and runs for that session, SESSION.CLOSE adds one. A node remembers the
-- version its in-memory copy of a session reflects; when the database's is different, another
-- node wrote, and the copy is reloaded before it answers a read. The UPDATE that raises it is
-- the first statement of a group commit, so its row lock also orders concurrent commits into one
-- session, node against node.
ALTER TABLE prioritizer.sessions ADD COLUMN version bigint NOT NULL DEFAULT 0 CHECK (version >= 0);

-- The nodes serving this database, each heartbeating about four times a second. A node that finds
-- no other live node answers reads from memory without asking the database (the single-node fast
-- path) for one lease of a second after each heartbeat; a node that joins while others are live
-- waits out that lease before it serves, so no node keeps believing it is alone once another writes.
-- Not tenant data: no organization's rows, no row-level security.
CREATE TABLE prioritizer.nodes (
    node_id       uuid PRIMARY KEY,
    address       text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE, DELETE ON prioritizer.nodes TO prioritizer_system;
