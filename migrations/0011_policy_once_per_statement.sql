-- Row-level security's organization, read once per statement instead of once per row (issue 6).
--
-- The tenant policies compared each row's org_id with `prioritizer.current_org()`, a STABLE
-- function that PostgreSQL inlines and then evaluates for every row it checks: a lookup of the
-- `prioritizer.org_id` setting by name and a text-to-uuid cast, once per log row inserted and
-- two or three times per session-resource row upserted (the existing row, the new one). Written
-- as a scalar subquery, as the analyst policies already were, it becomes an InitPlan: computed
-- once per statement and compared as a parameter, which index scans use just the same.
--
-- Measured with 50 clients sending TRACKs to one session over 1,000 paths, a fresh database per
-- run. The same binary with the policies rewritten by hand, alternated seven times, unpipelined:
-- PostgreSQL's CPU per 30,000 TRACKs 122-171 centiseconds (mean 150) before, 109-155 (mean 128)
-- after. Later, binaries before and after this session's changes, alternated four times each:
-- pipelined 32 deep, 345-397 (mean 361) before and 325-365 (mean 340) per 200,000 TRACKs after,
-- lower in every pair; unpipelined, no difference beyond the noise.
--
-- Which rows a role sees does not change: the same comparison, with the same NULL (no rows)
-- when no organization is set.
DO $policies$
DECLARE
    tenant_table text;
BEGIN
    FOR tenant_table IN
        SELECT tablename FROM pg_policies
        WHERE schemaname = 'prioritizer' AND policyname = 'tenant_isolation'
        ORDER BY tablename
    LOOP
        EXECUTE format(
            'ALTER POLICY tenant_isolation ON prioritizer.%I '
            'USING (org_id = (SELECT prioritizer.current_org())) '
            'WITH CHECK (org_id = (SELECT prioritizer.current_org()))',
            tenant_table);
    END LOOP;
END
$policies$;
