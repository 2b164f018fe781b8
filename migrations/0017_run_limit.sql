-- PRIORITIZE … LIMIT n is stored with its run.
--
-- The cap on how many resources a run may choose was kept only in the server's memory: METRICS
-- showed it until the session was reloaded (another node, a restart, an eviction), and analysts
-- could not tell a run cut by its LIMIT from one cut by its budget. NULL: the run had no LIMIT.
--
-- The check is added NOT VALID: checking it on every existing row (all NULL) would scan the table
-- while holding its exclusive lock, and every commit recording a run would wait for the scan.
-- New rows are checked all the same.
ALTER TABLE prioritizer.prioritization_runs ADD COLUMN resource_limit bigint;
ALTER TABLE prioritizer.prioritization_runs
    ADD CONSTRAINT prioritization_runs_resource_limit_check CHECK (resource_limit >= 0) NOT VALID;
