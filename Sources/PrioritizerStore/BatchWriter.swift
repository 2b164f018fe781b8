import Foundation
import PQ
import Prioritization

/// A session of the batch was closed by another transaction while the batch was being written.
struct SessionClosedDuringCommit: Error {}

/// A resource row the batch relied on (from the facts cache) is gone: someone deleted it behind
/// the server's back. The batch is written again with the cache emptied, which inserts it anew.
struct ResourceRowMissing: Error {}

/// Writes one organization's part of a group commit: a handful of multi-row statements whatever
/// the batch size (arrays bound as parameters and expanded with `unnest`).
enum BatchWriter {
    /// What writing one organization's group produced.
    struct GroupResult {
        /// Resource facts the group learned, for `cache` once the transaction committed.
        var learned: [String: ResourceFactsCache.Entry] = [:]
        /// Per event of the group, in order: its access count, or nil (session closed).
        var accessCounts: [Int64?] = []
        var versions: [UUID: SessionVersionStep] = [:]
    }

    /// `cache`: resource facts this process cached, to stand in for reading the rows; nil when they
    /// may not (other nodes write the database too; see `ClusterMembership`).
    static func write(
        _ group: BatchPlan.OrgGroup, model: ImportanceModel = .standard, cache: ResourceFactsCache?,
        knownHalfLives: [UUID: Double] = [:], commits: Bool = false, on connection: isolated PQConnection
    ) throws -> GroupResult {
        var result = GroupResult()
        let sessions = try readSessions(group, orgID: group.orgID, known: knownHalfLives, on: connection)
        result.accessCounts = Array(repeating: nil, count: group.events.count)
        let closedIDs = Set(sessions.filter(\.value.isClosed).keys)
        let open = closedIDs.isEmpty
            ? Array(group.events.indices) : group.events.indices.filter { !closedIDs.contains(group.events[$0].sessionID) }
        // The resource of each open event, in `open`'s order: looked up by path once per event.
        var resources: [UUID] = []
        var accesses: PQQuery?
        var folded = FoldedAccesses()
        var counts: [Int64?] = []
        if !open.isEmpty {
            let events = open.map { group.events[$0] }
            resources = try upsertResources(
                events, orgID: group.orgID, cache: cache, learned: &result.learned, on: connection)
            folded = FoldedAccesses(
                events, resources: resources, halfLives: sessions.mapValues(\.halfLifeSeconds), model: model)
            let statement = accessesStatement(events, orgID: group.orgID, resources: resources, folded: folded)
            // Nothing after it needs its result, unless runs follow (their flags apply to its
            // rows): it then goes in one flight with the version raise and COMMIT.
            if commits && group.runs.isEmpty {
                accesses = statement
            } else {
                counts = try folded.accessCounts(in: try runChecked([statement], commits: false, on: connection)[0])
            }
        }
        for run in group.runs {
            try writeRun(run, orgID: group.orgID, on: connection)
        }
        let versions = versionsStatement(group, open: open, closed: closedIDs)
        let last = [accesses, versions].compactMap { $0 }
        if !last.isEmpty {
            let rows = try runChecked(last, commits: commits, on: connection)
            if accesses != nil { counts = try folded.accessCounts(in: rows[0]) }
            if versions != nil { result.versions = try versionSteps(in: rows[rows.count - 1]) }
        }
        // A row's count after the batch, less the batch's later events on it, is what each event
        // brought it to: the order this transaction applied them in.
        var later = [Int64](repeating: 0, count: folded.rows.count)
        for (position, index) in open.enumerated().reversed() {
            let row = folded.eventRows[position]
            result.accessCounts[index] = counts[row]! - later[row]
            later[row] += 1
        }
        return result
    }

    /// A session of the group as the transaction found it.
    private struct SessionFacts {
        let halfLifeSeconds: Double
        let isClosed: Bool
    }

