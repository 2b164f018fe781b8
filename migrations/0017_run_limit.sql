-- PRIORITIZE … LIMIT n is stored with its run.
--
-- The cap on how many resources a run may choose was kept only in the server's memory: METRICS
-- showed it until the session was reloaded (another node, a restart, an eviction), and analysts
-- could not tell a run cut by its LIMIT from one cut by its budget. NULL: the run had no LIMIT.
ALTER TABLE prioritizer.prioritization_runs
    ADD COLUMN resource_limit bigint CHECK (resource_limit >= 0);
