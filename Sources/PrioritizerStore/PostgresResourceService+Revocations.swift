import Foundation
import PQ

/// Revocations made anywhere, heard as they commit: migrations/0012 notifies channel
/// `prioritizer_agent_revoked` whenever an agent row is revoked or deleted.
extension PostgresResourceService {
    static let revocationChannel = "prioritizer_agent_revoked"
    /// How long one wait for a notification lasts: how soon a cancelled watch returns.
    static let revocationWait: Duration = .milliseconds(250)

    public func watchRevocations(_ onRevoked: @escaping @Sendable () -> Void) async {
        var connection: PQConnection?
        while !Task.isCancelled {
            do {
                if connection == nil {
                    let opened = try await PQConnection.connect(pool.conninfo, connectTimeoutSeconds: 2)
                    try await opened.executeScript("LISTEN \(Self.revocationChannel)")
                    connection = opened
                    // Whatever was revoked while nobody listened went unheard.
                    onRevoked()
                }
                if try await !connection!.notifications(waitingUpTo: Self.revocationWait).isEmpty { onRevoked() }
            } catch {
                await connection?.close()
                connection = nil
                onRevoked()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await connection?.close()
    }
}
