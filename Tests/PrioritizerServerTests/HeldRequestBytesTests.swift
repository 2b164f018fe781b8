import Foundation
import TestSupport
import Testing
@testable import PrioritizerServer
#if canImport(Glibc)
import Glibc
#endif

/// Requests held behind a barrier are bounded by their bytes, not only by their count.
@Suite struct HeldRequestBytesTests {
    /// A client that logs in, then sends ten wrong AUTHs, the last five throttled (100 ms doubling
    /// to 2 s, each a barrier), then 64 PINGs of 1 MiB each. While the AUTHs wait, the server stops
    /// reading once `--max-request-bytes` (here 1 MiB) of requests are held, so the client can
    /// send little more than the sockets' buffers. Before, the count bound (1,024 requests) alone
    /// applied, and all 64 MiB were read and held.
    @Test func requestsHeldBehindABarrierAreBoundedByTheirBytes() async throws {
        let megabyte = 1 << 20
        let limits = RESPLimits(maxBulkBytes: megabyte, maxRequestBytes: megabyte + 64, maxInlineBytes: 64 * 1024, maxArguments: 16)
        try await withTestServer(ServerConfiguration(port: 0, limits: limits)) { port, _, _ in
            let sent = try await offloaded { () throws -> Int in
                let socket = try BlockingSocket(port: port, sendTimeoutMilliseconds: 1_500)
                // Logged in first, so that the large requests are not refused before login
                // (`LoginGate`); each wrong AUTH after it is a barrier all the same.
                var auths = Array("AUTH agent-token\r\n".utf8)
                for _ in 0..<10 { auths += Array("AUTH wrong-token\r\n".utf8) }
                _ = socket.send(auths)
                let ping = Array("*2\r\n$4\r\nPING\r\n$\(megabyte)\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: megabyte) + [13, 10]
                var total = 0
                for _ in 0..<64 {
                    let accepted = socket.send(ping)
                    total += accepted
                    if accepted < ping.count { break }  // stalled: the server stopped reading
                }
                return total
            }
            #expect(sent < 32 * megabyte, "the server read \(sent / megabyte) MiB of held requests")
        }
    }
}

/// Requests read and not yet answered are bounded by their bytes too.
@Suite struct InFlightRequestBytesTests {
    /// 32 TRACKs pipelined, each with a megabyte of CONTENT and a path the test backend takes
    /// 100 ms over (one connection's TRACKs run one after another). The server reads on only
    /// while the large requests it has read and not answered hold less than
    /// `--max-request-bytes` (here about a megabyte), so the client's send of 32 MB ends only
    /// when most of them have run: the rest fit the sockets' buffers. Before, only their count
    /// (1,024) was bounded: the server read all 32 MB at once, and the send ended when one had
    /// started.
    @Test func largeRequestsReadAndNotAnsweredAreBoundedByTheirBytes() async throws {
        let megabyte = 1 << 20
        let limits = RESPLimits(maxBulkBytes: megabyte, maxRequestBytes: megabyte + 256, maxInlineBytes: 64 * 1024, maxArguments: 16)
        try await withTestServer(ServerConfiguration(port: 0, limits: limits)) { port, _, backend in
            let socket = try BlockingSocket(port: port, sendTimeoutMilliseconds: 30_000)
            _ = try await offloaded { socket.send(Array("AUTH agent-token\r\nSESSION.CREATE\r\n".utf8)) }
            let created = try await offloaded { socket.receive(5 + 5 + 36 + 2) }
            let session = String(decoding: created[10..<46], as: UTF8.self)
            let words = ["TRACK", session, "slow/a", "code", "view", "CONTENT"]
            var track = Array("*\(words.count + 1)\r\n".utf8)
            for word in words { track += Array("$\(word.utf8.count)\r\n\(word)\r\n".utf8) }
            track += Array("$\(megabyte)\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: megabyte) + [13, 10]
            // Appended whole, not joined: a debug build joining 32 MB byte by byte spent seconds
            // of the cooperative pool every test of the process shares.
            var pipeline: [UInt8] = []
            pipeline.reserveCapacity(track.count * 32)
            for _ in 0..<32 { pipeline.append(contentsOf: track) }
            let all = pipeline
            let expected = Array((1...32).map { Array(":\($0)\r\n".utf8) }.joined())
            let receiving = Task { try await offloaded { socket.receive(expected.count) } }
            let sent = try await offloaded { socket.send(all) }
            let startedWhenSent = await backend.slowTracksStarted
            #expect(sent == all.count)
            #expect(try await receiving.value == expected)
            #expect(startedWhenSent >= 16, "the send of 32 MB ended when \(startedWhenSent) TRACKs had started")
        }
    }
}

/// Replies to a client that does not read are bounded too: requests already read are held
/// while the socket is not writable.
@Suite struct UnreadRepliesTests {
    /// 170,000 HELPs (6 bytes each, about a megabyte: one read burst once reads have grown to
    /// 64 KiB) from a client that never reads; each reply is 3.7 KB. The server answers until the
    /// socket stops being writable (535 here) and holds the rest. Before, every request of the
    /// burst was answered into NIO's buffer before the writability was looked at: the server
    /// grew past 650 MB and spent over ten minutes of CPU on it (so this test, failing, is slow).
    @Test func aBurstIsNotAnsweredPastWhatTheClientTakes() async throws {
        try await withTestServer { port, server, _ in
            let before = server.statistics.snapshot.totalCommandsProcessed
            let socket = try BlockingSocket(port: port, sendTimeoutMilliseconds: 3_000)
            _ = try await offloaded { socket.send(Array("AUTH agent-token\r\n".utf8)) }
            #expect(try await offloaded { socket.receive(5) } == Array("+OK\r\n".utf8))
            // Large requests first, their replies read: NIO's reads grow to 64 KiB, 16 to a burst.
            let payload = String(repeating: "x", count: 60_000)
            let ping = Array("*2\r\n$4\r\nPING\r\n$60000\r\n\(payload)\r\n".utf8)
            let pong = Array("$60000\r\n\(payload)\r\n".utf8)
            for _ in 0..<8 {
                let pings = Array([[UInt8]](repeating: ping, count: 16).joined())
                let sending = Task { try await offloaded { socket.send(pings) } }
                #expect(try await offloaded { socket.receive(pong.count * 16) } == Array([[UInt8]](repeating: pong, count: 16).joined()))
                _ = try await sending.value
            }
            let helps = Array(String(repeating: "HELP\r\n", count: 170_000).utf8)
            let sent = try await offloaded { socket.send(helps) }
            // Whatever the server was going to answer, it has answered by now.
            var processed = 0
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(100))
                processed = server.statistics.snapshot.totalCommandsProcessed - before
            }
            // The kernel's buffers take a few megabytes of replies (a thousand or two); the rest wait.
            #expect(processed < 20_000, "answered \(processed) of \(sent / 6) requests sent, not read")
            withExtendedLifetime(socket) {}
        }
    }
}

