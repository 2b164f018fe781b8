import Foundation
import PQ
import PrioritizerClient
import PrioritizerServer
import TestSupport
import Testing

/// Connection commands (HELLO, PING, ECHO, QUIT, CLIENT, INFO), and the two error codes that need
/// a struggling server: -BUSY (queue bounds) and -TRYAGAIN (database unreachable).
@Suite("Connection commands, BUSY, TRYAGAIN") struct ConnectionAndFailureTests {
    @Test func connectionCommands() async throws {
        try await LiveServer.with { live in
            let client = try await PrioritizerClient.connect(port: live.port, token: live.acme.token, clientName: "e2e-client")
            let hello = client.hello
            #expect(Set(hello.keys).isSuperset(of: ["server", "version", "proto", "id", "mode", "role"]), "\(hello.keys)")
            #expect(hello["proto"]?.integer == 3)
            #expect(try await client.call(["CLIENT", "GETNAME"]).string == "e2e-client")
            #expect(try await client.call(["CLIENT", "SETNAME", "renamed"]) == .simpleString("OK"))
            #expect(try await client.call(["CLIENT", "GETNAME"]).string == "renamed")
            let id = try await client.call(["CLIENT", "ID"]).integer
            #expect(id == hello["id"]?.integer)
            #expect(try await client.call(["CLIENT", "SETINFO", "LIB-NAME", "e2e"]) == .simpleString("OK"))
            #expect(try await client.ping() == "PONG")
            #expect(try await client.ping("hi there") == "hi there")
            #expect(try await client.call(["ECHO", "binary\u{0}safe"]).string == "binary\u{0}safe")
            #expect(try await client.call(["echo", "lower"]).string == "lower")
            let info = try #require(try await client.call(["INFO"]).string)
            // Every section, each under a capitalised header as Redis's own are.
            for section in ["# Server", "# Clients", "# Stats", "# Runners", "# Cluster", "# Latency"] {
                #expect(info.contains(section + "\r\n"), "\(section)")
            }
            #expect(try await client.call(["INFO", "runners"]).string?.hasPrefix("# Runners\r\nworkers:") == true)
            #expect(try await client.call(["INFO", "server"]).string?.isEmpty == false)
            // HELLO 2 switches back to RESP2 (maps become flat arrays).
            let hello2 = try await client.call(["HELLO", "2"])
            #expect(hello2.dictionary?["proto"]?.integer == 2)
            if case .array = hello2 {} else { Issue.record("HELLO 2 did not answer a flat array: \(hello2)") }
            #expect(errorLine(of: try await client.send(["HELLO", "4"]))?.hasPrefix("NOPROTO") == true)
            try await client.close()

            // QUIT: +OK, then the server closes the connection.
            let port = live.port, token = live.acme.token
            let (replies, rest) = try await offloaded { () throws -> ([RESPReply], [UInt8]) in
                let socket = try RawSocket(port: port)
                try socket.write(RawSocket.encode(["HELLO", "3", "AUTH", "default", token, "SETNAME", "raw"]) + RawSocket.encode(["QUIT"]))
                let replies = try socket.readReplies(2)
                return (replies, socket.readToEnd())
            }
            #expect(replies[0].dictionary?["proto"]?.integer == 3)
            #expect(replies[1] == .simpleString("OK"))
            #expect(rest.isEmpty)
        }
    }

    /// `count` TRACKs of one path written in one go on a fresh connection after its AUTH: their replies.
    static func pipelinedTracks(_ count: Int, port: Int, token: String, session: String) async throws -> [RESPReply] {
        try await offloaded { () throws -> [RESPReply] in
            let socket = try RawSocket(port: port, receiveTimeoutSeconds: 20)
            var payload = RawSocket.encode(["AUTH", token])
            for _ in 0..<count { payload += RawSocket.encode(["TRACK", session, "q.swift", "CODE", "VIEW", "TOKENS", "1"]) }
            try socket.write(payload)
            return Array(try socket.readReplies(count + 1).dropFirst())
        }
    }

    /// The acknowledged TRACKs' counts, in reply order, and how many replies were -BUSY.
    static func acknowledgedAndBusy(_ tracks: [RESPReply]) -> (acknowledged: [Int], busy: Int) {
        let acknowledged = tracks.compactMap { reply -> Int? in
            if case .integer(let value) = reply { return Int(value) }
            return nil
        }
        return (acknowledged, tracks.filter { errorLine(of: $0)?.hasPrefix("BUSY ") == true }.count)
    }

