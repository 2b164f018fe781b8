-- Co-access relations (issue 9): per organization, which resources agents use together, learned
-- from TRACKs (accesses in one session within a few minutes) and LINK. Derived data: the server
-- keeps the live copy in memory and writes changed relations here in the background about once a
-- second, so they survive restarts and analysts can read them.
--
-- Keyed by path rather than resource_id: a relation may name a path no session tracked yet
-- (LINK), and relations are written apart from the group commits that create resource rows.
-- Join resources on (org_id, path) for ids, types and token counts.
--
-- weight is a decayed sum valued at weight_at; its value at time t is
-- weight * 2^(-(t - weight_at) / half_life_s) (see related_resources below).
CREATE TABLE prioritizer.resource_relations (
    org_id          uuid NOT NULL REFERENCES prioritizer.organizations (org_id),
    path            text NOT NULL,
    related_path    text NOT NULL,
    weight          double precision NOT NULL CHECK (weight >= 0),
    weight_at       timestamptz NOT NULL,
    half_life_s     double precision NOT NULL CHECK (half_life_s > 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, path, related_path),
    CHECK (path <> related_path)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON prioritizer.resource_relations TO prioritizer_app;
GRANT SELECT ON prioritizer.resource_relations TO prioritizer_analyst;

ALTER TABLE prioritizer.resource_relations ENABLE ROW LEVEL SECURITY;
ALTER TABLE prioritizer.resource_relations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON prioritizer.resource_relations TO prioritizer_app
    USING (org_id = prioritizer.current_org()) WITH CHECK (org_id = prioritizer.current_org());
CREATE POLICY analyst_read ON prioritizer.resource_relations FOR SELECT TO prioritizer_analyst
    USING (org_id = (SELECT prioritizer.analyst_org()));

-- Each relation with its weight now and the related resource's facts when it is known.
CREATE VIEW prioritizer.related_resources WITH (security_invoker = true) AS
SELECT rr.org_id,
       rr.path,
       rr.related_path,
       CASE
           -- Past ~1,000 half-lives the power underflows (an error in PostgreSQL): the weight is 0.
           WHEN greatest(0, date_part('epoch', now() - rr.weight_at)) / rr.half_life_s > 1000 THEN 0::double precision
           ELSE rr.weight * power(2::double precision,
                                  -greatest(0, date_part('epoch', now() - rr.weight_at)) / rr.half_life_s)
       END AS weight_now,
       rr.weight,
       rr.weight_at,
       r.type AS related_type,
       r.token_count AS related_tokens
FROM prioritizer.resource_relations rr
LEFT JOIN prioritizer.resources r ON r.org_id = rr.org_id AND r.path = rr.related_path;

GRANT SELECT ON prioritizer.related_resources TO prioritizer_app, prioritizer_analyst;
