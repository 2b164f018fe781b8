import Foundation
import PrioritizerClient
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `PrioritizerClient.connect(requestTimeout:)`: a request left unanswered ends the connection
/// and fails every waiting call; answered requests, and time spent idle, do not.
@Suite("PrioritizerClient request timeout", .timeLimit(.minutes(1)))
struct ClientTimeoutTests {
    /// A TCP port that accepts connections (the kernel completes them from the backlog) and
    /// never answers: a server stalled, or a network path lost mid-request.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bind(fd, address, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, address, &length) == 0
                }
            }
            guard bound else {
                close(fd)
                throw POSIXError(.EADDRINUSE)
            }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(fd) }
    }

    @Test func anUnansweredRequestTimesOutAndEndsTheConnection() async throws {
        let listener = try SilentListener()
        let client = try await PrioritizerClient.connect(port: listener.port, token: nil, requestTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        let first = Task { try await client.send(["PING"]) }
        let second = Task { try await client.send(["PING", "two"]) }
        await #expect(throws: PrioritizerClientError.timedOut) { _ = try await first.value }
        await #expect(throws: PrioritizerClientError.timedOut) { _ = try await second.value }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(300) && waited < .seconds(10), "failed after \(waited)")
        // The connection is gone: a later call fails at once with the same reason.
        await #expect(throws: PrioritizerClientError.timedOut) { try await client.ping() }
        try await client.close()
    }

    @Test func answeredRequestsAndIdleTimeDoNotTimeOut() async throws {
        try await withTestServer { port, _, _ in
            // Long enough for a PING under the whole suite's load on two cores (400 ms was not).
            let client = try await PrioritizerClient.connect(port: port, token: "agent-token", requestTimeout: .seconds(5))
            for _ in 0..<20 { #expect(try await client.ping() == "PONG") }
            // Idle past the timeout with nothing waiting: no timer runs (one left from an
            // answered request would fire meanwhile and end the connection).
            try await Task.sleep(for: .seconds(6))
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<50 { group.addTask { try await client.ping("\(index)") } }
                var answers = 0
                for try await _ in group { answers += 1 }
                #expect(answers == 50)
            }
            #expect(try await client.ping() == "PONG")
            try await client.close()
        }
    }
}
