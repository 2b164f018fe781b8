import NIOCore
import PrioritizerClient
import Testing
@testable import PrioritizerServer

@Suite("Server over TCP")
struct EndToEndTests {
    @Test func inlinePingHelloAndAuth() async throws {
        try await withTestServer { port, _, _ in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("PING\r\n")
            #expect(try await connection.receive(count: 7) == "+PONG\r\n")
            connection.clear()
            try await connection.send("SESSION.LIST\r\n")
            #expect(try await connection.receive { $0.hasSuffix("\r\n") } == "-NOAUTH Authentication required.\r\n")
            connection.clear()
            try await connection.send("HELLO 3 AUTH default admin-token\r\n")
            let hello = try await connection.receive { $0.contains("modules") }
            #expect(hello.hasPrefix("%7\r\n$6\r\nserver\r\n$11\r\nprioritizer\r\n"))
            #expect(hello.contains("$5\r\nproto\r\n:3\r\n"))
            connection.clear()
            // RESP3 now: a null is `_`.
            try await connection.send("CLIENT GETNAME\r\n")
            #expect(try await connection.receive(count: 3) == "_\r\n")
            await connection.close()
        }
    }

    @Test func pipelinedRepliesKeepRequestOrderEvenWhenAnsweredOutOfOrder() async throws {
        try await withTestServer { port, _, _ in
            let connection = try await RawConnection.connect(port: port)
            // AUTH is a barrier: the SESSION.CREATE behind it in the same write is authenticated.
            try await connection.send("AUTH admin-token\r\nSESSION.CREATE\r\n")
            let created = try await connection.receive(count: 5 + 5 + 36 + 2)
            #expect(created.hasPrefix("+OK\r\n$36\r\n"))
            let id = created.components(separatedBy: "\r\n")[2]
            connection.clear()

            try await connection.send("TRACK \(id) fast code view\r\nTRACK \(id) fast code view\r\n")
            let warmUp = try await connection.receive(count: 8)
            #expect(warmUp == ":1\r\n:2\r\n")
            connection.clear()

            // slow/a completes ~100 ms after the fast requests behind it; its reply still leads.
            let pipeline = "TRACK \(id) slow/a code view\r\nPING\r\n*5\r\n$5\r\nTRACK\r\n$36\r\n\(id)\r\n$4\r\nfast\r\n$4\r\nCODE\r\n$4\r\nVIEW\r\nECHO x\r\n"
            try await connection.send(pipeline)
            let replies = try await connection.receive(count: 4 + 7 + 4 + 7)
            #expect(replies == ":1\r\n+PONG\r\n:3\r\n$1\r\nx\r\n")
            await connection.close()
        }
    }

    @Test func aProtocolErrorClosesOnlyThatConnection() async throws {
        try await withTestServer { port, _, _ in
            let bad = try await RawConnection.connect(port: port)
            let good = try await RawConnection.connect(port: port)
            try await bad.send("PING\r\n*1\r\n$-5\r\nPING\r\n")
            #expect(try await bad.receive { $0.contains("length") } == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n")
            #expect(try await bad.waitUntilClosed())
            try await good.send("PING\r\n")
            #expect(try await good.receive(count: 7) == "+PONG\r\n")
            #expect(!good.isClosed)
            await good.close()
        }
    }

    @Test func overLongInlineLineIsAProtocolError() async throws {
        let limits = RESPLimits(maxBulkBytes: 1024, maxRequestBytes: 4096, maxInlineBytes: 128, maxArguments: 16)
        try await withTestServer(ServerConfiguration(port: 0, limits: limits)) { port, _, _ in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send(String(repeating: "a", count: 300))
            #expect(try await connection.receive { $0.hasSuffix("\r\n") } == "-ERR Protocol error: too big inline request\r\n")
            #expect(try await connection.waitUntilClosed())
        }
    }

    @Test func halfClosedClientStillGetsEveryReply() async throws {
        try await withTestServer { port, _, _ in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("AUTH agent-token\r\nTOKENS \"a b c\"\r\nPING\r\n")
            try await connection.closeOutput()
            let replies = try await connection.receive(count: 5 + 4 + 7)
            #expect(replies == "+OK\r\n:3\r\n+PONG\r\n")
            #expect(try await connection.waitUntilClosed())
        }
    }

    /// A half-closed client whose last request is a barrier (AUTH): answered, then closed. Before,
    /// nothing closed it once AUTH completed, and the client waited for the end forever.
    @Test func halfClosedClientWhoseLastRequestIsABarrierIsClosed() async throws {
        try await withTestServer { port, _, _ in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("AUTH agent-token\r\n")
            try await connection.closeOutput()
            #expect(try await connection.receive(count: 5) == "+OK\r\n")
            #expect(try await connection.waitUntilClosed())
        }
    }

    /// QUIT among requests held behind a barrier ends them, even with a protocol error after it:
    /// the request after QUIT does not run, and nothing follows its +OK. Before, the held protocol
    /// error kept the held requests running past QUIT (here, TRACK b was applied).
    @Test func quitAmongHeldRequestsEndsThemBeforeAProtocolError() async throws {
        try await withTestServer { port, _, _ in
            let setup = try await RawConnection.connect(port: port)
            try await setup.send("AUTH agent-token\r\nSESSION.CREATE\r\n")
            let id = try await setup.receive(count: 5 + 5 + 36 + 2).components(separatedBy: "\r\n")[2]
            setup.clear()
            // slow/a's commit takes 100 ms, so QUIT's reply waits behind it.
            let connection = try await RawConnection.connect(port: port)
            try await connection.send(
                "AUTH agent-token\r\nTRACK \(id) slow/a code view\r\nQUIT\r\nTRACK \(id) b code view\r\n*1\r\n$abc\r\n")
            #expect(try await connection.waitUntilClosed())
            #expect(connection.text == "+OK\r\n:1\r\n+OK\r\n")
            try await setup.send("TRACK \(id) b code view\r\n")
            #expect(try await setup.receive(count: 4) == ":1\r\n", "TRACK b ran after QUIT")
        }
    }

