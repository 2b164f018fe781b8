import Foundation
import TestSupport
import PQ
import PrioritizerClient
import PrioritizerServer
import Testing

/// Cases at the edges of SPEC: ancient events, a stop in the middle of a pipeline, sessions
/// evicted from memory, many agents in one session.
@Suite("Edge cases") struct EdgeCaseTests {
    /// Two spellings of one Unicode path (é composed, and e with a combining accent): one
    /// resource, in memory and in the database, stored in NFC. Before, memory (Swift's canonical
    /// equality) counted the second as the first while PostgreSQL (bytes) made a second row.
    @Test func canonicallyEquivalentPathsAreOneResource() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(label: "unicode")
            let composed = "docs/caf\u{E9}.md", decomposed = "docs/cafe\u{301}.md"
            #expect(Array(composed.utf8) != Array(decomposed.utf8))
            #expect(try await client.track(session: session, path: decomposed, type: .documentation, access: .view, tokens: 7) == 1)
            #expect(try await client.track(session: session, path: composed, type: .documentation, access: .view) == 2)
            #expect(try await client.send(["LINK", session, composed, decomposed]) == .error("ERR LINK needs two different paths"))
            let top = try await client.top(session: session, limit: 5)
            #expect(top.map { Array($0.path.utf8) } == [Array(composed.utf8)])
            let sql = try await live.sql()
            let rows = try await sql.query(
                "SELECT encode(convert_to(path, 'UTF8'), 'hex') FROM prioritizer.resources WHERE path LIKE 'docs/caf%'")
            let hex = composed.utf8.map { String(format: "%02x", $0) }.joined()
            #expect(try rows.map { try $0.decode(0, as: String.self) } == [hex])
            // Read back from the database (a restart), the session answers the same.
            try await client.close()
            try await live.restart()
            let again = try await live.client(live.acme.token)
            #expect(try await again.track(session: session, path: decomposed, type: .documentation, access: .view) == 3)
            await sql.close()
            try await again.close()
        }
    }

    /// The longest paths the protocol takes, incompressible, fit every index they go into: the
    /// resources' (organization, path) key and the relations' (organization, path, path) key,
    /// written by the relation flush. Before the bound was 4,096 bytes, and one such path failed
    /// the whole group commit (b-tree entries hold 2,704 bytes), other organizations' TRACKs
    /// committed with it answered -ERR, and every relation flush after it failed again.
    @Test func theLongestPathsAreWrittenAndRelated() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let other = try await live.client(live.globex.token)
            let session = try await client.createSession()
            let theirs = try await other.createSession()
            func longest() -> String {
                var generator = SystemRandomNumberGenerator()
                return String((0..<1024).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
            }
            let (first, second) = (longest(), longest())
            // Pipelined with the other organization's TRACKs, so that they may share a commit.
            async let mine: [RESPReply] = [
                client.send(["TRACK", session, first, "code", "view", "TOKENS", "5"]),
                client.send(["TRACK", session, second, "code", "view", "TOKENS", "5"]),
            ]
            async let others = other.track(session: theirs, path: "a.swift", type: .code, access: .view)
            #expect(try await mine == [.integer(1), .integer(1)])
            #expect(try await others == 1)
            #expect(try await client.send(["TRACK", session, first + "a", "code", "view"])
                == .error("ERR path is longer than 1024 bytes"))
            let sql = try await live.sql()
            let deadline = ContinuousClock.now + .seconds(10)
            var related = 0
            while related == 0 && ContinuousClock.now < deadline {
                related = try await sql.query(
                    "SELECT count(*) FROM prioritizer.resource_relations WHERE path = \(first) OR related_path = \(first)"
                )[0].decode(0, as: Int.self)
                if related == 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(related > 0, "the relation of the two longest paths was not written")
            await sql.close()
            try await client.close()
            try await other.close()
        }
    }

    /// A TRACK that states no count, for a resource new to its session, reads the organization's
    /// last known count; a TRACK with a count of its own that arrives during that read is taken
    /// first, and its count stands. Before, the read's older count was applied on top of it, in
    /// memory and in the rows. The read is held on a lock on `resources` the test takes.
    @Test func aCountStatedDuringTheLastKnownCountsReadStands() async throws {
        try await LiveServer.with(configuration: RunnerConfiguration(workers: 1)) { live in
            let first = try await live.client(live.acme.token)
            let second = try await live.client(live.acme.token)
            let elsewhere = try await first.createSession(label: "elsewhere")
            #expect(try await first.track(session: elsewhere, path: "p.swift", type: .code, access: .view, tokens: 50) == 1)
            let session = try await first.createSession(label: "raced")
            #expect(try await first.track(session: session, path: "warm.swift", type: .code, access: .view, tokens: 1) == 1)
            let blocker = try await live.sql()
            try await blocker.execute("BEGIN")
            try await blocker.execute("LOCK TABLE prioritizer.resources IN ACCESS EXCLUSIVE MODE")
            let uncounted = Task { try await first.track(session: session, path: "p.swift", type: .code, access: .view) }
            #expect(try await eventually(.seconds(10)) { try await live.lockWaiters() >= 1 })
            let counted = Task { try await second.track(session: session, path: "p.swift", type: .code, access: .edit, tokens: 80) }
            // Taken in memory at once; its commit waits on the lock too.
            #expect(try await eventually(.seconds(10)) { try await live.lockWaiters() >= 2 })
            try await blocker.execute("ROLLBACK")
            await blocker.close()
            #expect(Set([try await uncounted.value, try await counted.value]) == [1, 2])
            #expect(try await first.top(session: session).first { $0.path == "p.swift" }?.tokens == 80)
            #expect(try await live.count("""
                SELECT sr.token_count FROM prioritizer.session_resources sr JOIN prioritizer.resources r USING (org_id, resource_id)
                WHERE sr.session_id = \(session)::uuid AND r.path = 'p.swift'
                """) == 80)
            try await first.close()
            try await second.close()
        }
    }

    /// A recorded PRIORITIZE of a closed session is written without rolling its batch back
    /// first. The runner handed the batch the closed session as open; its version raise then
    /// refused it, and the whole batch (every organization's writes in it) was rolled back and
    /// written again. Counted in `pg_stat_database.xact_rollback`.
    @Test func aRunOfAClosedSessionIsWrittenWithoutARollback() async throws {
        try await LiveServer.with(configuration: RunnerConfiguration(workers: 1)) { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(label: "closed")
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 10) == 1)
            try await client.sessionClose(session)
            let rollbacks = "SELECT xact_rollback::bigint FROM pg_stat_database WHERE datname = current_database()"
            let stats = try await live.sql()
            _ = try await stats.query("SELECT pg_stat_clear_snapshot()")
            let before = try await stats.query(PQQuery(stringLiteral: rollbacks))[0].decode(0, as: Int.self)
            for _ in 0..<3 { #expect(try await client.prioritize(session: session, budget: 100).map(\.path) == ["a.swift"]) }
            #expect(try await live.count("SELECT count(*) FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid") == 3)
            // The statistics collector reports with a delay: wait for it, then read a fresh snapshot.
            try await Task.sleep(for: .seconds(1))
            _ = try await stats.query("SELECT pg_stat_clear_snapshot()")
            let after = try await stats.query(PQQuery(stringLiteral: rollbacks))[0].decode(0, as: Int.self)
            #expect(after == before, "\(after - before) transactions rolled back")
            await stats.close()
            try await client.close()
        }
    }

    /// Two batches of one session in flight, the first failing: the second's TRACKs are answered
    /// the database's counts, without the failed batch's events. Before, the node's own counts
    /// (kept while batches overlap) were answered, and they counted the events never written:
    /// 65…127 for a resource the database then held 64 accesses of.
    ///
    /// How the test orders them: the first batch (connection one: a.swift, c.swift, and a TRACK
    /// stating 777 tokens, which a trigger refuses) is held on a lock on c.swift's row until the
    /// second (connection two: a.swift, b.swift) is in flight behind it on a.swift; then it fails,
    /// and the second is held on a lock on b.swift's row until the first's failures are answered.
    /// Rows are locked in resource order, and the ids are time-ordered: a, b, c. The second batch
    /// starts beside the first only while the node is alone (its TRACKs counted from its copy): a
    /// 30 s lease keeps it alone through heartbeats the suite's load delays past the usual 1 s.
    @Test func afterAFailedBatchTheNextIsAnsweredTheDatabasesCounts() async throws {
        var timing = ClusterMembership.Timing()
        timing.lease = .seconds(30)
        timing.liveness = .seconds(60)
        try await LiveServer.with(configuration: RunnerConfiguration(workers: 1, maxBatch: 64), clusterTiming: timing) { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(label: "failed batch")
            for path in ["a.swift", "b.swift", "c.swift"] {
                #expect(try await client.track(session: session, path: path, type: .code, access: .view, tokens: 5) == 1)
            }
            try await live.failLogRows(where: "NEW.token_count = 777")
            func lockRow(_ path: String) async throws -> PQConnection {
                let holder = try await live.sql()
                try await holder.execute("BEGIN")
                try await holder.execute("""
                    SELECT 1 FROM prioritizer.session_resources sr JOIN prioritizer.resources r USING (org_id, resource_id)
                    WHERE sr.session_id = \(session)::uuid AND r.path = \(path) FOR UPDATE OF sr
                    """)
                return holder
            }
            let holdsFirst = try await lockRow("c.swift"), holdsSecond = try await lockRow("b.swift")
            func burst(_ paths: (Int) -> [String]) -> [UInt8] {
                var payload = RawSocket.encode(["AUTH", live.acme.token])
                for index in 0..<64 { payload += RawSocket.encode(["TRACK", session] + paths(index)) }
                return payload
            }
            let one = try RawSocket(port: live.port), two = try RawSocket(port: live.port)
            let firstBurst = burst { $0 == 62 ? ["fail.swift", "CODE", "VIEW", "TOKENS", "777"] : [$0 == 63 ? "c.swift" : "a.swift", "CODE", "VIEW"] }
            try await offloaded { try one.write(firstBurst) }
            #expect(try await eventually(.seconds(10)) { try await live.lockWaiters() >= 1 })
            let secondBurst = burst { [$0 == 63 ? "b.swift" : "a.swift", "CODE", "VIEW"] }
            try await offloaded { try two.write(secondBurst) }
            #expect(try await eventually(.seconds(10)) { try await live.lockWaiters() >= 2 })
            try await holdsFirst.execute("ROLLBACK")
            let failed = try await offloaded { try one.readReplies(65) }
            try await holdsSecond.execute("ROLLBACK")
            let answered = try await offloaded { try two.readReplies(65) }
            await holdsFirst.close()
            await holdsSecond.close()
            #expect(failed.dropFirst().allSatisfy { errorLine(of: $0) != nil }, "\(failed.suffix(2))")
            #expect(Array(answered.dropFirst()) == (2...64).map { RESPReply.integer(Int64($0)) } + [.integer(2)], "\(answered.suffix(3))")
            #expect(try await live.count("""
                SELECT sr.access_count FROM prioritizer.session_resources sr JOIN prioritizer.resources r USING (org_id, resource_id)
                WHERE sr.session_id = \(session)::uuid AND r.path = 'a.swift'
                """) == 64)
            try await client.close()
        }
    }

    @Test func rankingSurvivesUnderflowOfAncientEvents() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            // Half-life of one second, judged ten years later: 2^-315,000,000 underflows any double.
            let session = try await client.createSession(halfLife: 1)
            for _ in 0..<5 { try await client.track(session: session, path: "z-heavy.swift", type: .code, access: .edit, tokens: 10, at: epochMs) }
            try await client.track(session: session, path: "a-light.swift", type: .code, access: .reference, tokens: 10, at: epochMs)
            try await client.track(session: session, path: "m-later.swift", type: .code, access: .reference, tokens: 10, at: epochMs + 60_000)
            let decade = epochMs + 10 * 365 * 86_400_000
            let top = try await client.top(session: session, limit: 3, at: decade)
            // The later event outranks the older ones; of two equally old, the heavier one first.
            #expect(top.map(\.path) == ["m-later.swift", "z-heavy.swift", "a-light.swift"], "\(top)")
            for strategy in PrioritizerClient.Strategy.allCases {
                let one = try await client.prioritize(session: session, budget: 10, strategy: strategy, at: decade, dryRun: true)
                #expect(one.map(\.path) == ["m-later.swift"], "\(strategy): \(one)")
                let two = try await client.prioritize(session: session, budget: 20, strategy: strategy, at: decade, dryRun: true)
                #expect(Set(two.map(\.path)) == ["m-later.swift", "z-heavy.swift"], "\(strategy): \(two)")
            }
            for entry in top { #expect(entry.importance >= 0 && entry.importance.isFinite) }
            try await client.close()
        }
    }

    @Test func stopInTheMiddleOfAPipelineAnswersAndCommitsWhatItReceived() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession()
            try await admin.close()
            let port = live.port, token = live.acme.token
            let count = 3000
            let socket = try RawSocket(port: port, receiveTimeoutSeconds: 15)
            // Logged in first, so that the connection is surely accepted and served before the stop.
            let login = try await offloaded { () throws -> [RESPReply] in
                try socket.write(RawSocket.encode(["AUTH", token]))
                return try socket.readReplies(1)
            }
            #expect(login == [.simpleString("OK")])
            var payload: [UInt8] = []
            for _ in 0..<count { payload += RawSocket.encode(["TRACK", session, "s.swift", "CODE", "VIEW", "TOKENS", "2"]) }
            let bytes = payload
            // Stop once the server is surely in the middle of the pipeline: after its first reply.
            let firstReplies = try await offloaded { () throws -> [RESPReply] in
                try socket.write(bytes)
                return try socket.readReplies(1)
            }
            let reading = Task { try await offloaded { socket.readToEnd() } }
            try await live.restart()
            let received = try await reading.value
            var replies: [RESPReply] = firstReplies
            var offset = 0
            while let (reply, used) = RESPParser.parse(received, from: offset) {
                replies.append(reply)
                offset += used
            }
            let acknowledged = replies.compactMap { reply -> Int? in
                if case .integer(let value) = reply { return Int(value) }
                return nil
            }
            let others = replies.filter { $0.integer == nil }
            #expect(acknowledged == (0..<acknowledged.count).map { $0 + 1 }, "acknowledged out of order")

            // Whatever was acknowledged is committed, and nothing else was.
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == acknowledged.count,
                    "\(acknowledged.count) acknowledged, \(others.count) other replies: \(others.prefix(2))")
            let client = try await live.client(live.acme.token)
            #expect(try await client.track(session: session, path: "s.swift", type: .code, access: .view) == acknowledged.count + 1)
            try await client.close()
        }
    }

    /// The same events into a server that keeps everything in memory and into one that must evict
    /// sessions all the time: the same replies.
    @Test func evictedSessionsAnswerAsResidentOnes() async throws {
        let tight = RunnerConfiguration(workers: 2, maxResidentResources: 4)
        try await LiveServer.with(configuration: tight) { evicting in
            try await LiveServer.with { resident in
                let a = try await evicting.client(evicting.acme.token)
                let b = try await resident.client(resident.acme.token)
                var sessionsA: [String] = [], sessionsB: [String] = []
                for index in 0..<5 {
                    sessionsA.append(try await a.createSession(label: "s\(index)", halfLife: 45))
                    sessionsB.append(try await b.createSession(label: "s\(index)", halfLife: 45))
                }
                var step: Int64 = 0
                for round in 0..<4 {
                    for index in 0..<5 {
                        for resource in 0..<3 {
                            step += 1
                            let path = "r\(resource).swift"
                            let access: PrioritizerClient.AccessType = (round + resource) % 2 == 0 ? .edit : .view
                            let at = epochMs + step * 700
                            let countA = try await a.track(session: sessionsA[index], path: path, type: .code, access: access, tokens: 10 + resource * 7, at: at)
                            let countB = try await b.track(session: sessionsB[index], path: path, type: .code, access: access, tokens: 10 + resource * 7, at: at)
                            #expect(countA == round + 1)
                            #expect(countA == countB)
                        }
                    }
                }
                let at = epochMs + step * 700 + 5_000
                for index in 0..<5 {
                    let topA = try await a.top(session: sessionsA[index], limit: 10, at: at)
                    let topB = try await b.top(session: sessionsB[index], limit: 10, at: at)
                    #expect(topA.map(\.path) == topB.map(\.path))
                    #expect(topA.map(\.tokens) == topB.map(\.tokens))
                    for (x, y) in zip(topA, topB) { #expect(relativelyEqual(x.importance, y.importance), "\(x) vs \(y)") }
                    let chosenA = try await a.prioritize(session: sessionsA[index], budget: 30, at: at)
                    let chosenB = try await b.prioritize(session: sessionsB[index], budget: 30, at: at)
                    #expect(chosenA.map(\.path) == chosenB.map(\.path))
                    #expect(try await a.sessionGet(sessionsA[index]).accesses == 12)
                }
                // The marks of the runs survive eviction too.
                for index in 0..<5 {
                    let json = try await a.metrics(session: sessionsA[index], format: .json)
                    let report = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
                    let chosen = try await b.prioritize(session: sessionsB[index], budget: 30, at: at, dryRun: true)
                    #expect(report?["included_resources"] as? Int == chosen.count)
                }
                try await a.close()
                try await b.close()
            }
        }
    }

    /// A group commit settles each run of one session's writes at once. A session whose
    /// pipelined TRACKs committed together must then count no write as pending, or it would never
    /// be evicted again and the resident bound would not hold. The bound holds as soon as they
    /// commit: the session, idle and over the bound on its own, gives way then (before, only when
    /// the next session was loaded, and it held 20 resources under a bound of 4 until then).
    @Test func sessionWhosePipelinedWritesCommittedTogetherIsEvictedWhenIdle() async throws {
        let tight = RunnerConfiguration(workers: 1, maxResidentResources: 4)
        try await LiveServer.with(configuration: tight) { live in
            let admin = try await live.client(live.acme.token)
            let busy = try await admin.createSession(label: "busy")
            let other = try await admin.createSession(label: "other")
            let socket = try RawSocket(port: live.port, receiveTimeoutSeconds: 15)
            let count = 60
            var payload = RawSocket.encode(["AUTH", live.acme.token])
            for index in 0..<count {
                payload += RawSocket.encode(["TRACK", busy, "p\(index % 20).swift", "CODE", "VIEW", "TOKENS", "2"])
            }
            let bytes = payload
            let replies = try await offloaded { () throws -> [RESPReply] in
                try socket.write(bytes)
                return try socket.readReplies(count + 1)
            }
            #expect(replies.dropFirst().allSatisfy { $0.integer != nil }, "\(replies.prefix(3))")
            func resident() async throws -> Int? {
                try await admin.infoFields("runners")["resources_in_memory"].flatMap { Int($0) }
            }
            #expect(try await resident() == 0)
            _ = try await admin.track(session: other, path: "x.swift", type: .code, access: .view, tokens: 2)
            #expect(try await resident() == 1)
            // The busy session, read back from the database, answers as before.
            #expect(try await admin.track(session: busy, path: "p0.swift", type: .code, access: .view, tokens: 2) == 4)
            try await admin.close()
        }
    }

    @Test func manyAgentsOfOneOrganizationInOneSession() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession(label: "shared")
            var agents: [(PrioritizerClient, UUID)] = []
            for index in 0..<3 {
                let credentials = try await live.store.createAgent(orgID: live.acme.agent.orgID, name: "worker\(index)", role: .agent)
                agents.append((try await live.client(credentials.token), credentials.agent.agentID))
            }
            var expected = 0
            for round in 0..<3 {
                for (client, _) in agents {
                    expected += 1
                    #expect(try await client.track(session: session, path: "common.swift", type: .code, access: .view, tokens: 4) == expected)
                }
                _ = round
            }
            let sql = try await live.sql()
            for (_, agentID) in agents {
                let rows = try await sql.query(
                    "SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid AND agent_id = \(agentID.uuidString.lowercased())::uuid")
                #expect(try rows[0].decode(0, as: Int.self) == 3)
            }
            await sql.close()
            #expect(try await admin.sessionGet(session).agent == "admin")
            for (client, _) in agents { try await client.close() }
            try await admin.close()
        }
    }
}
