import Foundation
import PrioritizerClient
import PrioritizerStore
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension FaultTests {
    /// Many connections, connection churn, and a client that never reads, against the server as a
    /// separate process whose descriptors and memory are read from /proc.
    @Suite("Connections and back-pressure") struct ConnectionLoadTests {
        /// Runs `body` against `prioritizer serve` over a fresh database with organization `acme`.
        static func withServerProcess(
            arguments: [String] = [], _ body: (ServerProcess, AgentCredentials) async throws -> Void
        ) async throws {
            try await withTestDatabase { database in
                let store = PostgresResourceService(conninfo: database.conninfo, connections: 1)
                let (_, acme) = try await store.createOrganization(name: "acme")
                await store.pool.close()
                let server = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "2"] + arguments)
                do {
                    try await body(server, acme)
                    await server.stop()
                } catch {
                    await server.stop()
                    throw error
                }
            }
        }

        /// Raises this process's soft limit on open files to at least `count` (within the hard limit).
        static func allowOpenFiles(_ count: Int) {
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            if limit.rlim_cur < rlim_t(count) {
                limit.rlim_cur = min(rlim_t(count), limit.rlim_max)
                setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            }
        }

        @Test func thousandAuthenticatedConnectionsHeldAtOnce() async throws {
            Self.allowOpenFiles(4_096)
            try await Self.withServerProcess { server, acme in
                #expect(server.openFileLimit >= 1_100, "the server may open only \(server.openFileLimit) files")
                let before = server.residentKilobytes
                let port = server.port, token = acme.token
                let (authenticated, pongs, held) = try await offloaded { () throws -> (Int, Int, Int) in
                    var sockets: [RawSocket] = []
                    for _ in 0..<1_000 { sockets.append(try RawSocket(port: port, receiveTimeoutSeconds: 60)) }
                    for socket in sockets { try socket.write(RawSocket.encode(["AUTH", token])) }
                    let authenticated = try sockets.filter { try $0.readReplies(1) == [.simpleString("OK")] }.count
                    // All held at once: each answers on its authenticated connection.
                    for socket in sockets { try socket.write(RawSocket.encode(["WHOAMI"])) }
                    let pongs = try sockets.filter { socket in
                        let reply = try socket.readReplies(1)[0]
                        if case .map = reply { return true }
                        if case .array = reply { return true }
                        return false
                    }.count
                    let held = server.openFileDescriptors
                    return (authenticated, pongs, held)
                }
                let during = server.residentKilobytes
                print("1,000 connections: RSS \(before) kB before, \(during) kB with all held; \(held) descriptors open")
                #expect(authenticated == 1_000)
                #expect(pongs == 1_000)
                #expect(held >= 1_000)
                // A few kilobytes each, not megabytes.
                #expect(during - before < 200_000, "RSS grew by \(during - before) kB for 1,000 connections")
            }
        }

        @Test func tenThousandConnectCyclesLeaveNoDescriptorsOrMemoryBehind() async throws {
            try await Self.withServerProcess { server, acme in
                let port = server.port, token = acme.token
                /// Connect, one request (AUTH every tenth time), read the answer, close.
                func cycles(_ count: Int) async throws {
                    try await offloaded {
                        for index in 0..<count {
                            let socket = try RawSocket(port: port, receiveTimeoutSeconds: 30)
                            try socket.write(RawSocket.encode(index % 10 == 0 ? ["AUTH", token] : ["PING"]))
                            _ = try socket.readReplies(1)
                        }
                    }
                }
                /// Descriptors once the server has seen every close (closes are noticed asynchronously).
                func settledDescriptors(atMost bound: Int) async throws -> Int {
                    let deadline = ContinuousClock.now + .seconds(20)
                    var count = server.openFileDescriptors
                    while count > bound && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(50))
                        count = server.openFileDescriptors
                    }
                    return count
                }
                // Warm up: pools, caches and allocator arenas reach their working size first.
                try await cycles(1_000)
                try await Task.sleep(for: .milliseconds(500))
                let fdBefore = server.openFileDescriptors
                let rssBefore = server.residentKilobytes
                try await cycles(10_000)
                let fdAfter = try await settledDescriptors(atMost: fdBefore)
                let rssAfter = server.residentKilobytes
                print("10,000 connect cycles: descriptors \(fdBefore) -> \(fdAfter), RSS \(rssBefore) kB -> \(rssAfter) kB")
                #expect(fdAfter <= fdBefore)
                #expect(rssAfter - rssBefore < 16_384, "RSS grew by \(rssAfter - rssBefore) kB over 10,000 cycles")
            }
        }

        @Test func clientThatNeverReadsCannotGrowServerMemory() async throws {
            try await Self.withServerProcess(arguments: ["--max-pipeline", "64"]) { server, acme in
                let port = server.port, token = acme.token
                let rssBefore = server.residentKilobytes
                // ECHO of 64 KiB, sent as fast as the server accepts it, never reading a reply. Without
                // back-pressure the server would take all 512 MiB and hold the replies.
                let payload = String(repeating: "x", count: 65_536)
                let request = RawSocket.encode(["ECHO", payload])
                let (socket, sent) = try await offloaded { () throws -> (RawSocket, Int) in
                    let socket = try RawSocket(port: port, receiveTimeoutSeconds: 30)
                    try socket.write(RawSocket.encode(["AUTH", token]))
                    var timeout = timeval(tv_sec: 3, tv_usec: 0)
                    setsockopt(socket.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    var sent = 0
                    while sent < 512 << 20 {
                        let written = request.withUnsafeBytes { send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        guard written > 0 else { break }  // the send buffer stayed full for 3 s: the server stopped reading
                        sent += written
                    }
                    return (socket, sent)
                }
                let rssStalled = server.residentKilobytes
                // Others are still served meanwhile.
                let other = try await PrioritizerClient.connect(host: "127.0.0.1", port: port, token: token)
                #expect(try await other.ping() == "PONG")
                try await other.close()
                print("client that never reads: \(sent >> 10) KiB accepted before the server stopped reading; RSS \(rssBefore) kB -> \(rssStalled) kB")
                #expect(sent < 64 << 20, "the server kept reading \(sent) bytes from a client that reads nothing")
                #expect(rssStalled - rssBefore < 100_000, "RSS grew by \(rssStalled - rssBefore) kB")
                _ = socket
            }
        }
    }
}