    /// Half-lives and closed flags of the group's sessions; also proves every one exists in this
    /// organization. A plain read: the sessions are locked only at the end (`versionsStatement`).
    /// Sessions in `known` are not read: taken as open with that half-life, which
    /// `versionsStatement` confirms (it fails the batch for a session that is closed or missing).
    private static func readSessions(
        _ group: BatchPlan.OrgGroup, orgID: UUID, known: [UUID: Double], on connection: isolated PQConnection
    ) throws -> [UUID: SessionFacts] {
        var result: [UUID: SessionFacts] = [:]
        var ids: [UUID] = []
        var distinct = Set(group.runs.map(\.sessionID))
        group.events.forEachRun(by: { $0.sessionID }) { id, _ in distinct.insert(id) }
        for id in distinct {
            if let halfLife = known[id] {
                result[id] = SessionFacts(halfLifeSeconds: halfLife, isClosed: false)
            } else {
                ids.append(id)
            }
        }
        guard !ids.isEmpty else { return result }
        for row in try connection.query(prepared: """
            SELECT session_id, half_life_s, closed_at IS NOT NULL FROM prioritizer.sessions
            WHERE org_id = \(orgID) AND session_id = ANY(\(ids))
            """) {
            result[try row.decode(0)] = SessionFacts(halfLifeSeconds: try row.decode(1), isClosed: try row.decode(2))
        }
        if let missing = ids.first(where: { result[$0] == nil }) {
            throw StoreError.notFound("no such session \(missing.uuidString.lowercased())")
        }
        return result
    }

    /// The statement raising each written session's version by the writes the group brought it,
    /// the last before COMMIT (nil: no open session was written). The row lock it takes (in
    /// session-id order, so that concurrent commits cannot deadlock on sessions) is held only
    /// while committing, so concurrent batches of one session overlap their work and queue only
    /// for that. Versions therefore grow in commit order. A session closed since `readSessions`
    /// (by another transaction) is not updated; the statement then raises (migrations/0008), the
    /// batch throws `SessionClosedDuringCommit` and is rolled back whole, to be written again (its
    /// events for that session then refused). Because the statement checks this itself, COMMIT
    /// may go in the same flight (`runChecked`).
    private static func versionsStatement(
        _ group: BatchPlan.OrgGroup, open: [Int], closed: Set<UUID>
    ) -> PQQuery? {
        var writes: [UUID: Int64] = [:]
        open.forEachRun(by: { group.events[$0].sessionID }) { id, run in writes[id, default: 0] += Int64(run.count) }
        for run in group.runs { writes[run.sessionID, default: 0] += 1 }
        let ids = writes.keys.filter { !closed.contains($0) }.sorted()
        guard !ids.isEmpty else { return nil }
        // NO KEY UPDATE: the version is not a key, so other transactions' foreign-key checks on
        // the session row (which take KEY SHARE) do not wait for this one. `checked` is one row
        // whatever `raised` holds, so the check runs even when no session was raised.
        return """
            WITH locked AS MATERIALIZED (
                SELECT session_id FROM prioritizer.sessions
                WHERE org_id = \(group.orgID) AND session_id = ANY(\(ids)) AND closed_at IS NULL
                ORDER BY session_id FOR NO KEY UPDATE),
            raised AS (
                UPDATE prioritizer.sessions s SET version = s.version + w.writes
                FROM locked JOIN unnest(\(ids), \(ids.map { writes[$0]! })) AS w(session_id, writes) USING (session_id)
                WHERE s.org_id = \(group.orgID) AND s.session_id = locked.session_id
                RETURNING s.session_id, s.version, w.writes),
            checked AS (SELECT prioritizer.require_all_sessions_open(count(*), \(ids.count)) AS ok FROM raised)
            SELECT r.session_id, r.version, r.writes FROM checked LEFT JOIN raised r ON checked.ok
            """
    }

    /// Each raised session's version before and after, from `versionsStatement`'s rows.
    private static func versionSteps(in rows: PQRows) throws -> [UUID: SessionVersionStep] {
        var result: [UUID: SessionVersionStep] = [:]
        for row in rows {
            let after: Int64 = try row.decode(1)
            result[try row.decode(0)] = SessionVersionStep(before: after - (try row.decode(2, as: Int64.self)), after: after)
        }
        return result
    }

    /// What `prioritizer.require_all_sessions_open` raises (migrations/0008).
    static let sessionClosedState = "PR001"
    /// What `prioritizer.require_resource_rows` raises (migrations/0009).
    static let resourceRowMissingState = "PR002"

