import Dispatch
import Foundation

/// SIGINT and SIGTERM, caught from `listen()` on and delivered once as an async value instead of
/// killing the process. A signal that comes before `wait()` is kept: `wait()` then returns at once.
final class ShutdownSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var received: String?
    private var waiter: CheckedContinuation<String, Never>?
    private var sources: [any DispatchSourceSignal] = []

    private init() {}

    static func listen() -> ShutdownSignal {
        let shutdown = ShutdownSignal()
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak shutdown] in shutdown?.deliver(name) }
            source.resume()
            shutdown.sources.append(source)
        }
        return shutdown
    }

    /// Whether a signal has come (for waits that look from time to time, such as a migration's
    /// wait for a lock).
    var hasArrived: Bool {
        lock.lock()
        defer { lock.unlock() }
        return received != nil
    }

    /// The first signal's name, once one has come.
    func wait() async -> String {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let received {
                lock.unlock()
                continuation.resume(returning: received)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }

    private func deliver(_ name: String) {
        lock.lock()
        guard received == nil else { return lock.unlock() }
        received = name
        let pending = waiter
        waiter = nil
        lock.unlock()
        pending?.resume(returning: name)
    }
}