    @Test func quitAnswersOKThenCloses() async throws {
        try await withTestServer { port, _, _ in
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("QUIT\r\nPING\r\n")
            #expect(try await connection.receive(count: 5) == "+OK\r\n")
            #expect(try await connection.waitUntilClosed())
            #expect(connection.text == "+OK\r\n")
        }
    }

    /// After QUIT the server closes the connection; the client's own close then has nothing to
    /// do and does not throw (it threw NIO's alreadyClosed).
    @Test func theClientClosesQuietlyAfterTheServerClosed() async throws {
        try await withTestServer { port, _, _ in
            let client = try await PrioritizerClient.connect(port: port, token: nil)
            #expect(try await client.send(["QUIT"]) == .simpleString("OK"))
            var closed = false
            for _ in 0..<200 where !closed {
                do {
                    _ = try await client.send(["PING"])
                    try await Task.sleep(for: .milliseconds(10))
                } catch PrioritizerClientError.connectionClosed {
                    closed = true
                }
            }
            #expect(closed)
            try await client.close()
        }
    }

    @Test func maxClientsRefusesTheNextConnection() async throws {
        try await withTestServer(ServerConfiguration(port: 0, maxClients: 1)) { port, server, _ in
            let first = try await RawConnection.connect(port: port)
            try await first.send("PING\r\n")
            #expect(try await first.receive(count: 7) == "+PONG\r\n")
            let second = try await RawConnection.connect(port: port)
            #expect(try await second.receive { $0.hasSuffix("\r\n") } == "-ERR max number of clients reached\r\n")
            #expect(try await second.waitUntilClosed())
            #expect(server.statistics.snapshot.rejectedConnections == 1)
            // The Swift client reports the server's reason, whether it came before the client's
            // HELLO was sent or as its reply (before, the first read "reply without a request").
            for _ in 0..<5 {
                await #expect(throws: PrioritizerClientError.server(code: "ERR", message: "max number of clients reached")) {
                    _ = try await PrioritizerClient.connect(port: port, token: "prk_unused")
                }
            }
            await first.close()
        }
    }

    /// A connection over `--max-clients` whose rejection cannot be written (under TLS it waits
    /// for a handshake the client never makes, as here a layer that holds every write) is closed
    /// anyway: rejected connections are not counted, so each would otherwise hold a descriptor
    /// for good.
    @Test func aRejectedConnectionWhoseReplyCannotGoOutIsClosedAnyway() async throws {
        let configuration = ServerConfiguration(port: 0, maxClients: 1)
        let backend = InMemoryBackend()
        let server = PrioritizerServer(configuration: configuration, services: backend.services, security: HoldingEveryWrite())
        let port = try await server.start().port!
        let first = try await RawConnection.connect(port: port)
        // Admitted before the second connects: the two are admitted on their own event loops, and
        // on a loaded machine the second was once admitted first (the first then rejected, and
        // the second, open, never closed).
        let admitted = ContinuousClock.now
        while server.statistics.snapshot.connectedClients < 1 && ContinuousClock.now - admitted < .seconds(10) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let second = try await RawConnection.connect(port: port)
        let started = ContinuousClock.now
        // Without the deadline the connection is never closed (until the shutdown below). With
        // it, the server closes it 2 s after accepting it; what this test sees of that may come
        // seconds later on a machine busy with the rest of the suite (5.4 s once, against a
        // bound of 5 s that this test had), so it waits by the clock, not by a count of sleeps
        // that a loaded machine stretches, and bounds the close well short of the wait.
        while !second.isClosed && ContinuousClock.now - started < .seconds(30) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(second.isClosed, "not closed 30 s after the rejection")
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(second.text.isEmpty)
        await first.close()
        try await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func shutdownAnswersRequestsAlreadyReceived() async throws {
        let backend = InMemoryBackend()
        let server = PrioritizerServer(configuration: ServerConfiguration(port: 0), services: backend.services)
        let port = try await server.start().port!
        let connection = try await RawConnection.connect(port: port)
        try await connection.send("AUTH agent-token\r\nSESSION.CREATE\r\n")
        let created = try await connection.receive(count: 5 + 5 + 36 + 2)
        let id = created.components(separatedBy: "\r\n")[2]
        connection.clear()
        try await connection.send("TRACK \(id) slow/x code view\r\n")
        // Shut down only once the server has the request (its commit takes 100 ms): a fixed sleep
        // raced the server's read on a loaded machine, and a request never read is not "received".
        try await backend.waitForSlowTracks(1)
        try await server.shutdown(gracePeriod: .seconds(5))
        let replies = try await connection.receive(count: 4)
        #expect(replies == ":1\r\n")
        #expect(try await connection.waitUntilClosed())
    }
}

/// Stands in for a TLS handshake that never completes: every write waits, never reaching the
/// socket.
private struct HoldingEveryWrite: ConnectionSecurity {
    func secure(_ channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(WriteHolder())
    }

    private final class WriteHolder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        private var held: [(NIOAny, EventLoopPromise<Void>?)] = []

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            held.append((data, promise))
        }

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            for (_, promise) in held { promise?.fail(ChannelError.ioOnClosedChannel) }
            held.removeAll()
            context.close(mode: mode, promise: promise)
        }
    }
}
