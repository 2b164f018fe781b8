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
    /// never answers: a server stalled, or a network path lost mid-request. With `answering`, it
    /// accepts one connection and answers its first read with one PONG, then falls silent.
    final class SilentListener: @unchecked Sendable {
        let fd: Int32
        let port: Int
        private var accepted: Int32 = -1

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

        func answerOnce() {
            Thread {
                let connection = accept(self.fd, nil, nil)
                guard connection >= 0 else { return }
                self.accepted = connection
                var bytes = [UInt8](repeating: 0, count: 4096)
                guard recv(connection, &bytes, bytes.count, 0) > 0 else { return }
                _ = Array("+PONG\r\n".utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }.start()
        }

        deinit {
            if accepted >= 0 { close(accepted) }
            close(fd)
        }
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

    /// Two requests in flight, the first answered: the timer moves on to the second, which
    /// times out. (A reply that stopped the timer without starting the next left it waiting forever.)
    @Test func aRequestBehindAnAnsweredOneStillTimesOut() async throws {
        let listener = try SilentListener()
        listener.answerOnce()
        let client = try await PrioritizerClient.connect(port: listener.port, token: nil, requestTimeout: .milliseconds(300))
        // Should the second wait on forever, closing the connection ends it (as another failure).
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            try await client.close()
        }
        let first = Task { try await client.send(["PING"]) }
        let second = Task { try await client.send(["PING"]) }
        var answered = 0, timedOut = 0
        for call in [first, second] {
            do {
                #expect(try await call.value == .simpleString("PONG"))
                answered += 1
            } catch PrioritizerClientError.timedOut {
                timedOut += 1
            } catch {
                Issue.record("neither answered nor timed out: \(error)")
            }
        }
        watchdog.cancel()
        #expect(answered == 1 && timedOut == 1)
        try await client.close()
        _ = listener
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
