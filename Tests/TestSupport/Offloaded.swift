import Foundation

/// Runs blocking work (sockets, child processes) on a thread of its own, never on the
/// cooperative pool the server's actors and tasks need: with two cores that pool has two
/// threads, and two tests blocked in a socket read on it leave no thread to answer them.
public func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
