-- Two fixes to what analysts read.
--
-- 1. session_metrics' token sums saturate at the bigint maximum instead of failing the whole
--    query with "bigint out of range": a token count may be up to 2^53 (the protocol's bound), so
--    a session of 1,024 such resources sums past bigint. The server's METRICS saturates the same
--    way.
-- 2. A run's created_at is the time its row was written (clock_timestamp()), no longer its
--    transaction's start: runs of one session queued behind each other commit in one transaction,
--    and with equal timestamps "the latest run" (a reload's last run, last_strategy below) went
--    to whichever had the smaller random run id.
ALTER TABLE prioritizer.prioritization_runs ALTER COLUMN created_at SET DEFAULT clock_timestamp();

CREATE OR REPLACE VIEW prioritizer.session_metrics WITH (security_invoker = true) AS
SELECT s.org_id,
       s.session_id,
       s.label,
       a.name AS agent,
       s.budget,
       s.encoding,
       s.created_at,
       s.closed_at,
       coalesce(sr.resources, 0) AS resources,
       coalesce(sr.accesses, 0) AS accesses,
       coalesce(sr.tracked_tokens, 0) AS tracked_tokens,
       coalesce(sr.included, 0) AS included_resources,
       coalesce(sr.included_tokens, 0) AS included_tokens,
       coalesce(runs.runs, 0) AS runs,
       runs.last_strategy,
       runs.last_run_at
FROM prioritizer.sessions s
JOIN prioritizer.agents a ON a.org_id = s.org_id AND a.agent_id = s.agent_id
LEFT JOIN LATERAL (
    SELECT count(*) AS resources,
           sum(x.access_count)::bigint AS accesses,
           least(sum(coalesce(x.token_count, 0)), 9223372036854775807)::bigint AS tracked_tokens,
           count(*) FILTER (WHERE x.included_in_context) AS included,
           least(sum(coalesce(x.token_count, 0)) FILTER (WHERE x.included_in_context), 9223372036854775807)::bigint
               AS included_tokens
    FROM prioritizer.session_resources x
    WHERE x.org_id = s.org_id AND x.session_id = s.session_id
) sr ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS runs,
           (array_agg(p.strategy ORDER BY p.created_at DESC))[1] AS last_strategy,
           max(p.created_at) AS last_run_at
    FROM prioritizer.prioritization_runs p
    WHERE p.org_id = s.org_id AND p.session_id = s.session_id
) runs ON true;
