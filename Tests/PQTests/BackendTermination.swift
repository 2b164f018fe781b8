import PQ

/// Ends backend `pid` from `killer` and returns once it has exited (PostgreSQL waits up to 5 s
/// for it), so its connection's next call finds it gone, with no sleep to guess at.
func terminateBackend(pid: Int32, from killer: PQConnection) async throws {
    try await killer.query("SELECT pg_terminate_backend(\(Int(pid))::int, \(5_000)::bigint)")
}

/// `terminateBackend(pid:from:)` of `victim`'s backend.
func terminateBackend(of victim: PQConnection, from killer: PQConnection) async throws {
    try await terminateBackend(pid: await victim.backendPID, from: killer)
}

/// The numbers in the tests' one-column table `t`, in order.
func storedNumbers(on connection: PQConnection) async throws -> [Int] {
    try await connection.query("SELECT n FROM t ORDER BY n").map { try $0.decode(0, as: Int.self) }
}

/// How many statements are prepared on `connection`'s backend.
func preparedStatementCount(on connection: PQConnection) async throws -> Int {
    try await connection.query("SELECT count(*) FROM pg_prepared_statements")[0].decode(0, as: Int.self)
}
