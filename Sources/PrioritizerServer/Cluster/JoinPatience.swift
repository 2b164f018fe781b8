import Logging
import PrioritizerStore

/// Retries a joining node's heartbeats while the database cannot be reached, until a deadline.
///
/// A node joins right after the migrations ran, so the database was reachable a moment before:
/// a heartbeat that cannot connect now meets a restart, or a machine so loaded that a connect
/// outlasted the pool's two-second timeout. Failing the start on that would make the operator
/// (or the supervisor) restart a node that would have joined a second later. Any other error,
/// and an outage longer than the deadline, still fails the start.
struct JoinPatience {
    let until: ContinuousClock.Instant
    let retryEvery: Duration
    private let logger: Logger
    private var streak = FailureStreak("joining: heartbeat")

    init(until: ContinuousClock.Instant, retryEvery: Duration, logger: Logger) {
        self.until = until
        self.retryEvery = retryEvery
        self.logger = logger
    }

    @discardableResult
    mutating func retrying<T>(_ attempt: () async throws -> T) async throws -> T {
        while true {
            do {
                let value = try await attempt()
                streak.succeeded(logger: logger)
                return value
            } catch let error as StoreError where error.isUnavailable && ContinuousClock.now + retryEvery < until {
                streak.failed(error, logger: logger)
                // The pool's breaker fails borrowers at once until its probe connects again, so
                // the pause, not the attempt, paces the retries.
                try await Task.sleep(for: retryEvery)
            }
        }
    }
}

private extension StoreError {
    var isUnavailable: Bool { if case .unavailable = self { true } else { false } }
}