    /// `statements` (prepared), then COMMIT in the same flight when `commits`: one round trip
    /// for all of them, since none needs another's result. The statements' own checks come back
    /// as `SessionClosedDuringCommit` and `ResourceRowMissing`; either leaves COMMIT unrun.
    private static func runChecked(_ statements: [PQQuery], commits: Bool, on connection: isolated PQConnection) throws -> [PQRows] {
        do {
            if commits { return try connection.queriesThenCommit(prepared: statements) }
            var rows: [PQRows] = []
            for statement in statements { rows.append(try connection.query(prepared: statement)) }
            return rows
        } catch {
            if error.sqlState == sessionClosedState { throw SessionClosedDuringCommit() }
            if error.sqlState == resourceRowMissingState { throw ResourceRowMissing() }
            throw error
        }
    }

    /// The resource id of each event, inserting new paths and updating changed facts.
    ///
    /// Rows whose facts did not change are only read — from `cache` when this process already
    /// knows them: an upsert would lock them until commit and make concurrent batches of one
    /// organization (several runners) queue behind each other. What the batch learns goes into
    /// `learned`, for the cache once the transaction has committed.
    ///
    /// Each distinct path gets a slot, and everything after works on slots: a path is hashed once
    /// per event here and once per distinct path in the cache, where keying every step by path
    /// hashed it half a dozen times (a tenth of the commit code's CPU samples, pipelined over 1k
    /// paths).
    private static func upsertResources(
        _ events: [TrackedAccess], orgID: UUID, cache: ResourceFactsCache?,
        learned: inout [String: ResourceFactsCache.Entry], on connection: isolated PQConnection
    ) throws -> [UUID] {
        // Sized up front, as the other per-batch tables below: growing them rehashed every
        // path each time: 13–14% of the commit code's CPU samples with 100,000 random paths.
        var slotOf: [String: Int] = [:]
        slotOf.reserveCapacity(events.count)
        var wanted: [ResourceUpsert] = []
        var eventSlots: [Int] = []
        eventSlots.reserveCapacity(events.count)
        for event in events {
            if let slot = slotOf[event.path] {
                wanted[slot].absorb(event)
                eventSlots.append(slot)
            } else {
                slotOf[event.path] = wanted.count
                eventSlots.append(wanted.count)
                wanted.append(ResourceUpsert(event))
            }
        }
        var ids = [UUID?](repeating: nil, count: wanted.count)
        learned.reserveCapacity(learned.count + wanted.count)
        var changed: [Int] = []
        if let cache {
            for (slot, entry) in cache.entries(org: orgID, paths: wanted.lazy.map(\.path)).enumerated() {
                guard let entry else { continue }
                ids[slot] = entry.resourceID
                if entry.facts.differs(from: wanted[slot]) { changed.append(slot) }
            }
        }
        let unknown = ids.indices.filter { ids[$0] == nil }.sorted { wanted[$0].path < wanted[$1].path }
        if !unknown.isEmpty {
            // One unique-index probe per path, whatever the planner believes: on a fresh database
            // (no statistics until autovacuum's first ANALYZE) `path = ANY($2)` was planned as a
            // scan of the organization's whole index range, 20–110 ms per commit (migrations/0006).
            for row in try connection.query(prepared: """
                SELECT u.path, r.resource_id, r.type, r.size_bytes, r.token_count, r.content_sha256
                FROM unnest(\(unknown.map { wanted[$0].path })) AS u(path)
                CROSS JOIN LATERAL (SELECT resource_id, type, size_bytes, token_count, content_sha256
                                    FROM prioritizer.resources
                                    WHERE org_id = \(orgID) AND path = u.path OFFSET 0) AS r
                """) {
                let path: String = try row.decode(0)
                let id: UUID = try row.decode(1)
                guard let slot = slotOf[path] else { continue }
                ids[slot] = id
                let stored = try StoredResourceFacts(row, from: 2)
                if stored.differs(from: wanted[slot]) {
                    changed.append(slot)
                } else {
                    learned[path] = .init(resourceID: id, facts: stored, wasOnlyRead: true)
                }
            }
        }

        // A row the INSERT or UPDATE below wrote (`path, resource_id` and the stored facts): its id
        // fills its path's slot, and its facts are the cache's once the transaction commits.
        func written(_ row: PQRow) throws {
            let path: String = try row.decode(0)
            guard let slot = slotOf[path] else { return }
            let id: UUID = try row.decode(1)
            ids[slot] = id
            learned[path] = .init(resourceID: id, facts: try StoredResourceFacts(row, from: 2))
        }

        let fresh = unknown.filter { ids[$0] == nil }
        if !fresh.isEmpty {
            let rows = fresh.map { wanted[$0] }
            for row in try connection.query(prepared: """
                INSERT INTO prioritizer.resources (org_id, path, type, size_bytes, token_count, content_sha256)
                SELECT \(orgID), u.path, u.type, u.size_bytes, u.token_count, u.content_sha256
                FROM unnest(\(rows.map { $0.path }), \(rows.map { $0.type.rawValue }), \(rows.map { $0.sizeBytes }),
                            \(rows.map { $0.tokenCount }), \(rows.map { $0.contentSHA256.map(PQBytes.init) }))
                     AS u(path, type, size_bytes, token_count, content_sha256)
                ON CONFLICT (org_id, path) DO NOTHING
                RETURNING path, resource_id, type, size_bytes, token_count, content_sha256
                """) {
                try written(row)
            }
            // Paths another batch inserted after our snapshot: their rows exist now; update them.
            changed += fresh.filter { ids[$0] == nil }
        }

        if !changed.isEmpty {
            let rows = changed.map { wanted[$0] }.sorted { $0.path < $1.path }
            for row in try connection.query("""
                UPDATE prioritizer.resources r SET
                    type = u.type,
                    size_bytes = coalesce(u.size_bytes, r.size_bytes),
                    token_count = coalesce(u.token_count, r.token_count),
                    content_sha256 = coalesce(u.content_sha256, r.content_sha256),
                    updated_at = now()
                FROM unnest(\(rows.map { $0.path }), \(rows.map { $0.type.rawValue }),
                            \(rows.map { $0.sizeBytes }), \(rows.map { $0.tokenCount }),
                            \(rows.map { $0.contentSHA256.map(PQBytes.init) }))
                     AS u(path, type, size_bytes, token_count, content_sha256)
                WHERE r.org_id = \(orgID) AND r.path = u.path
                RETURNING r.path, r.resource_id, r.type, r.size_bytes, r.token_count, r.content_sha256
                """) {
                try written(row)
            }
        }
        return try eventSlots.map { slot in
            guard let id = ids[slot] else { throw ResourceRowMissing() }
            return id
        }
    }

