-- The group commit's other check, made by its statement (issue 6).
--
-- A group commit writes each event's log row and its session-resource row in one statement
-- (BatchWriter.accessesStatement), trusting resource ids the server cached. A resource row deleted
-- behind the server's back leaves that event's row out of the statement's result, and the batch
-- must then be rolled back and written again from the rows. The server compared the rows
-- returned with the rows expected itself, so the statements after it waited for that answer.
-- The statement now raises this error instead, so the version raise and COMMIT can be sent in
-- the same flight (pipeline mode): an error leaves them unrun. One round trip per group commit.
CREATE FUNCTION prioritizer.require_resource_rows(written bigint, expected bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    IF written <> expected THEN
        RAISE EXCEPTION 'a resource row of the batch is gone (% of % session-resource rows written)', written, expected
            USING ERRCODE = 'PR002';
    END IF;
    RETURN true;
END
$$;
