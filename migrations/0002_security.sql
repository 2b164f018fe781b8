-- Tenancy: service roles, row-level security on every tenant table, analyst access.
--
-- The server connects as the owner (or a superuser) and runs every tenant transaction under
-- SET LOCAL ROLE prioritizer_app with the transaction setting prioritizer.org_id; policies then
-- show that organization's rows only. Superusers and owners would bypass plain RLS: SET ROLE to a
-- role without BYPASSRLS and FORCE ROW LEVEL SECURITY make the policies bind regardless.

-- Roles are cluster-wide: several databases of one cluster may migrate at once, so creation
-- tolerates a concurrent twin.
DO $roles$
DECLARE
    wanted text;
BEGIN
    FOREACH wanted IN ARRAY ARRAY['prioritizer_app', 'prioritizer_system', 'prioritizer_analyst'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', wanted);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
    -- The connecting user must be able to SET ROLE to the two service roles.
    FOREACH wanted IN ARRAY ARRAY['prioritizer_app', 'prioritizer_system'] LOOP
        IF NOT pg_has_role(current_user, wanted, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', wanted, current_user);
        END IF;
    END LOOP;
END
$roles$;

-- The organization of the current transaction; NULL when none is set (then no tenant row is visible).
CREATE FUNCTION prioritizer.current_org() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('prioritizer.org_id', true), '')::uuid $$;

-- The organization an analyst LOGIN role may read; NULL for everyone else. SECURITY DEFINER so
-- analysts need no access to the mapping table, keyed on session_user so SET ROLE cannot change it.
CREATE FUNCTION prioritizer.analyst_org() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, prioritizer
AS $$ SELECT org_id FROM prioritizer.analyst_roles WHERE role_name = session_user $$;

GRANT USAGE ON SCHEMA prioritizer TO prioritizer_app, prioritizer_system, prioritizer_analyst;

GRANT SELECT, INSERT, UPDATE, DELETE ON
    prioritizer.organizations, prioritizer.agents, prioritizer.sessions, prioritizer.resources,
    prioritizer.session_resources, prioritizer.access_logs, prioritizer.prioritization_runs
    TO prioritizer_app;
GRANT SELECT, INSERT, UPDATE ON prioritizer.organizations, prioritizer.agents TO prioritizer_system;

-- Analysts read everything of their organization except token hashes, and write nothing.
GRANT SELECT ON
    prioritizer.organizations, prioritizer.sessions, prioritizer.resources,
    prioritizer.session_resources, prioritizer.access_logs, prioritizer.prioritization_runs
    TO prioritizer_analyst;
GRANT SELECT (org_id, agent_id, name, role, created_at, revoked_at) ON prioritizer.agents TO prioritizer_analyst;

DO $rls$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY[
        'organizations', 'agents', 'sessions', 'resources',
        'session_resources', 'access_logs', 'prioritization_runs'
    ] LOOP
        EXECUTE format('ALTER TABLE prioritizer.%I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE prioritizer.%I FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON prioritizer.%I TO prioritizer_app '
            'USING (org_id = prioritizer.current_org()) WITH CHECK (org_id = prioritizer.current_org())',
            tenant_table);
        EXECUTE format(
            'CREATE POLICY analyst_read ON prioritizer.%I FOR SELECT TO prioritizer_analyst '
            'USING (org_id = (SELECT prioritizer.analyst_org()))',
            tenant_table);
    END LOOP;
END
$rls$;

-- Cross-organization lookups (token verification, organizations by name) see these two tables whole.
CREATE POLICY system_access ON prioritizer.organizations TO prioritizer_system USING (true) WITH CHECK (true);
CREATE POLICY system_access ON prioritizer.agents TO prioritizer_system USING (true) WITH CHECK (true);

-- `prioritizer analyst grant`: a LOGIN role that reads one organization's rows, read-only.
-- Identifiers and the password are quoted by format(), so callers pass them as parameters.
CREATE FUNCTION prioritizer.grant_analyst(role_name text, organization uuid, password text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, prioritizer
AS $$
BEGIN
    IF role_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid role name %', role_name
            USING ERRCODE = 'invalid_name',
                  HINT = 'use lower-case letters, digits and underscores, starting with a letter or underscore';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        IF NOT EXISTS (SELECT 1 FROM prioritizer.analyst_roles a WHERE a.role_name = grant_analyst.role_name) THEN
            RAISE EXCEPTION 'role % exists and is not a Prioritizer analyst role', role_name
                USING ERRCODE = 'duplicate_object';
        END IF;
        IF password IS NOT NULL THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', role_name, password);
        END IF;
        UPDATE prioritizer.analyst_roles a SET org_id = organization WHERE a.role_name = grant_analyst.role_name;
    ELSE
        IF password IS NULL THEN
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', role_name);
        ELSE
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L',
                           role_name, password);
        END IF;
        INSERT INTO prioritizer.analyst_roles (role_name, org_id) VALUES (role_name, organization);
    END IF;
    EXECUTE format('GRANT prioritizer_analyst TO %I', role_name);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role_name);
    -- Belt and braces: no write privilege is granted to analysts either.
    EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', role_name);
END
$$;
REVOKE ALL ON FUNCTION prioritizer.grant_analyst(text, uuid, text) FROM PUBLIC;
