import Foundation
import PQ
import Prioritization

/// Writes one organization's part of a group commit: a handful of multi-row statements whatever
/// the batch size (arrays bound as parameters and expanded with `unnest`).
enum BatchWriter {
    static func write(_ group: BatchPlan.OrgGroup, model: ImportanceModel = .standard, on connection: isolated PQConnection) throws {
        if !group.events.isEmpty {
            try writeEvents(group.events, orgID: group.orgID, model: model, on: connection)
        }
        for run in group.runs {
            try writeRun(run, orgID: group.orgID, on: connection)
        }
    }

    private static func writeEvents(
        _ events: [TrackedAccess], orgID: UUID, model: ImportanceModel, on connection: isolated PQConnection
    ) throws {
        let halfLives = try sessionHalfLives(Set(events.map { $0.sessionID }), orgID: orgID, on: connection)
        let resourceIDs = try upsertResources(events, orgID: orgID, on: connection)
        try insertLogs(events, orgID: orgID, resourceIDs: resourceIDs, on: connection)
        try upsertSessionResources(
            events, orgID: orgID, resourceIDs: resourceIDs, halfLives: halfLives, model: model, on: connection)
    }

    /// Half-lives in milliseconds by session; also proves every session exists in this organization.
    private static func sessionHalfLives(
        _ sessions: Set<UUID>, orgID: UUID, on connection: isolated PQConnection
    ) throws -> [UUID: Double] {
        var result: [UUID: Double] = [:]
        for row in try connection.query(prepared: """
            SELECT session_id, half_life_s FROM prioritizer.sessions
            WHERE org_id = \(orgID) AND session_id = ANY(\(Array(sessions)))
            """) {
            result[try row.decode(0)] = try row.decode(1, as: Double.self) * 1000
        }
        if let missing = sessions.first(where: { result[$0] == nil }) {
            throw StoreError.notFound("no such session \(missing.uuidString.lowercased())")
        }
        return result
    }

    /// Upserts each distinct path once (sorted, so concurrent batches lock rows in the same order).
    private static func upsertResources(
        _ events: [TrackedAccess], orgID: UUID, on connection: isolated PQConnection
    ) throws -> [String: UUID] {
        var byPath: [String: ResourceUpsert] = [:]
        for event in events {
            if byPath[event.path] == nil { byPath[event.path] = ResourceUpsert(event) } else { byPath[event.path]!.absorb(event) }
        }
        let upserts = byPath.values.sorted { $0.path < $1.path }
        // Rows whose facts did not change are not rewritten (no new tuple, no WAL); their ids come
        // from the snapshot the statement started with.
        var ids: [String: UUID] = [:]
        for row in try connection.query(prepared: """
            WITH input AS (
                SELECT * FROM unnest(\(upserts.map { $0.path }), \(upserts.map { $0.type.rawValue }),
                                     \(upserts.map { $0.sizeBytes }), \(upserts.map { $0.tokenCount }),
                                     \(upserts.map { $0.contentSHA256.map(PQBytes.init) }))
                     AS u(path, type, size_bytes, token_count, content_sha256)
            ), written AS (
                INSERT INTO prioritizer.resources AS r (org_id, path, type, size_bytes, token_count, content_sha256)
                SELECT \(orgID), path, type, size_bytes, token_count, content_sha256 FROM input
                ON CONFLICT (org_id, path) DO UPDATE SET
                    type = excluded.type,
                    size_bytes = coalesce(excluded.size_bytes, r.size_bytes),
                    token_count = coalesce(excluded.token_count, r.token_count),
                    content_sha256 = coalesce(excluded.content_sha256, r.content_sha256),
                    updated_at = now()
                WHERE (r.type, r.size_bytes, r.token_count, r.content_sha256) IS DISTINCT FROM
                      (excluded.type, coalesce(excluded.size_bytes, r.size_bytes),
                       coalesce(excluded.token_count, r.token_count), coalesce(excluded.content_sha256, r.content_sha256))
                RETURNING path, resource_id
            )
            SELECT path, resource_id FROM written
            UNION ALL
            SELECT r.path, r.resource_id FROM prioritizer.resources r JOIN input i ON i.path = r.path
            WHERE r.org_id = \(orgID) AND NOT EXISTS (SELECT 1 FROM written w WHERE w.path = r.path)
            """) {
            ids[try row.decode(0)] = try row.decode(1)
        }
        if ids.count < upserts.count {
            // A concurrent batch inserted some paths after our snapshot began (we waited for it on
            // the conflict): those rows are neither written by us nor in our snapshot. A new
            // statement sees them.
            let missing = upserts.map { $0.path }.filter { ids[$0] == nil }
            for row in try connection.query("""
                SELECT path, resource_id FROM prioritizer.resources WHERE org_id = \(orgID) AND path = ANY(\(missing))
                """) {
                ids[try row.decode(0)] = try row.decode(1)
            }
        }
        return ids
    }

