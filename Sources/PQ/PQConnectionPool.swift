/// A bounded set of connections to one database, opened on demand and replaced when broken.
///
/// `withConnection` lends a connection for the duration of its closure. When all are lent,
/// callers wait in FIFO order. A connection that reports itself broken is closed instead of being
/// returned, and one that sat idle is checked before it is lent, so the next borrower opens a fresh one.
/// Once a lent connection comes back broken, every idle one is checked before it is lent too: a
/// database restart ends them all at once, and each would otherwise fail one borrower.
///
/// A circuit breaker keeps an outage from costing every request a connect attempt: once opening a
/// connection fails, the database is known to be unreachable, every borrower (and every waiter)
/// fails at once with `connectFailed`, and one background probe tries to connect every
/// `probeInterval`. The first probe that connects closes the breaker, so the pool serves again
/// within about one interval of the database's return, without a restart.
public actor PQConnectionPool {
    public nonisolated let conninfo: String
    public nonisolated let capacity: Int
    private let connectTimeoutSeconds: Int
    private let probeInterval: Duration
    /// Connections ready to lend, in the order they were returned.
    private var idle: [IdleConnection] = []
    private struct IdleConnection {
        let connection: PQConnection
        let since: ContinuousClock.Instant
        /// Another connection came back broken since this one was returned: check it first.
        var suspect = false
    }
    /// Idle longer than this, a connection is checked before it is lent (an extra hop to its
    /// thread): under load connections come back within milliseconds and are lent unchecked.
    private let checkAfterIdle: Duration
    private var opened = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false
    /// Why the database is known to be unreachable; nil while it is believed reachable.
    private var outage: String?
    private var probe: Task<Void, Never>?

    /// - Parameters:
    ///   - connectTimeoutSeconds: libpq's `connect_timeout` (it treats anything below 2 as 2): the
    ///     longest a borrower waits for a database that hangs instead of refusing.
    ///   - probeInterval: how often a known-unreachable database is tried again in the background.
    ///   - checkAfterIdle: how long a connection may sit idle and still be lent unchecked.
    public init(
        conninfo: String, capacity: Int = 4, connectTimeoutSeconds: Int = 2, probeInterval: Duration = .milliseconds(200),
        checkAfterIdle: Duration = .milliseconds(250)
    ) {
        precondition(capacity > 0, "a pool needs at least one connection")
        self.conninfo = conninfo
        self.capacity = capacity
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.probeInterval = probeInterval
        self.checkAfterIdle = checkAfterIdle
    }

    /// Whether the last attempt to reach the database failed and no probe has succeeded since.
    public var isKnownUnreachable: Bool { outage != nil }

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
        probe?.cancel()
        probe = nil
        await closeIdle()
        wakeAll()
    }

    private func acquire() async throws -> PQConnection {
        while true {
            if closed { throw PQError.misuse("the connection pool is closed") }
            if let outage { throw PQError.connectFailed(message: "the database is unreachable (\(outage)); retrying in the background") }
            if let entry = idle.popLast() {
                let connection = entry.connection
                if !entry.suspect && ContinuousClock.now - entry.since < checkAfterIdle { return connection }
                if await connection.isAlive { return connection }
                await connection.close()
                opened -= 1
                suspectIdleConnections()
                continue
            }
            if opened < capacity {
                opened += 1
                do {
                    return try await PQConnection.connect(conninfo, connectTimeoutSeconds: connectTimeoutSeconds)
                } catch {
                    opened -= 1
                    await open(breakerFor: error)
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func release(_ connection: PQConnection) async {
        let healthy = await connection.isHealthy
        if closed || !healthy || outage != nil {
            await connection.close()
            opened -= 1
            if !healthy { suspectIdleConnections() }
        } else {
            idle.append(IdleConnection(connection: connection, since: ContinuousClock.now))
        }
        wakeOne()
    }

    /// One connection was found broken: whatever ended it (a restart) likely ended the idle ones
    /// too, so each is checked before it is lent, however briefly it sat idle.
    private func suspectIdleConnections() {
        for index in idle.indices { idle[index].suspect = true }
    }

    // MARK: - Circuit breaker

    /// A failed connect means the database is unreachable: fail everyone fast and start probing.
    private func open(breakerFor error: PQError) async {
        guard !closed, outage == nil else { return }
        outage = error.description
        // Idle connections were opened before the outage; the server that held them is gone.
        await closeIdle()
        wakeAll()
        probe = Task { [probeInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: probeInterval)
                if await self.probeOnce() { return }
            }
        }
    }

    /// One attempt to reach the database; true (and the breaker closed) when it worked.
    private func probeOnce() async -> Bool {
        guard !closed else { return true }
        guard let connection = try? await PQConnection.connect(conninfo, connectTimeoutSeconds: connectTimeoutSeconds) else {
            return false
        }
        outage = nil
        probe = nil
        if !closed && opened < capacity {
            opened += 1
            idle.append(IdleConnection(connection: connection, since: ContinuousClock.now))
        } else {
            await connection.close()
        }
        wakeAll()
        return true
    }

    private func closeIdle() async {
        let connections = idle.map(\.connection)
        idle.removeAll()
        opened -= connections.count
        for connection in connections { await connection.close() }
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    private func wakeAll() {
        let pending = waiters
        waiters.removeAll()
        pending.forEach { $0.resume() }
    }
}
