import Foundation
import PQ

/// Revocations made anywhere, heard as they commit: migrations/0012 notifies channel
/// `prioritizer_agent_revoked` whenever an agent row is revoked or deleted, and migrations/0018
/// counts them, since anyone may send that notice.
extension PostgresResourceService {
    static let revocationChannel = "prioritizer_agent_revoked"
    /// How long one wait for a notification lasts: how soon a cancelled watch returns.
    static let revocationWait: Duration = .milliseconds(250)

    public func watchRevocations(_ onRevoked: @escaping @Sendable () -> Void) async {
        var connection: PQConnection?
        // The revocations counted when this node last told `onRevoked` (migrations/0018).
        var seenEpoch: Int64?
        while !Task.isCancelled {
            do {
                if connection == nil {
                    let opened = try await PQConnection.connect(pool.conninfo, connectTimeoutSeconds: 2)
                    try await opened.executeScript("LISTEN \(Self.revocationChannel)")
                    connection = opened
                    // Whatever was revoked while nobody listened went unheard.
                    seenEpoch = try await Self.revocationEpoch(on: opened)
                    onRevoked()
                }
                // Anyone may send a notice: only a moved count is a revocation.
                if try await !connection!.notifications(waitingUpTo: Self.revocationWait).isEmpty {
                    let epoch = try await Self.revocationEpoch(on: connection!)
                    if epoch != seenEpoch {
                        seenEpoch = epoch
                        onRevoked()
                    }
                }
            } catch {
                await connection?.close()
                connection = nil
                onRevoked()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await connection?.close()
    }

    private static func revocationEpoch(on connection: PQConnection) async throws -> Int64 {
        try await connection.query("SELECT epoch FROM prioritizer.revocation_epoch")[0].decode(0)
    }
}
