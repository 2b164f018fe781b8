-- Run locks that analysts cannot take.
--
-- A commit that records PRIORITIZE runs waits for any other transaction recording a run of the
-- same session (BatchWriter.serializeRuns). It used a transaction-level advisory lock keyed on the
-- session id; but every login may call pg_advisory_lock, analysts included, and an analyst knows
-- its own sessions' ids: holding that key stalled the group commit that carried the run, and with
-- it every organization's TRACKs batched beside it.
--
-- A row lock on this table replaces it. Taking it (an upsert, which locks the slot's row until the
-- transaction ends) needs INSERT and UPDATE here, which only the service role has; analysts have
-- no privilege on the table at all. A session's slot is a 14-bit hash of its id: the table never
-- holds more than 16,384 rows, and two sessions sharing a slot only wait for each other a little.
-- The table holds no tenant data (slot numbers only), so it needs no row-level security.
CREATE TABLE prioritizer.run_locks (
    slot integer PRIMARY KEY CHECK (slot BETWEEN 0 AND 16383)
);

GRANT SELECT, INSERT, UPDATE ON prioritizer.run_locks TO prioritizer_app;
