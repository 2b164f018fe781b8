/// A bounded set of connections to one database, opened on demand and replaced when broken.
///
/// `withConnection` lends a connection for the duration of its closure. When all are lent,
/// callers wait in FIFO order. A connection that reports itself broken is closed instead of being
/// returned, so the next borrower opens a fresh one: the pool recovers by itself once the
/// database is back.
public actor PQConnectionPool {
    public nonisolated let conninfo: String
    public nonisolated let capacity: Int
    private let connectTimeoutSeconds: Int
    private var idle: [PQConnection] = []
    private var opened = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    public init(conninfo: String, capacity: Int = 4, connectTimeoutSeconds: Int = 5) {
        precondition(capacity > 0, "a pool needs at least one connection")
        self.conninfo = conninfo
        self.capacity = capacity
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    public func withConnection<T: Sendable>(
        _ body: @Sendable (PQConnection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Closes idle connections now and lent ones as they come back.
    public func close() async {
        closed = true
        let connections = idle
        idle.removeAll()
        for connection in connections { await connection.close() }
        opened -= connections.count
        let pending = waiters
        waiters.removeAll()
        pending.forEach { $0.resume() }
    }

    private func acquire() async throws -> PQConnection {
        while true {
            if closed { throw PQError.misuse("the connection pool is closed") }
            if let connection = idle.popLast() { return connection }
            if opened < capacity {
                opened += 1
                do {
                    return try await PQConnection.connect(conninfo, connectTimeoutSeconds: connectTimeoutSeconds)
                } catch {
                    opened -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func release(_ connection: PQConnection) async {
        let healthy = await connection.isHealthy
        if closed || !healthy {
            await connection.close()
            opened -= 1
        } else {
            idle.append(connection)
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
