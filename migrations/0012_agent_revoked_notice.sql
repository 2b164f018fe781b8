-- Every node hears at once that an agent was revoked (SPEC: AGENT.REVOKE stops the token "at
-- once, on open connections too").
--
-- A node re-checks the logins open on it at most once a second, so a revocation made elsewhere
-- (on another node, with `prioritizer agent revoke`, or by hand in SQL) used to take up to that
-- long to stop a connection that was already authenticated. A trigger now sends a notification
-- when an agent row is revoked or deleted, whoever changed it; every node LISTENs on its own
-- connection and forgets the logins it had checked, so their next request is checked again.
-- PostgreSQL delivers the notification when the revoking transaction commits.
CREATE FUNCTION prioritizer.notify_agent_revoked() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('prioritizer_agent_revoked',
                      CASE TG_OP WHEN 'DELETE' THEN OLD.agent_id ELSE NEW.agent_id END::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_revoked AFTER UPDATE OF revoked_at ON prioritizer.agents
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION prioritizer.notify_agent_revoked();

CREATE TRIGGER agent_deleted AFTER DELETE ON prioritizer.agents
    FOR EACH ROW EXECUTE FUNCTION prioritizer.notify_agent_revoked();
