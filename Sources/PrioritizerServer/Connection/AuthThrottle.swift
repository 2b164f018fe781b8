import Foundation

/// Slows a burst of failed logins: each failed AUTH (or HELLO … AUTH) from a peer address beyond
/// the first `freeFailures` within `forgetAfter` waits before its -WRONGPASS, the wait doubling
/// from `baseDelay` up to `maxDelay`. AUTH is a barrier on its connection, so one connection's
/// pipelined guesses are answered one wait after another; the count is per peer address, so new
/// connections from the same address do not start afresh. Successful logins are never delayed.
///
/// Defaults: 5 free failures, then 100 ms, 200 ms, 400 ms, … capped at 2 s; forgotten after
/// 60 s without a failure. Memory is bounded: at most `maxPeers` addresses are remembered.
final class AuthThrottle: @unchecked Sendable {
    struct Policy: Sendable, Hashable {
        var freeFailures = 5
        var baseDelay: Duration = .milliseconds(100)
        var maxDelay: Duration = .seconds(2)
        var forgetAfter: Duration = .seconds(60)
        var maxPeers = 10_000

        /// The wait before answering the `failures`-th failure in a row.
        func delay(afterFailures failures: Int) -> Duration {
            guard failures > freeFailures else { return .zero }
            let doublings = min(failures - freeFailures - 1, 30)
            return min(baseDelay * (1 << doublings), maxDelay)
        }
    }

    private struct Record {
        var failures: Int
        var last: ContinuousClock.Instant
    }

    let policy: Policy
    private let lock = NSLock()
    private var peers: [String: Record] = [:]

    init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Addresses remembered now (at most `policy.maxPeers`).
    var rememberedPeers: Int {
        lock.lock()
        defer { lock.unlock() }
        return peers.count
    }

    /// Counts a failed login from `peer` and returns how long to wait before answering it.
    func recordFailure(peer: String?) -> Duration {
        let key = peer ?? "unknown"
        let now = ContinuousClock.now
        lock.lock()
        defer { lock.unlock() }
        var record = peers[key] ?? Record(failures: 0, last: now)
        if now - record.last > policy.forgetAfter { record.failures = 0 }
        record.failures += 1
        record.last = now
        if peers[key] == nil && peers.count >= policy.maxPeers { forgetStale(now: now) }
        peers[key] = record
        return policy.delay(afterFailures: record.failures)
    }

    /// Drops addresses quiet for `forgetAfter`; if all are recent (a flood from many addresses),
    /// drops them all rather than grow.
    private func forgetStale(now: ContinuousClock.Instant) {
        peers = peers.filter { now - $0.value.last <= policy.forgetAfter }
        if peers.count >= policy.maxPeers { peers.removeAll() }
    }
}
