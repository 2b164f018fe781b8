-- The revocation notice (migrations/0012) no longer carries the agent's id.
--
-- Any database login may LISTEN on any channel, analysts included: the notice's payload told
-- every listener the id of each agent revoked in any organization, which row-level security hides
-- from them otherwise. The servers never read it (a notice makes them check every login again),
-- so it is now empty.
CREATE OR REPLACE FUNCTION prioritizer.notify_agent_revoked() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('prioritizer_agent_revoked', '');
    RETURN NULL;
END
$$;