/// A blocking client socket whose sends give up after a timeout.
final class BlockingSocket: @unchecked Sendable {
    let fd: Int32

    init(port: Int, sendTimeoutMilliseconds: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        var timeout = timeval(tv_sec: sendTimeoutMilliseconds / 1000, tv_usec: Int((sendTimeoutMilliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Reads give up too, so a test waiting for a reply that never comes fails instead of hanging.
        var receiveTimeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receiveTimeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Reads exactly `count` bytes (fewer if the connection ends first).
    func receive(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let read = bytes[offset...].withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if read <= 0 { break }
            offset += read
        }
        return Array(bytes[..<offset])
    }

    /// Sends what the kernel takes before the timeout; how many bytes that was.
    func send(_ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            offset += sent
        }
        return offset
    }
}

/// Before logging in, requests are held to Redis's bounds for unauthenticated clients; a login
/// in flight lifts them for the requests pipelined after it.
@Suite struct BeforeLoginLimitsTests {
    static func bulkPing(_ size: Int) -> [UInt8] {
        Array("*2\r\n$4\r\nPING\r\n$\(size)\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size) + [13, 10]
    }

    /// No credentials: a 100 KB bulk, or 11 arguments, end the connection with Redis's error,
    /// before the bulk is read. Before, each connection could hold a 64 MiB bulk.
    @Test func largeRequestsBeforeLoginAreRefused() async throws {
        try await withTestServer { port, _, _ in
            let bulk = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            _ = try await offloaded { bulk.send(Array("*2\r\n$4\r\nPING\r\n$100000\r\n".utf8)) }
            let refused = Array("-ERR Protocol error: unauthenticated bulk length\r\n".utf8)
            #expect(try await offloaded { bulk.receive(refused.count) } == refused)
            #expect(try await offloaded { bulk.receive(1) }.isEmpty, "closed")

            let many = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            _ = try await offloaded { many.send(Array("*11\r\n".utf8)) }
            let tooMany = Array("-ERR Protocol error: unauthenticated multibulk length\r\n".utf8)
            #expect(try await offloaded { many.receive(tooMany.count) } == tooMany)

            // Small ones are answered as before.
            let small = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            _ = try await offloaded { small.send(Self.bulkPing(1_000)) }
            #expect(try await offloaded { small.receive(1_000 + 9) } == Array("$1000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 1_000) + [13, 10])
        }
    }

    /// A client not logged in has nothing more read while its login is being decided. A failed
    /// AUTH waits (the throttle) with the login gate open, and reading went on meanwhile: a
    /// large request sent during that wait was read and held, then answered, so a stream
    /// of failing AUTHs let a client without credentials hold `--max-request-bytes` at a time.
    /// Now the request's bytes are read once the login has failed, and refused as before login.
    @Test func nothingIsReadWhileTheLoginOfAClientNotLoggedInIsDecided() async throws {
        try await withTestServer { port, _, _ in
            let refusal = Array(RESPReplyEncoder.encoded(CommandError.wrongPass.reply, version: .resp2).readableBytesView)
            let refused = Array("-ERR Protocol error: unauthenticated bulk length\r\n".utf8)
            // Ten failures (five free, then 100, 200, 400, 800, 1,600 ms): each AUTH after them
            // waits 2 s (the count is per address, so on any connection).
            let warming = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            for _ in 0..<10 {
                _ = try await offloaded { warming.send(Array("AUTH wrong-token\r\n".utf8)) }
                #expect(try await offloaded { warming.receive(refusal.count) } == refusal)
            }
            // The request goes 600 ms after the AUTH, to arrive during its wait. On a machine so
            // loaded that the server read both at once, it is admitted with the AUTH, as Redis
            // admits a pipeline (and PING echoes it): that attempt tells nothing, and another is
            // made. Without the fix every attempt has it read during the wait and echoed.
            var outcomes: [String] = []
            for _ in 0..<3 {
                let socket = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
                _ = try await offloaded { socket.send(Array("AUTH wrong-token\r\n".utf8)) }
                try await Task.sleep(for: .milliseconds(600))
                let sending = Task { try await offloaded { socket.send(Self.bulkPing(100_000)) } }
                #expect(try await offloaded { socket.receive(refusal.count) } == refusal)
                let next = try await offloaded { socket.receive(refused.count) }
                _ = try await sending.value
                if next == refused {
                    #expect(try await offloaded { socket.receive(1) }.isEmpty, "closed")
                    return
                }
                outcomes.append(String(decoding: next.prefix(20), as: UTF8.self))
            }
            Issue.record("the request was never refused as before login: \(outcomes)")
        }
    }

    /// Before login an inline request is held to the same ten words as a multibulk one: a 64 KiB
    /// line of one-letter words was up to 32,000 arguments for a client without credentials.
    @Test func inlineRequestsBeforeLoginAreHeldToTenWords() async throws {
        try await withTestServer { port, _, _ in
            let ten = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            _ = try await offloaded { ten.send(Array("PING a b c d e f g h i\r\n".utf8)) }
            let wrongArity = Array("-ERR wrong number of arguments for 'ping' command\r\n".utf8)
            #expect(try await offloaded { ten.receive(wrongArity.count) } == wrongArity)
            let eleven = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            _ = try await offloaded { eleven.send(Array("PING a b c d e f g h i j\r\n".utf8)) }
            let refused = Array("-ERR Protocol error: unauthenticated inline arguments\r\n".utf8)
            #expect(try await offloaded { eleven.receive(refused.count) } == refused)
            #expect(try await offloaded { eleven.receive(1) }.isEmpty, "closed")
        }
    }

    /// A login that fails with more than `--max-pipeline` requests held behind it has them
    /// refused together and the connection closed: one write of a wrong AUTH and 3,000 PINGs is
    /// answered with the AUTH's refusal and the protocol error. Before, every held request was
    /// answered in turn (150,000 `AUTH x` lines in one megabyte, each waiting out the throttle).
    /// With a right AUTH the same write is answered whole (`PipeliningTests`).
    @Test func aFailedLoginWithMoreThanThePipelineHeldBehindItEndsTheConnection() async throws {
        try await withTestServer { port, _, _ in
            let socket = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            var burst = Array("AUTH wrong-token\r\n".utf8)
            for _ in 0..<3_000 { burst += Array("PING\r\n".utf8) }
            let bytes = burst
            _ = try await offloaded { socket.send(bytes) }
            // Everything until the server closes (more than it sends, so read to the end).
            let answered = try await offloaded { socket.receive(1 << 20) }
            let lines = String(decoding: answered, as: UTF8.self).split(separator: "\r\n")
            #expect(lines == ["-WRONGPASS invalid token", "-ERR Protocol error: too many requests before login"], "\(lines.count) lines")
        }
    }

    /// A client that pipelines its AUTH and a large request in one write is served, as Redis
    /// serves it; and a logged-in client sends large requests freely.
    @Test func aLoginInFlightAdmitsTheRequestsPipelinedAfterIt() async throws {
        try await withTestServer { port, _, _ in
            let socket = try BlockingSocket(port: port, sendTimeoutMilliseconds: 2_000)
            let sending = Task { try await offloaded { socket.send(Array("AUTH agent-token\r\n".utf8) + Self.bulkPing(100_000)) } }
            let echoed = Array("$100000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 100_000) + [13, 10]
            #expect(try await offloaded { socket.receive(5 + echoed.count) } == Array("+OK\r\n".utf8) + echoed)
            _ = try await sending.value
            let again = Task { try await offloaded { socket.send(Self.bulkPing(100_000)) } }
            #expect(try await offloaded { socket.receive(echoed.count) } == echoed)
            _ = try await again.value
        }
    }
}