    /// One statement for the events' two writes: a log row per event, and the session-resource
    /// rows as `folded`. Its rows (`FoldedAccesses.accessCounts(in:)`) are each session-resource
    /// row's access count after the batch. `resources`: each event's resource id.
    ///
    /// An updated row's score merges with the session's half-life as the batch's scores used it,
    /// looked up in two bound arrays (the batch's few sessions and their half-lives). A subquery
    /// reading it from the session row for each updated row cost a fifth to a quarter of the
    /// upsert: pgbench on this machine, 2 clients, 24-row upserts of existing rows, alternated:
    /// 324–389 µs a transaction with the subquery (six runs), 251–269 µs with the arrays (three).
    ///
    /// The arrays are expanded by `unnest` calls in a select list, which PostgreSQL runs in
    /// lockstep row by row, rather than by one `unnest(a, b, …)` in FROM, which first copies
    /// every row into a tuplestore. The statement's execution per TRACK (pg_stat_statements, 50
    /// clients, one session, 1k paths, two alternations each): pipelined 17.8 / 17.8 µs in FROM,
    /// 15.5 / 16.1 in the select list; unpipelined 15.4 / 15.2 against 13.9 / 14.4.
    private static func accessesStatement(
        _ events: [TrackedAccess], orgID: UUID, resources: [UUID], folded: FoldedAccesses
    ) -> PQQuery {
        let rows = folded.rows
        let sessionIDs = folded.halfLives.keys.sorted()
        return """
            WITH logged AS (
                INSERT INTO prioritizer.access_logs
                    (org_id, session_id, resource_id, agent_id, access_type, accessed_at, modified, size_bytes, token_count)
                SELECT \(orgID), e.session_id, e.resource_id, e.agent_id, e.access_type, e.accessed_at, e.modified,
                       e.size_bytes, e.token_count
                FROM (SELECT unnest(\(events.map { $0.sessionID })) AS session_id,
                             unnest(\(resources)) AS resource_id,
                             unnest(\(events.map { $0.agentID })) AS agent_id,
                             unnest(\(events.map { $0.access.rawValue })) AS access_type,
                             unnest(\(events.map { Date(unixMilliseconds: $0.at) })) AS accessed_at,
                             unnest(\(events.map { $0.modified })) AS modified,
                             unnest(\(events.map { $0.sizeBytes })) AS size_bytes,
                             unnest(\(events.map { $0.tokenCount })) AS token_count) AS e),
            written AS (
            INSERT INTO prioritizer.session_resources AS sr
                (org_id, session_id, resource_id, score, score_at, access_count, view_count, edit_count,
                 execute_count, reference_count, token_count, modified, first_access_at, last_access_at)
            SELECT \(orgID), d.session_id, d.resource_id, d.score, d.score_at,
                   d.view_count + d.edit_count + d.execute_count + d.reference_count,
                   d.view_count, d.edit_count, d.execute_count, d.reference_count, d.token_count,
                   d.modified, d.first_access_at, d.last_access_at
            FROM (SELECT unnest(\(rows.map { $0.sessionID })) AS session_id,
                         unnest(\(rows.map(\.resourceID))) AS resource_id,
                         unnest(\(rows.map { $0.score.score })) AS score,
                         unnest(\(rows.map { Date(unixMilliseconds: $0.score.at) })) AS score_at,
                         unnest(\(rows.map { $0.counts.view })) AS view_count,
                         unnest(\(rows.map { $0.counts.edit })) AS edit_count,
                         unnest(\(rows.map { $0.counts.execute })) AS execute_count,
                         unnest(\(rows.map { $0.counts.reference })) AS reference_count,
                         unnest(\(rows.map { $0.tokenCount })) AS token_count,
                         unnest(\(rows.map { $0.modified })) AS modified,
                         unnest(\(rows.map { Date(unixMilliseconds: $0.firstAccessAt) })) AS first_access_at,
                         unnest(\(rows.map { Date(unixMilliseconds: $0.lastAccessAt) })) AS last_access_at) AS d
            ON CONFLICT (org_id, session_id, resource_id) DO UPDATE SET
                score = prioritizer.merge_score(sr.score, sr.score_at, excluded.score, excluded.score_at,
                                                (\(sessionIDs.map { folded.halfLives[$0]! }))[array_position(\(sessionIDs), sr.session_id)]),
                score_at = greatest(sr.score_at, excluded.score_at),
                access_count = sr.access_count + excluded.access_count,
                view_count = sr.view_count + excluded.view_count,
                edit_count = sr.edit_count + excluded.edit_count,
                execute_count = sr.execute_count + excluded.execute_count,
                reference_count = sr.reference_count + excluded.reference_count,
                token_count = coalesce(excluded.token_count, sr.token_count),
                modified = sr.modified OR excluded.modified,
                first_access_at = least(sr.first_access_at, excluded.first_access_at),
                last_access_at = greatest(sr.last_access_at, excluded.last_access_at)
            RETURNING sr.session_id, sr.resource_id, sr.access_count, sr.xmax = 0 AS inserted),
            -- Each new session-resource row's resource exists (no foreign key checks it,
            -- migrations/0006): the cache may hold an id whose row was deleted behind the server's
            -- back. A row found missing is not counted, `checked` raises (migrations/0009), and the
            -- batch is rolled back and written again from the rows, which inserts the resource anew.
            -- Rows updated, not inserted (xmax 0 marks an inserted row version), are not probed:
            -- their resource was there when they were first written, and the server never deletes
            -- resources (one deleted alone behind its back leaves rows that go on being updated;
            -- docs/sql.md). Probing every row was a twelfth of PostgreSQL's CPU with 100,000
            -- paths. (OFFSET 0 keeps each probe one primary-key lookup.)
            checked AS (SELECT prioritizer.require_resource_rows(count(*), \(rows.count)) AS ok
                        FROM written w
                        WHERE NOT w.inserted
                           OR EXISTS (SELECT 1 FROM prioritizer.resources r
                                      WHERE r.org_id = \(orgID) AND r.resource_id = w.resource_id OFFSET 0))
            SELECT w.session_id, w.resource_id, w.access_count FROM checked LEFT JOIN written w ON checked.ok
            """
    }

