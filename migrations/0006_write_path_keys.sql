-- Foreign keys off the group commit's write path (issue 6).
--
-- PostgreSQL checks a foreign key row by row: an index lookup and a KEY SHARE lock on the
-- referenced row for every inserted row. On resources -> organizations, every new resource of an
-- organization locks that one organization row, so concurrent commits (several runners, several
-- nodes) share it through a MultiXact, which each later check must look up; session_resources
-- checked its session and its resource the same way for every new row. Measured on a fresh
-- database with 100,000 distinct paths (2 cores, fsync on, --no-relations): 11,016 TRACK/s with
-- these keys, 16,490 without; the statements' time fell by a third.
--
-- What the keys guaranteed still holds, by construction, as for access_logs (0001): the group
-- commit is the only writer of these rows. It inserts a resource row under an organization taken
-- from an authenticated identity, and a session-resource row only in the transaction that read or
-- upserted that resource and locked that session (BatchWriter.advanceVersions, which fails the
-- batch when the session is missing); organizations, sessions and resources are never deleted.
-- Tests check that every session_resources row joins its session and its resource, and every
-- resource its organization.
ALTER TABLE prioritizer.resources DROP CONSTRAINT resources_org_id_fkey;
ALTER TABLE prioritizer.session_resources DROP CONSTRAINT session_resources_org_id_session_id_fkey;
ALTER TABLE prioritizer.session_resources DROP CONSTRAINT session_resources_org_id_resource_id_fkey;
