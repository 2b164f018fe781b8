import Foundation
import PrioritizerClient

/// Pipelined TRACK load from several raw connections, each on a thread of its own, until stopped
/// or until the server goes away. Every event has a distinct AT, so an acknowledged TRACK can be
/// found again among the rows of `access_logs`.
final class TrackLoad: @unchecked Sendable {
    struct Event: Hashable, Sendable {
        var session: String
        var path: String
        var access: String
        var at: Int64
        var tokens: Int
    }

    struct Outcome: Sendable {
        var acknowledged: [Event] = []
        /// Error replies by their code (TRYAGAIN, BUSY, ...).
        var errors: [String: Int] = [:]
        /// The slowest round trip of one pipelined chunk: an upper bound on every reply's latency.
        var slowestChunk: Duration = .zero
        /// Why each connection ended (nil: stopped by `stop()`).
        var endings: [String] = []
    }

    static let paths = (0..<10).map { "src/f\($0).swift" }
    static let accesses = ["VIEW", "EDIT", "EXECUTE", "REFERENCE"]
    static func tokens(of path: String) -> Int { 100 * ((paths.firstIndex(of: path) ?? 0) + 1) }

    private let lock = NSLock()
    private var outcome = Outcome()
    private var stopped = false
    private var running = 0
    private var threads: [Thread] = []

    /// Starts `connections` connections of `token`, connection `c` tracking into
    /// `sessions[c % sessions.count]` with `pipeline` requests in flight.
    init(port: Int, token: String, sessions: [String], connections: Int, pipeline: Int = 32, baseAt: Int64) {
        for connection in 0..<connections {
            let thread = Thread { [self] in
                let ending = run(
                    port: port, token: token, session: sessions[connection % sessions.count], pipeline: pipeline,
                    firstAt: baseAt + Int64(connection) * 10_000_000)
                lock.lock()
                outcome.endings.append(ending ?? "stopped")
                running -= 1
                lock.unlock()
            }
            running += 1
            threads.append(thread)
        }
        threads.forEach { $0.start() }
    }

    var acknowledgedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return outcome.acknowledged.count
    }

    var snapshot: Outcome {
        lock.lock()
        defer { lock.unlock() }
        return outcome
    }

    /// The slowest chunk since the last call, then starts a new window: the slowest reply of one
    /// phase of a test (say, while the database is down).
    func takeSlowestChunk() -> Duration {
        lock.lock()
        defer { lock.unlock() }
        let slowest = outcome.slowestChunk
        outcome.slowestChunk = .zero
        return slowest
    }

    /// Asks every connection to stop after its current chunk and waits (up to `timeout`).
    func stop(timeout: Duration = .seconds(60)) async -> Outcome {
        lock.withLock { stopped = true }
        return await finished(timeout: timeout)
    }

    /// Waits until every connection has ended (the server went away, or `stop`).
    func finished(timeout: Duration = .seconds(60)) async -> Outcome {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if lock.withLock({ running == 0 }) { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return snapshot
    }

    /// Waits until at least `count` TRACKs were acknowledged (or `timeout`).
    func waitForAcknowledged(_ count: Int, timeout: Duration = .seconds(60)) async {
        let deadline = ContinuousClock.now + timeout
        while acknowledgedCount < count && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// One connection's loop; returns why it ended, nil when stopped.
    private func run(port: Int, token: String, session: String, pipeline: Int, firstAt: Int64) -> String? {
        let socket: RawSocket
        do {
            socket = try RawSocket(port: port, receiveTimeoutSeconds: 30)
            try socket.write(RawSocket.encode(["AUTH", token]))
            guard try socket.readReplies(1).first == .simpleString("OK") else { return "AUTH refused" }
        } catch {
            return "\(error)"
        }
        var next = 0
        while true {
            lock.lock()
            let stop = stopped
            lock.unlock()
            if stop { return nil }
            var chunk: [Event] = []
            var payload: [UInt8] = []
            for _ in 0..<pipeline {
                let path = Self.paths[next % Self.paths.count]
                let event = Event(
                    session: session, path: path, access: Self.accesses[next % Self.accesses.count],
                    at: firstAt + Int64(next), tokens: Self.tokens(of: path))
                chunk.append(event)
                payload += RawSocket.encode([
                    "TRACK", session, event.path, "CODE", event.access, "TOKENS", String(event.tokens), "AT", String(event.at),
                ])
                next += 1
            }
            let sent = ContinuousClock.now
            do {
                try socket.write(payload)
                // Reply by reply, so that what was acknowledged before the server died is counted.
                for event in chunk {
                    let reply = try socket.readReplies(1)[0]
                    lock.lock()
                    if case .integer = reply {
                        outcome.acknowledged.append(event)
                    } else {
                        let line = errorLine(of: reply) ?? "UNEXPECTED \(reply)"
                        outcome.errors[String(line.prefix { $0 != " " }), default: 0] += 1
                    }
                    lock.unlock()
                }
            } catch {
                return "\(error)"
            }
            lock.lock()
            outcome.slowestChunk = max(outcome.slowestChunk, ContinuousClock.now - sent)
            lock.unlock()
        }
    }
}
