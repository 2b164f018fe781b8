import Foundation
import PQ
import Prioritization

/// One organization's relations as stored in `prioritizer.resource_relations`.
public struct StoredRelations: Sendable {
    public struct Relation: Sendable, Hashable {
        public var path: String
        public var relatedPath: String
        public var weight: DecayedScore
    }

    public var relations: [Relation]
    /// Last known token counts (from `resources`) of the paths the relations name.
    public var tokens: [String: Int]
}

extension PostgresResourceService {
    public func relations(orgID: UUID) async throws -> StoredRelations {
        try await tenant(orgID) { connection in
            let relations = try connection.query("""
                SELECT path, related_path, weight, (extract(epoch FROM weight_at) * 1000)::bigint
                FROM prioritizer.resource_relations WHERE org_id = \(orgID)
                """).map { row in
                StoredRelations.Relation(
                    path: try row.decode(0), relatedPath: try row.decode(1),
                    weight: DecayedScore(score: try row.decode(2), at: try row.decode(3)))
            }
            // The named paths, looked up by key: no plan can make this quadratic. A semi-join
            // with resource_relations (10k resources x 156k relations) twice ran past the 30 s
            // statement timeout in profiling; its plan was not captured (with statistics in
            // place it is a 52 ms hash join, so likely one made while the tables were filling).
            let named = Array(Set(relations.map(\.relatedPath)))
            var tokens: [String: Int] = [:]
            tokens.reserveCapacity(named.count)
            for row in try connection.query("""
                SELECT path, token_count FROM prioritizer.resources
                WHERE org_id = \(orgID) AND path = ANY(\(named)) AND token_count IS NOT NULL
                """) {
                tokens[try row.decode(0)] = try row.decode(1)
            }
            return StoredRelations(relations: relations, tokens: tokens)
        }
    }

    public func writeRelations(orgID: UUID, _ changes: CoAccessGraph.Changes, halfLifeSeconds: Double) async throws {
        guard !changes.isEmpty else { return }
        // Sorted, so that two writers of one organization lock rows in the same order.
        let upserted = changes.upserted.sorted { ($0.edge.from, $0.edge.to) < ($1.edge.from, $1.edge.to) }
        let removed = changes.removed
        try await tenant(orgID) { connection in
            if !upserted.isEmpty {
                try connection.execute(prepared: """
                    INSERT INTO prioritizer.resource_relations AS rr
                        (org_id, path, related_path, weight, weight_at, half_life_s)
                    SELECT \(orgID), u.path, u.related_path, u.weight, u.weight_at, \(halfLifeSeconds)
                    FROM unnest(\(upserted.map { $0.edge.from }), \(upserted.map { $0.edge.to }),
                                \(upserted.map { $0.weight.score }),
                                \(upserted.map { Date(unixMilliseconds: $0.weight.at) }))
                         AS u(path, related_path, weight, weight_at)
                    ON CONFLICT (org_id, path, related_path) DO UPDATE SET
                        weight = excluded.weight, weight_at = excluded.weight_at,
                        half_life_s = excluded.half_life_s, updated_at = now()
                    """)
            }
            if !removed.isEmpty {
                try connection.execute(prepared: """
                    DELETE FROM prioritizer.resource_relations rr
                    USING unnest(\(removed.map { $0.from }), \(removed.map { $0.to })) AS d(path, related_path)
                    WHERE rr.org_id = \(orgID) AND rr.path = d.path AND rr.related_path = d.related_path
                    """)
            }
        }
    }
}
