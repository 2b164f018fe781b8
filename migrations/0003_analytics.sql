-- Importance in SQL, computed exactly as the server does, and views for analysts.

-- importance = score * 2^(-(at - score_at) / half_life) + (1.0 while modified).
-- Evaluated in log space so that very old scores give 0 instead of a float underflow error.
-- The bonus (1.0) equals ImportanceModel.standard.modifiedBonus in the server; a test keeps them equal.
CREATE FUNCTION prioritizer.importance(
    score double precision,
    score_at timestamptz,
    modified boolean,
    half_life_s double precision,
    at timestamptz DEFAULT now()
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
               WHEN score <= 0 THEN 0::double precision
               ELSE CASE
                        WHEN ln(score) / ln(2::double precision)
                             - greatest(0, date_part('epoch', at - score_at)) / half_life_s < -1000
                            THEN 0::double precision
                        ELSE power(2::double precision,
                                   ln(score) / ln(2::double precision)
                                   - greatest(0, date_part('epoch', at - score_at)) / half_life_s)
                    END
           END
           + CASE WHEN modified THEN 1.0::double precision ELSE 0::double precision END
$$;

-- Live importance of every session resource, with the resource's name and type.
CREATE VIEW prioritizer.live_importance WITH (security_invoker = true) AS
SELECT sr.org_id,
       sr.session_id,
       sr.resource_id,
       r.path,
       r.type,
       sr.access_count,
       sr.token_count,
       sr.modified,
       sr.included_in_context,
       sr.first_access_at,
       sr.last_access_at,
       prioritizer.importance(sr.score, sr.score_at, sr.modified, s.half_life_s) AS importance
FROM prioritizer.session_resources sr
JOIN prioritizer.sessions s ON s.org_id = sr.org_id AND s.session_id = sr.session_id
JOIN prioritizer.resources r ON r.org_id = sr.org_id AND r.resource_id = sr.resource_id;

-- One row per session: sizes, accesses, what the latest prioritization included.
CREATE VIEW prioritizer.session_metrics WITH (security_invoker = true) AS
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
           sum(coalesce(x.token_count, 0))::bigint AS tracked_tokens,
           count(*) FILTER (WHERE x.included_in_context) AS included,
           sum(coalesce(x.token_count, 0)) FILTER (WHERE x.included_in_context)::bigint AS included_tokens
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

-- Daily usage per organization and agent (UTC days).
CREATE VIEW prioritizer.daily_usage WITH (security_invoker = true) AS
SELECT l.org_id,
       o.name AS organization,
       l.agent_id,
       a.name AS agent,
       (l.accessed_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS accesses,
       count(DISTINCT l.session_id) AS sessions,
       count(DISTINCT l.resource_id) AS resources,
       count(*) FILTER (WHERE l.access_type = 'EDIT') AS edits
FROM prioritizer.access_logs l
JOIN prioritizer.organizations o ON o.org_id = l.org_id
JOIN prioritizer.agents a ON a.org_id = l.org_id AND a.agent_id = l.agent_id
GROUP BY l.org_id, o.name, l.agent_id, a.name, (l.accessed_at AT TIME ZONE 'UTC')::date;

GRANT SELECT ON prioritizer.live_importance, prioritizer.session_metrics, prioritizer.daily_usage
    TO prioritizer_app, prioritizer_analyst;

-- 2^(-age / half_life), 0 past 1000 half-lives (instead of a float underflow error).
CREATE FUNCTION prioritizer.decay_factor(age_s double precision, half_life_s double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN age_s / half_life_s > 1000 THEN 0::double precision
                ELSE power(2::double precision, -(age_s / half_life_s)) END
$$;

-- The sum of two decayed scores valued at the later of their times (the server's DecayedScore.merged).
-- Used by group commits to fold a batch's aggregated accesses into the stored score. A single
-- expression, so that PostgreSQL inlines it into the upsert.
CREATE FUNCTION prioritizer.merge_score(
    a double precision, a_at timestamptz,
    b double precision, b_at timestamptz,
    half_life_s double precision
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN a_at >= b_at
                THEN a + b * prioritizer.decay_factor(date_part('epoch', a_at - b_at), half_life_s)
                ELSE b + a * prioritizer.decay_factor(date_part('epoch', b_at - a_at), half_life_s) END
$$;
