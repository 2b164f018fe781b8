-- Analyst logins get bounds of their own.
--
-- An analyst role had no connection limit and no timeouts: one could hold every connection the
-- database allows (the servers' pools and health checks then got none), run a query for hours,
-- or leave a transaction open for good, which holds its read locks and makes a migration's DDL
-- wait (the migrator gives way, but cannot finish until it ends). Each analyst role now has at
-- most 8 connections, and its statements and idle transactions end after 10 minutes. The analyst
-- may lower the timeouts, or raise them for a session with SET; the connection limit is the
-- role's own.
CREATE FUNCTION prioritizer.limit_analyst_role(role_name text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, prioritizer
AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT 8', role_name);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', role_name, '10min');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', role_name, '10min');
END
$$;
REVOKE ALL ON FUNCTION prioritizer.limit_analyst_role(text) FROM PUBLIC;

-- Every role `grant_analyst` records, as it records it.
CREATE FUNCTION prioritizer.limit_recorded_analyst_role() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, prioritizer
AS $$
BEGIN
    PERFORM prioritizer.limit_analyst_role(NEW.role_name);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION prioritizer.limit_recorded_analyst_role() FROM PUBLIC;
CREATE TRIGGER analyst_role_limits AFTER INSERT ON prioritizer.analyst_roles
    FOR EACH ROW EXECUTE FUNCTION prioritizer.limit_recorded_analyst_role();

-- And the roles recorded before.
DO $existing$
DECLARE
    recorded text;
BEGIN
    FOR recorded IN SELECT a.role_name FROM prioritizer.analyst_roles a JOIN pg_roles r ON r.rolname = a.role_name LOOP
        PERFORM prioritizer.limit_analyst_role(recorded);
    END LOOP;
END
$existing$;
