-- The resources a session's latest PRIORITIZE included, indexed by session (issue 6).
--
-- A recorded PRIORITIZE marks exactly its chosen resources included (BatchWriter.writeRun). It
-- used to rewrite the flag on every row of the session, joined to resources to compare paths:
-- at 10,000 resources that statement scanned the session's rows and compared each path with
-- the chosen ones, 20-30 ms of a PRIORITIZE that packs in about one. With this index it reads
-- only the rows that were included, clears those no longer chosen and sets the newly chosen,
-- found by path. Rows are in the index only while included, so TRACK's inserts never touch
-- it, and its updates, which leave the flag alone, stay HOT.
CREATE INDEX session_resources_included ON prioritizer.session_resources (org_id, session_id)
    WHERE included_in_context;
