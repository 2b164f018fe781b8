-- The group commit's last check, made by its last statement (issue 6).
--
-- A group commit ends by raising the version of every session it wrote, locking them
-- (BatchWriter.advanceVersions). A session closed since the batch was planned is not raised,
-- and the batch must then be rolled back and written again without that session's events. The
-- server used to compare the rows returned with the sessions expected and roll back itself, so
-- COMMIT waited for that answer: a round trip of its own. The statement now raises this error
-- instead, and COMMIT is sent in the same flight (pipeline mode): an error leaves it unrun.
CREATE FUNCTION prioritizer.require_all_sessions_open(raised bigint, expected bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    -- (Not named "found": that is PL/pgSQL's own FOUND.)
    IF raised <> expected THEN
        RAISE EXCEPTION 'a session of the batch was closed while it was written (% of % open)', raised, expected
            USING ERRCODE = 'PR001';
    END IF;
    RETURN true;
END
$$;
