import PQ

/// Ends `victim`'s backend from `killer` and returns once it has exited (PostgreSQL waits up to
/// 5 s for it), so the victim's next call finds its connection gone, with no sleep to guess at.
func terminateBackend(of victim: PQConnection, from killer: PQConnection) async throws {
    let pid = await victim.backendPID
    try await killer.query("SELECT pg_terminate_backend(\(pid)::int, \(5_000)::bigint)")
}