    /// Makes the transaction wait for any other transaction holding a run of these sessions (one
    /// per node may), by locking each session's row of `run_locks` (migrations/0016): the upsert
    /// inserts a slot's row or locks the one there, until the transaction ends. `writeRun` reads
    /// the flags a run left through its statement's snapshot: two runs of one session written at
    /// once each missed the rows the other had just flagged, and left a mix of both choices
    /// included. Not an advisory lock: any login may take those, and an analyst holding its own
    /// session's key stalled the group commit, other organizations' writes included.
    ///
    /// The commit takes every group's slots at once, first thing, in slot order (see
    /// `PostgresResourceService.commit`): slots are shared across sessions and organizations, so
    /// taking each group's as the group starts deadlocked two commits whose groups met the same
    /// two slots in opposite order, or met a slot after locking a session row the other needed.
    /// Taken before anything else and in order, they form no cycle with each other, nor with the
    /// row locks every commit takes later (sessions last, in id order).
    static func serializeRuns(of sessions: [UUID], on connection: isolated PQConnection) throws {
        let slots = Set(sessions.map(runLockSlot)).sorted()
        try connection.execute(prepared: """
            INSERT INTO prioritizer.run_locks (slot) SELECT s FROM unnest(\(slots)) AS s ORDER BY s
            ON CONFLICT (slot) DO UPDATE SET slot = EXCLUDED.slot
            """)
    }

