import Foundation
import PQ

extension PostgresResourceService {
    public func heartbeat(_ node: NodeRegistration, liveness: Duration, othersSince: Date? = nil) async throws -> NodeHeartbeat {
        let livenessMilliseconds = Double(liveness / .milliseconds(1))
        return try await system { connection in
            // xmax = 0 on the returned row: it was inserted rather than updated.
            let registered: Bool = try connection.query(prepared: """
                INSERT INTO prioritizer.nodes (node_id, address, pid) VALUES (\(node.nodeID), \(node.address), \(node.pid))
                ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now()
                RETURNING xmax = 0
                """)[0].decode(0)
            try connection.execute(prepared: """
                DELETE FROM prioritizer.nodes WHERE heartbeat_at < now() - interval '1 minute'
                """)
            let row = try connection.query(prepared: """
                SELECT count(*), count(*) FILTER (WHERE heartbeat_at <= \(othersSince)), now()
                FROM prioritizer.nodes
                WHERE node_id <> \(node.nodeID)
                  AND heartbeat_at > now() - make_interval(secs => \(livenessMilliseconds / 1000))
                """)[0]
            return NodeHeartbeat(
                registered: registered, otherLiveNodes: try row.decode(0), othersBehind: try row.decode(1),
                databaseNow: try row.decode(2))
        }
    }

    public func removeNode(_ nodeID: UUID) async throws {
        _ = try await system { connection in
            try connection.execute("DELETE FROM prioritizer.nodes WHERE node_id = \(nodeID)")
        }
    }
}
