-- A revocation notice is acted on only when a revocation happened.
--
-- Any login may NOTIFY any channel, analysts included: each notice on
-- `prioritizer_agent_revoked` made every node forget every login it had checked, so that every
-- connection's next request checked its token in the database again, as often as the notices
-- came (up to four rounds a second per node). The revocation trigger now also counts revocations
-- in a row no one else may write; a node that hears a notice reads the count, and forgets its
-- logins only when the count moved.
CREATE TABLE prioritizer.revocation_epoch (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    epoch    bigint NOT NULL DEFAULT 0
);
INSERT INTO prioritizer.revocation_epoch DEFAULT VALUES;

-- SECURITY DEFINER: whoever may revoke an agent (the server's roles, an administrator in SQL)
-- counts the revocation, without a privilege on the table of their own. No one else may execute
-- it (below): a login that could would attach it to a trigger of its own temporary table, raise
-- the count at will, and, holding the count's row locked in an open transaction, make every
-- revocation wait. The triggers on `agents` still run it: PostgreSQL checks EXECUTE when a
-- trigger is created, not when it fires.
CREATE OR REPLACE FUNCTION prioritizer.notify_agent_revoked() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, prioritizer
AS $$
BEGIN
    UPDATE prioritizer.revocation_epoch SET epoch = epoch + 1;
    PERFORM pg_notify('prioritizer_agent_revoked', '');
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION prioritizer.notify_agent_revoked() FROM PUBLIC;