    /// A session's slot in `run_locks`: 14 bits of its id (sessions sharing a slot only wait a
    /// little longer for each other).
    static func runLockSlot(_ session: UUID) -> Int32 {
        withUnsafeBytes(of: session.uuid) { Int32($0.loadUnaligned(as: UInt16.self) & 0x3FFF) }
    }

    /// Records the run and marks exactly its chosen resources included in that session.
    private static func writeRun(_ run: PrioritizationRunRecord, orgID: UUID, on connection: isolated PQConnection) throws {
        try connection.execute("""
            INSERT INTO prioritizer.prioritization_runs
                (org_id, run_id, session_id, agent_id, strategy, budget, resource_budget, chosen_count, chosen_tokens,
                 captured_importance, total_importance, candidates, duration_us, chosen_paths, evaluated_at,
                 resource_limit)
            VALUES (\(orgID), \(run.runID), \(run.sessionID), \(run.agentID), \(run.strategy), \(run.budget),
                    \(run.resourceBudget), \(run.chosenPaths.count), \(run.chosenTokens), \(run.capturedImportance),
                    \(run.totalImportance), \(run.candidates), \(run.durationMicros), \(run.chosenPaths),
                    \(Date(unixMilliseconds: run.evaluatedAt)), \(run.limit.map(Int64.init)))
            """)
        // Only the rows whose flag changes: those included before (migrations/0007's partial
        // index) and no longer chosen are cleared; the chosen (one probe per path) not yet
        // included are set. The two sets are disjoint, so no row is written twice.
        //
        // The setting is an INSERT ... ON CONFLICT DO UPDATE of rows known to exist (read by a
        // probe each), so it reaches each row through its primary key whatever the planner
        // believes. As an UPDATE joined to the chosen ids it was planned as a hash join over all
        // of the session's rows whenever PostgreSQL thought the session small (no statistics
        // yet, or most sessions small): 5.8 ms at 10k resources against 0.3 ms probing.
        try connection.execute(prepared: """
            WITH chosen AS MATERIALIZED (
                SELECT r.resource_id
                FROM unnest(\(run.chosenPaths)) AS u(path)
                CROSS JOIN LATERAL (SELECT resource_id FROM prioritizer.resources
                                    WHERE org_id = \(orgID) AND path = u.path OFFSET 0) AS r),
            cleared AS (
                UPDATE prioritizer.session_resources sr SET included_in_context = false
                WHERE sr.org_id = \(orgID) AND sr.session_id = \(run.sessionID) AND sr.included_in_context
                  AND sr.resource_id NOT IN (SELECT resource_id FROM chosen)
                RETURNING 1)
            INSERT INTO prioritizer.session_resources AS sr
                (org_id, session_id, resource_id, score, score_at, access_count, view_count, edit_count,
                 execute_count, reference_count, token_count, modified, included_in_context, first_access_at,
                 last_access_at)
            SELECT s.org_id, s.session_id, s.resource_id, s.score, s.score_at, s.access_count, s.view_count,
                   s.edit_count, s.execute_count, s.reference_count, s.token_count, s.modified, true,
                   s.first_access_at, s.last_access_at
            FROM chosen
            CROSS JOIN LATERAL (SELECT * FROM prioritizer.session_resources x
                                WHERE x.org_id = \(orgID) AND x.session_id = \(run.sessionID)
                                  AND x.resource_id = chosen.resource_id AND NOT x.included_in_context
                                OFFSET 0) AS s
            ON CONFLICT (org_id, session_id, resource_id) DO UPDATE SET included_in_context = true
            """)
    }
}
