import Foundation

/// Counters the server keeps for INFO, shared by every connection.
public final class ServerStatistics: @unchecked Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var connectedClients = 0
        public var totalConnectionsReceived = 0
        public var rejectedConnections = 0
        public var totalCommandsProcessed = 0
        public var protocolErrors = 0
    }

    // NSLock, not an actor: counters change on event-loop threads that must not suspend.
    private let lock = NSLock()
    private var counters = Snapshot()
    private var nextConnectionID: Int64 = 0
    public let startedAt = Date()

    public init() {}

    public var snapshot: Snapshot { lock.withLock { counters } }

    func makeConnectionID() -> Int64 {
        lock.withLock {
            nextConnectionID += 1
            return nextConnectionID
        }
    }

    /// Admits a connection unless `maxClients` are already connected.
    func admitConnection(maxClients: Int) -> Bool {
        lock.withLock {
            counters.totalConnectionsReceived += 1
            guard counters.connectedClients < maxClients else {
                counters.rejectedConnections += 1
                return false
            }
            counters.connectedClients += 1
            return true
        }
    }

    func connectionClosed() { lock.withLock { counters.connectedClients -= 1 } }
    func commandProcessed() { lock.withLock { counters.totalCommandsProcessed += 1 } }
    func protocolError() { lock.withLock { counters.protocolErrors += 1 } }
}
