-- `prioritizer analyst grant` no longer moves an existing analyst role to another organization.
--
-- Granting again to a role that already reads organization A, naming organization B, used to
-- repoint the role at B and keep its password: whoever held A's analyst login (and any of its open
-- sessions, since `analyst_org()` is looked up per statement) silently read B's rows instead. An
-- analyst role now reads the organization it was created for, for good; granting it again for
-- that organization still changes its password. To hand the name to another organization, drop
-- the role (`DROP ROLE`, after `DELETE FROM prioritizer.analyst_roles WHERE role_name = …`) first.
CREATE OR REPLACE FUNCTION prioritizer.grant_analyst(role_name text, organization uuid, password text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, prioritizer
AS $$
DECLARE
    current_org uuid;
BEGIN
    IF role_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid role name %', role_name
            USING ERRCODE = 'invalid_name',
                  HINT = 'use lower-case letters, digits and underscores, starting with a letter or underscore';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        SELECT a.org_id INTO current_org FROM prioritizer.analyst_roles a WHERE a.role_name = grant_analyst.role_name;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'role % exists and is not a Prioritizer analyst role', role_name
                USING ERRCODE = 'duplicate_object';
        END IF;
        IF current_org <> organization THEN
            RAISE EXCEPTION 'role % is the analyst role of another organization', role_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'an analyst role reads one organization for good: choose another name';
        END IF;
        IF password IS NOT NULL THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', role_name, password);
        END IF;
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
