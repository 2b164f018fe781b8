import Foundation

/// `GET /health`: healthy when the server is serving and the database answers within a bound.
public struct HealthCheck: Sendable {
    public enum Status: Sendable, Hashable {
        case healthy
        case unhealthy(reason: String)
    }

    /// Asks the database something trivial; throws when it cannot.
    public typealias DatabaseProbe = @Sendable () async throws -> Void

    /// A load balancer's probe usually times out after a few seconds: answer before it does.
    public static let defaultTimeout: Duration = .seconds(3)

    let isServing: @Sendable () -> Bool
    let probe: DatabaseProbe
    let timeout: Duration

    public init(isServing: @escaping @Sendable () -> Bool, database probe: @escaping DatabaseProbe,
                timeout: Duration = HealthCheck.defaultTimeout) {
        self.isServing = isServing
        self.probe = probe
        self.timeout = timeout
    }

    public func check() async -> Status {
        guard isServing() else { return .unhealthy(reason: "not serving: the RESP listener is closed") }
        switch await Self.first(probe, within: timeout) {
        case .success: return .healthy
        case .failure(let error as ProbeTimeout): return .unhealthy(reason: "database: \(error)")
        case .failure(let error): return .unhealthy(reason: "database: \(Self.oneLine(error))")
        }
    }

    private struct ProbeTimeout: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no answer within \(timeout)" }
    }

    /// The probe's outcome, or a timeout. Not a task group: a group waits for every child, and a
    /// probe stuck in a connect cannot be interrupted; it finishes by itself (libpq's own
    /// connect timeout) while the answer has already gone out.
    private static func first(_ probe: @escaping DatabaseProbe, within timeout: Duration) async -> Result<Void, any Error> {
        await withCheckedContinuation { continuation in
            let once = Once(continuation)
            let timer = Task {
                try await Task.sleep(for: timeout)
                once.resume(.failure(ProbeTimeout(timeout: timeout)))
            }
            Task {
                do {
                    try await probe()
                    once.resume(.success(()))
                } catch {
                    once.resume(.failure(error))
                }
                timer.cancel()
            }
        }
    }

    private static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Result<Void, any Error>, Never>?
        init(_ continuation: CheckedContinuation<Result<Void, any Error>, Never>) { self.continuation = continuation }
        func resume(_ value: Result<Void, any Error>) {
            let pending = lock.withLock {
                defer { continuation = nil }
                return continuation
            }
            pending?.resume(returning: value)
        }
    }
}
