import Foundation

/// The outcome of one write in a group commit, awaited by the request that made it.
///
/// A request applies its change in memory and takes a ticket in arrival order, without waiting;
/// the reply waits on `value()`, which returns once the batch holding the write has committed
/// (or throws when it could not).
public final class CommitTicket<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var waiters: [CheckedContinuation<Value, any Error>] = []

    public init() {}

    /// A ticket that is already settled (reads, dry runs).
    public static func settled(_ value: Value) -> CommitTicket<Value> {
        let ticket = CommitTicket<Value>()
        ticket.resolve(.success(value))
        return ticket
    }

    public func resolve(_ outcome: Result<Value, any Error>) {
        lock.lock()
        guard result == nil else {
            lock.unlock()
            return
        }
        result = outcome
        let pending = waiters
        waiters.removeAll()
        lock.unlock()
        for waiter in pending { waiter.resume(with: outcome) }
    }

    public func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(with: result)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}
