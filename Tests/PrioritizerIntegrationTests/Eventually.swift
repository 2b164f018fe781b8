/// Polls `condition` every 20 ms for up to `timeout`; whether it became true. For what a test
/// waits on that nothing notifies: a node's lease, a line in a server's log, rows a commit wrote.
func eventually(_ timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
