import Foundation
import TestSupport
import PQ
import PrioritizerClient
import PrioritizerServer
import Testing

/// Pipelined requests are answered in request order, and every acknowledged TRACK is a row.
@Suite("Pipelining and acknowledged rows") struct PipeliningTests {
    @Test func twoThousandPipelinedTracksAnsweredInOrder() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession(label: "pipeline")
            let token = live.acme.token
            let port = live.port
            let count = 2000
            let started = ContinuousClock.now
            // All requests written in one go by one thread while another reads: no request waits
            // for a reply.
            let replies = try await offloaded { () throws -> [RESPReply] in
                let socket = try RawSocket(port: port)
                var payload = RawSocket.encode(["AUTH", token])
                for index in 0..<count {
                    var words = ["TRACK", session, "hot.swift", "CODE", index % 3 == 0 ? "EDIT" : "VIEW"]
                    if index == 0 { words += ["TOKENS", "42"] }
                    payload += RawSocket.encode(words)
                }
                payload += RawSocket.encode(["IMPORTANCE", session, "hot.swift"])
                let bytes = payload
                let writer = Thread { try? socket.write(bytes) }
                writer.start()
                return try socket.readReplies(count + 2)
            }
            let elapsed = ContinuousClock.now - started
            #expect(replies.first == .simpleString("OK"))
            let counts = replies.dropFirst().prefix(count)
            let expected = (1...count).map { RESPReply.integer(Int64($0)) }
            #expect(Array(counts) == expected, "first out of order at \(Array(zip(counts, expected)).firstIndex { $0.0 != $0.1 } ?? -1)")
            #expect(replies.last?.double.map { $0 > 0 } == true)
            #expect(elapsed < .seconds(30), "2000 pipelined TRACKs took \(elapsed)")

            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == count)
            #expect(try await live.count("SELECT access_count FROM prioritizer.session_resources WHERE session_id = \(session)::uuid") == count)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid AND access_type = 'EDIT'") == (count + 2) / 3)
            #expect(try await admin.sessionGet(session).accesses == count)
            #expect(try await admin.track(session: session, path: "hot.swift", type: .code, access: .view) == count + 1)
            try await admin.close()
        }
    }

    /// A lone node lets a session's batches commit at once, and PostgreSQL may apply them in
    /// another order than they were taken. When the node stops being alone while they are in
    /// flight (another node joins; or, as in stop 20's CI, a late heartbeat lets the lease lapse:
    /// it answered the first of 2,000 pipelined TRACKs 1375), one connection's replies must still
    /// count 1, 2, 3, …
    @Test func repliesStayInOrderWhenTheNodeStopsBeingAloneWhileBatchesOverlap() async throws {
        var timing = ClusterMembership.Timing()
        timing.lease = .seconds(30)  // alone however slowly a loaded machine runs the heartbeats
        try await LiveServer.with(clusterTiming: timing) { live in
            let admin = try await live.client(live.acme.token)
            // Known and cached with 10 tokens: only a batch that changes the count writes its row.
            try await admin.track(session: try await admin.createSession(label: "warm"), path: "hot.swift", type: .code, access: .view, tokens: 10)
            let session = try await admin.createSession(label: "overlap")
            // Holds the resource row: the first batch (TOKENS 42) waits on it, the batches after it
            // (no new facts) do not, and write the session-resource row first.
            let blocker = try await live.sql()
            try await blocker.execute("BEGIN")
            try await blocker.execute("SELECT 1 FROM prioritizer.resources WHERE path = 'hot.swift' FOR NO KEY UPDATE")
            try #require(try await eventually(.seconds(30)) { live.runners.membership.isAlone })

            let token = live.acme.token
            let port = live.port
            let count = 1000
            let pipelined = Task {
                try await offloaded { () throws -> [RESPReply] in
                    let socket = try RawSocket(port: port, receiveTimeoutSeconds: 120)
                    var payload = RawSocket.encode(["AUTH", token])
                    for index in 0..<count {
                        payload += RawSocket.encode(["TRACK", session, "hot.swift", "CODE", "VIEW"] + (index == 0 ? ["TOKENS", "42"] : []))
                    }
                    try socket.write(payload)
                    return try socket.readReplies(count + 1)
                }
            }
            // The batches after the first commit past it while the node is alone…
            func logged() async throws -> Int {
                try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid")
            }
            _ = try await eventually(.seconds(60)) { try await logged() >= count - 1 - RunnerConfiguration.defaultMaxBatch }
            let overtaking = try await logged()
            // …then another node appears (live for the rest of the test), with the first batch
            // still waiting.
            let newcomer = try await live.sql()
            try await newcomer.execute("""
                INSERT INTO prioritizer.nodes (node_id, address, pid, heartbeat_at)
                VALUES (gen_random_uuid(), 'newcomer', 1, now() + interval '1 hour')
                """)
            await newcomer.close()
            #expect(try await eventually(.seconds(30)) { !live.runners.membership.isAlone })
            try await blocker.execute("COMMIT")
            await blocker.close()

            let replies = try await pipelined.value
            #expect(replies.first == .simpleString("OK"))
            let counts = Array(replies.dropFirst())
            let firstWrong = counts.indices.first { counts[$0] != .integer(Int64($0 + 1)) }
            #expect(counts.count == count && firstWrong == nil, "TRACK \(firstWrong.map { $0 + 1 } ?? 0) of \(count) answered \(firstWrong.map { "\(counts[$0])" } ?? "")")
            #expect(overtaking > 0, "no later batch committed before the first")
            #expect(try await logged() == count)
            try await admin.close()
        }
    }

    /// SESSION.CLOSE refuses the TRACKs after it, not those before it: TRACKs pipelined ahead of
    /// it may still be waiting for their commit when it arrives, and must be written and
    /// acknowledged, not refused because the session closed meanwhile.
    @Test func tracksPipelinedBeforeACloseAreAcknowledgedAndThoseAfterRefused() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let token = live.acme.token
            let port = live.port
            let before = 300, after = 5
            for round in 0..<3 {
                let session = try await admin.createSession(label: "closing \(round)")
                let replies = try await offloaded { () throws -> [RESPReply] in
                    let socket = try RawSocket(port: port)
                    var payload = RawSocket.encode(["AUTH", token])
                    for index in 0..<before {
                        payload += RawSocket.encode(["TRACK", session, "f\(index % 7).swift", "CODE", "VIEW", "TOKENS", "5"])
                    }
                    payload += RawSocket.encode(["SESSION.CLOSE", session])
                    for _ in 0..<after {
                        payload += RawSocket.encode(["TRACK", session, "late.swift", "CODE", "VIEW", "TOKENS", "5"])
                    }
                    let bytes = payload
                    let writer = Thread { try? socket.write(bytes) }
                    writer.start()
                    return try socket.readReplies(1 + before + 1 + after)
                }
                let tracked = replies.dropFirst().prefix(before)
                let refusedEarly = tracked.filter { if case .integer = $0 { false } else { true } }
                #expect(refusedEarly.isEmpty, "round \(round): \(refusedEarly.count) TRACKs sent before the close were not acknowledged: \(refusedEarly.first.map { "\($0)" } ?? "")")
                #expect(replies[1 + before] == .simpleString("OK"))
                #expect(Array(replies.suffix(after)) == Array(repeating: .error("ERR session is closed"), count: after))
                #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == before)
            }
            try await admin.close()
        }
    }

    @Test func pipelinedClientCallsOnOneConnection() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            // Many calls in flight at once on one connection: each reply answers its own request,
            // and the counts of one path are exactly 1…n whatever order the calls were sent in.
            let count = 2000
            let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<count {
                    group.addTask {
                        let path = "p\(index % 5).swift"
                        let reply = try await client.send(["TRACK", session, path, "CODE", "VIEW", "TOKENS", "10"])
                        return (index % 5, Int(reply.integer ?? -1))
                    }
                }
                var byPath: [Int: [Int]] = [:]
                for try await (path, value) in group { byPath[path, default: []].append(value) }
                return byPath
            }
            for path in 0..<5 {
                #expect(results[path]?.sorted() == Array(1...(count / 5)), "p\(path)")
            }
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == count)
            try await client.close()
        }
    }

    @Test func concurrentConnectionsOnSeveralSessions() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            var created: [String] = []
            for index in 0..<4 { created.append(try await admin.createSession(label: "s\(index)")) }
            let sessions = created
            let globex = try await live.client(live.globex.token)
            let globexSession = try await globex.createSession(label: "g")
            let token = live.acme.token
            let port = live.port

            // 8 connections (two per session, one of them raw RESP2, one the Swift client), 400
            // TRACKs each, all in flight at once. Count what was acknowledged.
            let perConnection = 400
            let acknowledged = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for session in sessions {
                    group.addTask {
                        let replies = try await offloaded { () throws -> [RESPReply] in
                            let socket = try RawSocket(port: port)
                            var payload = RawSocket.encode(["AUTH", token])
                            for index in 0..<perConnection {
                                payload += RawSocket.encode(["TRACK", session, "f\(index % 10).md", "DOCUMENTATION", "VIEW", "TOKENS", "3"])
                            }
                            let bytes = payload
                let writer = Thread { try? socket.write(bytes) }
                            writer.start()
                            return try socket.readReplies(perConnection + 1)
                        }
                        return (session, replies.dropFirst().filter { $0.integer != nil }.count)
                    }
                    group.addTask {
                        let client = try await PrioritizerClient.connect(port: port, token: token)
                        let acks = try await withThrowingTaskGroup(of: Bool.self) { inner in
                            for index in 0..<perConnection {
                                inner.addTask {
                                    let reply = try await client.send(["TRACK", session, "f\(index % 10).md", "DOCUMENTATION", "EDIT"])
                                    return reply.integer != nil
                                }
                            }
                            var acks = 0
                            for try await ok in inner where ok { acks += 1 }
                            return acks
                        }
                        try await client.close()
                        return (session, acks)
                    }
                }
                group.addTask {
                    var acks = 0
                    for index in 0..<200 {
                        let reply = try await globex.send(["TRACK", globexSession, "g\(index % 3)", "DATA", "VIEW", "TOKENS", "1"])
                        if reply.integer != nil { acks += 1 }
                    }
                    return (globexSession, acks)
                }
                var bySession: [String: Int] = [:]
                for try await (session, acks) in group { bySession[session, default: 0] += acks }
                return bySession
            }

            var total = 0
            for session in sessions + [globexSession] {
                let acks = acknowledged[session] ?? -1
                total += acks
                let rows = try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid")
                #expect(rows == acks, "session \(session): \(rows) rows for \(acks) acknowledged TRACKs")
                let counted = try await live.count(
                    "SELECT coalesce(sum(access_count), 0)::bigint FROM prioritizer.session_resources WHERE session_id = \(session)::uuid")
                #expect(counted == acks)
            }
            // Everything was acknowledged here (no limits were reached).
            #expect(total == sessions.count * perConnection * 2 + 200)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == total)
            // The rows carry their own organization.
            #expect(try await live.count(
                """
                SELECT count(*) FROM prioritizer.access_logs l JOIN prioritizer.sessions s USING (org_id, session_id)
                """) == total)
            try await admin.close()
            try await globex.close()
        }
    }
}