    private static func insertLogs(
        _ events: [TrackedAccess], orgID: UUID, resourceIDs: [String: UUID], on connection: isolated PQConnection
    ) throws {
        try connection.execute(prepared: """
            INSERT INTO prioritizer.access_logs
                (org_id, session_id, resource_id, agent_id, access_type, accessed_at, modified, size_bytes, token_count)
            SELECT \(orgID), e.session_id, e.resource_id, e.agent_id, e.access_type, e.accessed_at, e.modified,
                   e.size_bytes, e.token_count
            FROM unnest(\(events.map { $0.sessionID }), \(events.map { resourceIDs[$0.path]! }), \(events.map { $0.agentID }),
                        \(events.map { $0.access.rawValue }), \(events.map { Date(unixMilliseconds: $0.at) }),
                        \(events.map { $0.modified }), \(events.map { $0.sizeBytes }), \(events.map { $0.tokenCount }))
                 AS e(session_id, resource_id, agent_id, access_type, accessed_at, modified, size_bytes, token_count)
            """)
    }

    /// Folds the batch per (session, resource) first: one statement may not update a row twice.
    private static func upsertSessionResources(
        _ events: [TrackedAccess], orgID: UUID, resourceIDs: [String: UUID], halfLives: [UUID: Double],
        model: ImportanceModel, on connection: isolated PQConnection
    ) throws {
        struct Key: Hashable { let session: UUID; let path: String }
        var deltas: [Key: SessionResourceDelta] = [:]
        for event in events {
            let key = Key(session: event.sessionID, path: event.path)
            deltas[key, default: SessionResourceDelta(sessionID: event.sessionID, path: event.path)]
                .absorb(event, weight: model.weight(for: event.access), halfLifeMilliseconds: halfLives[event.sessionID]!)
        }
        let rows = deltas.values.sorted { $0.sessionID == $1.sessionID ? $0.path < $1.path : $0.sessionID < $1.sessionID }
        try connection.execute(prepared: """
            INSERT INTO prioritizer.session_resources AS sr
                (org_id, session_id, resource_id, score, score_at, access_count, token_count, modified,
                 first_access_at, last_access_at)
            SELECT \(orgID), d.session_id, d.resource_id, d.score, d.score_at, d.access_count, d.token_count,
                   d.modified, d.first_access_at, d.last_access_at
            FROM unnest(\(rows.map { $0.sessionID }), \(rows.map { resourceIDs[$0.path]! }), \(rows.map { $0.score.score }),
                        \(rows.map { Date(unixMilliseconds: $0.score.at) }), \(rows.map { $0.accessCount }),
                        \(rows.map { $0.tokenCount }), \(rows.map { $0.modified }),
                        \(rows.map { Date(unixMilliseconds: $0.firstAccessAt) }),
                        \(rows.map { Date(unixMilliseconds: $0.lastAccessAt) }))
                 AS d(session_id, resource_id, score, score_at, access_count, token_count, modified,
                      first_access_at, last_access_at)
            ON CONFLICT (org_id, session_id, resource_id) DO UPDATE SET
                score = (SELECT prioritizer.merge_score(sr.score, sr.score_at, excluded.score, excluded.score_at,
                                                        s.half_life_s)
                         FROM prioritizer.sessions s WHERE s.org_id = sr.org_id AND s.session_id = sr.session_id),
                score_at = greatest(sr.score_at, excluded.score_at),
                access_count = sr.access_count + excluded.access_count,
                token_count = coalesce(excluded.token_count, sr.token_count),
                modified = sr.modified OR excluded.modified,
                first_access_at = least(sr.first_access_at, excluded.first_access_at),
                last_access_at = greatest(sr.last_access_at, excluded.last_access_at)
            """)
    }

    /// Records the run and marks exactly its chosen resources included in that session.
    private static func writeRun(_ run: PrioritizationRunRecord, orgID: UUID, on connection: isolated PQConnection) throws {
        try connection.execute("""
            INSERT INTO prioritizer.prioritization_runs
                (org_id, run_id, session_id, agent_id, strategy, budget, resource_budget, chosen_count, chosen_tokens,
                 captured_importance, total_importance, candidates, duration_us, chosen_paths, evaluated_at)
            VALUES (\(orgID), \(run.runID), \(run.sessionID), \(run.agentID), \(run.strategy), \(run.budget),
                    \(run.resourceBudget), \(run.chosenPaths.count), \(run.chosenTokens), \(run.capturedImportance),
                    \(run.totalImportance), \(run.candidates), \(run.durationMicros), \(run.chosenPaths),
                    \(Date(unixMilliseconds: run.evaluatedAt)))
            """)
        try connection.execute("""
            UPDATE prioritizer.session_resources sr
            SET included_in_context = (r.path = ANY(\(run.chosenPaths)))
            FROM prioritizer.resources r
            WHERE r.org_id = sr.org_id AND r.resource_id = sr.resource_id
              AND sr.org_id = \(orgID) AND sr.session_id = \(run.sessionID)
              AND sr.included_in_context IS DISTINCT FROM (r.path = ANY(\(run.chosenPaths)))
            """)
    }
}
