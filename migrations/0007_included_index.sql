-- The resources a session's latest PRIORITIZE included, indexed by session (issue 6).
--
-- A recorded PRIORITIZE marks exactly its chosen resources included (BatchWriter.writeRun). It
-- used to rewrite the flag on every row of the session, joined to resources to compare each
-- path with the chosen ones: at 10,000 resources a recorded PRIORITIZE took 10 ms (20 before
-- PostgreSQL had statistics on the session's rows) for a packing of about one. With this index
-- it reads only the rows that were included, clears those no longer chosen and sets the newly
-- chosen, found by path. Rows are in the index only while included, so TRACK's inserts never
-- touch it, and its updates, which leave the flag alone, stay HOT.
CREATE INDEX session_resources_included ON prioritizer.session_resources (org_id, session_id)
    WHERE included_in_context;