    /// `--max-pending` counts across runners: one session, whose writes all go to one runner,
    /// may fill all of it (an equal share per runner refused it at a quarter here).
    @Test func oneSessionMayFillTheWholeQueueBound() async throws {
        // Four runners, 8 pending writes, batches held back 500 ms: the pipeline arrives well
        // within the delay, so what is admitted before the first commit is the bound.
        let configuration = RunnerConfiguration(workers: 4, maxBatch: 4, maxBatchDelay: .milliseconds(500), maxPending: 8)
        try await LiveServer.with(configuration: configuration) { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession()
            let tracks = try await Self.pipelinedTracks(40, port: live.port, token: live.acme.token, session: session)
            let (acknowledgedCounts, busy) = Self.acknowledgedAndBusy(tracks)
            let acknowledged = acknowledgedCounts.count
            #expect(acknowledged + busy == 40)
            #expect(acknowledged >= 8, "only \(acknowledged) of the 8 places the bound has were given to the one session")
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == acknowledged)
            try await admin.close()
        }
    }

    @Test func busyWhenOverQueueBoundsAndNothingAcknowledgedIsLogged() async throws {
        // One runner, at most 8 pending writes, batches held back 100 ms: a pipeline of 300
        // TRACKs must overflow.
        let configuration = RunnerConfiguration(workers: 1, maxBatch: 4, maxBatchDelay: .milliseconds(100), maxPending: 8)
        try await LiveServer.with(configuration: configuration) { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession()
            let tracks = try await Self.pipelinedTracks(300, port: live.port, token: live.acme.token, session: session)
            let (acknowledged, busy) = Self.acknowledgedAndBusy(tracks)
            #expect(acknowledged.count + busy == 300, "other replies: \(tracks.filter { errorLine(of: $0).map { !$0.hasPrefix("BUSY") } ?? false }.prefix(3))")
            #expect(busy > 0, "no BUSY with 8 pending allowed")
            #expect(acknowledged.count > 0)
            // In request order, and counts skip nothing: a refused TRACK changed nothing.
            #expect(acknowledged == (0..<acknowledged.count).map { $0 + 1 })
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == acknowledged.count)
            #expect(try await admin.track(session: session, path: "q.swift", type: .code, access: .edit) == acknowledged.count + 1)
            try await admin.close()
        }
    }

    /// Blocks new connections to the test database and ends the server's open ones.
    /// (Run on the maintenance database: PostgreSQL refuses this for the current one.)
    static func cutDatabase(_ live: LiveServer, _ sql: PQConnection) async throws {
        try await sql.executeScript("ALTER DATABASE \(live.database.name) ALLOW_CONNECTIONS false")
        try await sql.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(live.database.name) AND pid <> pg_backend_pid()")
    }

    @Test func tryAgainWhileTheDatabaseIsUnreachableThenRecovers() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 5) == 1)
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view) == 2)

            let sql = try await PQConnection.connect(try TestDatabase.adminConninfo())
            try await Self.cutDatabase(live, sql)
            defer { Task { try? await sql.executeScript("ALTER DATABASE \(live.database.name) ALLOW_CONNECTIONS true") } }

            // Every write answers -TRYAGAIN promptly; none hangs.
            var tryAgain = 0
            for _ in 0..<5 {
                let started = ContinuousClock.now
                let line = await errorLine { try await client.track(session: session, path: "a.swift", type: .code, access: .view) }
                let elapsed = ContinuousClock.now - started
                #expect(line?.hasPrefix("TRYAGAIN ") == true, "\(line ?? "acknowledged while the database is down")")
                #expect(elapsed < .seconds(10), "TRACK took \(elapsed) with the database down")
                if line?.hasPrefix("TRYAGAIN ") == true { tryAgain += 1 }
            }
            #expect(tryAgain == 5)
            // A new login cannot be checked either.
            #expect(await errorLine { try await live.client(live.acme.token) }?.hasPrefix("TRYAGAIN ") == true)

            // The database returns: the server reconnects by itself, and the refused TRACKs left no trace.
            try await sql.executeScript("ALTER DATABASE \(live.database.name) ALLOW_CONNECTIONS true")
            let deadline = ContinuousClock.now + .seconds(15)
            var next: Int?
            var lastLine: String?
            while next == nil && ContinuousClock.now < deadline {
                do {
                    next = try await client.track(session: session, path: "a.swift", type: .code, access: .view)
                } catch {
                    lastLine = "\(error)"
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            #expect(next == 3, "after recovery: \(String(describing: next)), last error \(lastLine ?? "none")")
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == 3)
            #expect(try await client.sessionGet(session).accesses == 3)
            let again = try await live.client(live.acme.token)
            #expect(try await again.whoami().agent == "admin")
            try await again.close()
            try await client.close()
            await sql.close()
        }
    }
}
