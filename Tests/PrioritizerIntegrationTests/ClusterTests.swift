import Foundation
import Logging
import PrioritizerServer
import Prioritization
import PrioritizerClient
import PrioritizerStore
import TestSupport
import Testing

/// Issue 8: several nodes on one database behave as one server.
@Suite("Several nodes on one database") struct ClusterTests {
    static let paths = (0..<12).map { "src/module\($0).swift" }
    static func tokens(of path: String) -> Int { 150 * ((paths.firstIndex(of: path) ?? 0) + 1) }

    /// One request of a scripted agent run, against one of two sessions.
    enum Step {
        case track(session: Int, path: String, access: PrioritizerClient.AccessType, at: Int64)
        case importance(session: Int, path: String, at: Int64)
        case top(session: Int, at: Int64)
        case prioritize(session: Int, budget: Int, strategy: PrioritizerClient.Strategy, at: Int64, dryRun: Bool)
        case info(session: Int)
    }

    /// What a step answered. Importance is compared within 1e-9: a node that reloads a session
    /// sums the same decayed weights in SQL, in another order.
    enum Answer: Equatable, CustomStringConvertible {
        case count(Int)
        case importance(Double?)
        case paths([String])
        case info(resources: Int, accesses: Int)

        static func == (a: Answer, b: Answer) -> Bool {
            switch (a, b) {
            case (.count(let x), .count(let y)): x == y
            case (.importance(let x?), .importance(let y?)): relativelyEqual(x, y)
            case (.importance(nil), .importance(nil)): true
            case (.paths(let x), .paths(let y)): x == y
            case (.info(let r1, let a1), .info(let r2, let a2)): r1 == r2 && a1 == a2
            default: false
            }
        }

        var description: String {
            switch self {
            case .count(let count): "count \(count)"
            case .importance(let value): "importance \(value.map { "\($0)" } ?? "nil")"
            case .paths(let paths): "paths \(paths)"
            case .info(let resources, let accesses): "info \(resources) resources, \(accesses) accesses"
            }
        }
    }

    static func script(steps: Int, seed: UInt64) -> [Step] {
        var random = SeededGenerator(seed: seed)
        let accesses: [PrioritizerClient.AccessType] = [.view, .edit, .execute, .reference]
        let strategies: [PrioritizerClient.Strategy] = [.greedy, .density, .optimal]
        var at = epochMs
        return (0..<steps).map { _ in
            at += Int64.random(in: 1_000...90_000, using: &random)
            let session = Int.random(in: 0...1, using: &random)
            let path = paths.randomElement(using: &random)!
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return .importance(session: session, path: path, at: at)
            case 1: return .top(session: session, at: at)
            case 2: return .prioritize(session: session, budget: 1_200, strategy: strategies.randomElement(using: &random)!, at: at, dryRun: true)
            case 3: return .prioritize(session: session, budget: 2_000, strategy: strategies.randomElement(using: &random)!, at: at, dryRun: false)
            case 4: return .info(session: session)
            default: return .track(session: session, path: path, access: accesses.randomElement(using: &random)!, at: at)
            }
        }
    }

    /// Runs the script one request at a time, step `i` on `clients[i % clients.count]`.
    /// Related resources are left out: each node learns relations from the traffic it sees.
    static func run(_ steps: [Step], sessions: [String], clients: [PrioritizerClient]) async throws -> [Answer] {
        var answers: [Answer] = []
        for (index, step) in steps.enumerated() {
            let client = clients[index % clients.count]
            switch step {
            case .track(let session, let path, let access, let at):
                answers.append(.count(try await client.track(
                    session: sessions[session], path: path, type: .code, access: access, tokens: tokens(of: path), at: at)))
            case .importance(let session, let path, let at):
                answers.append(.importance(try await client.importance(session: sessions[session], path: path, at: at)))
            case .top(let session, let at):
                answers.append(.paths(try await client.top(session: sessions[session], limit: 6, at: at, related: false).map(\.path)))
            case .prioritize(let session, let budget, let strategy, let at, let dryRun):
                let chosen = try await client.prioritize(
                    session: sessions[session], budget: budget, strategy: strategy, at: at, dryRun: dryRun, related: false)
                answers.append(.paths(chosen.map(\.path).sorted()))
            case .info(let session):
                let info = try await client.sessionGet(sessions[session])
                answers.append(.info(resources: info.resources, accesses: info.accesses))
            }
        }
        return answers
    }

    @Test(arguments: [2, 3])
    func requestsAlternatingBetweenNodesAnswerAsOneNode(nodes: Int) async throws {
        let steps = Self.script(steps: 240, seed: 8)
        let single = try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let sessions = [try await client.createSession(halfLife: 900), try await client.createSession(halfLife: 300)]
            let answers = try await Self.run(steps, sessions: sessions, clients: [client])
            try await client.close()
            return answers
        }
        let (several, reloads) = try await NodeCluster.with(nodes: nodes) { cluster in
            var clients: [PrioritizerClient] = []
            for index in 0..<nodes { clients.append(try await cluster.client(index)) }
            let sessions = [try await clients[0].createSession(halfLife: 900), try await clients[1].createSession(halfLife: 300)]
            let answers = try await Self.run(steps, sessions: sessions, clients: clients)
            for client in clients { try await client.close() }
            var reloads = 0
            for node in cluster.nodes { reloads += node.runners.sessionsReloaded }
            return (answers, reloads)
        }
        #expect(several.count == single.count)
        for (index, (one, many)) in zip(single, several).enumerated() where one != many {
            Issue.record("step \(index) (\(steps[index])): one node \(one), \(nodes) nodes \(many)")
        }
        // The nodes really did take turns on the sessions: copies went stale and were reloaded.
        #expect(reloads > 0)
        print("\(nodes) nodes alternating: \(steps.count) requests answered as by one node; \(reloads) session reloads")
    }

    @Test func concurrentTracksOnThreeNodesLoseNoUpdate() async throws {
        let connections = 6, perConnection = 150, halfLife = 600.0
        try await NodeCluster.with(nodes: 3) { cluster in
            let admin = try await cluster.client(0)
            let session = try await admin.createSession(halfLife: halfLife)
            try await admin.close()
            let answered = try await withThrowingTaskGroup(of: [(String, Int)].self) { group in
                for connection in 0..<connections {
                    group.addTask {
                        let client = try await cluster.client(connection % 3)
                        var counts: [(String, Int)] = []
                        for index in 0..<perConnection {
                            let path = Self.paths[(connection + index) % 8]
                            let count = try await client.track(
                                session: session, path: path, type: .code, access: index % 3 == 0 ? .edit : .view,
                                tokens: Self.tokens(of: path), at: epochMs + Int64(connection * 1_000_000 + index * 1_000))
                            counts.append((path, count))
                        }
                        try await client.close()
                        return counts
                    }
                }
                return try await group.reduce(into: [(String, Int)]()) { $0 += $1 }
            }
            // Each path's TRACKs were answered 1, 2, …, n, each number once: serialized, none lost.
            for path in Self.paths.prefix(8) {
                let counts = answered.filter { $0.0 == path }.map(\.1).sorted()
                #expect(counts == Array(1...counts.count), "\(path): \(counts)")
            }

            let sql = try await cluster.database.connect()
            let rows = try await FaultTests.CrashDurabilityTests.loggedAccesses(sql)
            await sql.close()
            #expect(rows.count == connections * perConnection)
            let expected = FaultTests.CrashDurabilityTests.replay(rows, halfLifeSeconds: halfLife)
            let at = epochMs + 10_000_000
            for node in 0..<3 {
                let client = try await cluster.client(node)
                #expect(try await client.sessionGet(session).accesses == rows.count, "node \(node)")
                for path in Self.paths.prefix(8) {
                    let served = try await client.importance(session: session, path: path, at: at)
                    let replayed = expected.importance(of: path, at: at)
                    #expect(served.map { relativelyEqual($0, replayed ?? -1) } == true, "node \(node) \(path): \(String(describing: served)) vs \(String(describing: replayed))")
                }
                let top = try await client.top(session: session, limit: 8, at: at, related: false)
                #expect(top.map(\.path) == expected.top(8, at: at).map(\.resource.path), "node \(node)")
                let chosen = try await client.prioritize(session: session, budget: 3_000, strategy: .optimal, at: at, dryRun: true, related: false)
                let packed = Packer.pack(expected.candidates(at: at), PackingRequest(budget: 3_000, strategy: .optimal))
                #expect(Set(chosen.map(\.path)) == Set(packed.chosenPaths), "node \(node)")
                try await client.close()
            }
            print("3 nodes, \(connections) connections: \(answered.count) concurrent TRACKs into one session, counts serialized, every node answers as the replay of the rows")
        }
    }

    /// A revocation made on another node, or from the command line (the store call that
    /// `prioritizer agent revoke` makes), stops the token on this node's open connections at
    /// once. The nodes here trust a checked login for a minute: only the revocation notice
    /// (migrations/0012, `RevocationWatch`) can end that trust before the deadline.
    @Test func revocationsMadeElsewhereReachOpenConnectionsAtOnce() async throws {
        try await NodeCluster.with(nodes: 2, recheckInterval: .seconds(60)) { cluster in
            let adminOnA = try await cluster.client(0)
            let commandLine = PostgresResourceService(conninfo: cluster.database.conninfo, connections: 1)
            let orgID = cluster.acme.agent.orgID
            for (name, revoke) in [
                ("via-node", { try await adminOnA.agentRevoke(name: "via-node") }),
                ("via-command-line", { _ = try await commandLine.revokeAgent(orgID: orgID, name: "via-command-line") }),
            ] as [(String, () async throws -> Void)] {
                let token = try await adminOnA.agentCreate(name: name, role: .agent)
                let onB = try await cluster.client(1, token: token)
                #expect(try await onB.whoami().agent == name)
                try await revoke()
                let revoked = ContinuousClock.now
                var reply = try await onB.send(["WHOAMI"])
                while reply != .error("WRONGPASS invalid token"), ContinuousClock.now - revoked < .seconds(10) {
                    try await Task.sleep(for: .milliseconds(20))
                    reply = try await onB.send(["WHOAMI"])
                }
                #expect(reply == .error("WRONGPASS invalid token"), "\(name): still \(reply) after \(ContinuousClock.now - revoked)")
                try await onB.close()
            }
            await commandLine.pool.close()
            try await adminOnA.close()
        }
    }

    @Test func administrationAndClosingReachEveryNode() async throws {
        try await NodeCluster.with(nodes: 2) { cluster in
            let adminOnA = try await cluster.client(0)
            // An agent made on one node logs in on the other at once.
            let token = try await adminOnA.agentCreate(name: "roamer", role: .agent)
            let roamerOnB = try await cluster.client(1, token: token)
            #expect(try await roamerOnB.whoami().agent == "roamer")
            let session = try await roamerOnB.createSession()
            #expect(try await roamerOnB.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 10) == 1)

            // Closed on A while B holds it in memory: B refuses the next TRACK and reports it closed.
            try await adminOnA.sessionClose(session)
            let refused = try await roamerOnB.send(["TRACK", session, "a.swift", "code", "view"])
            #expect(refused == .error("ERR session is closed"), "\(refused)")
            #expect(try await roamerOnB.sessionGet(session).closed)
            #expect(try await roamerOnB.sessionGet(session).accesses == 1)

            // Revoked on A: B's open connection stops working within a second.
            try await adminOnA.agentRevoke(name: "roamer")
            try await Task.sleep(for: .milliseconds(1_200))
            #expect(try await roamerOnB.send(["WHOAMI"]) == .error("WRONGPASS invalid token"))
            try await roamerOnB.close()
            try await adminOnA.close()
        }
    }

    /// A node that had a session in memory while another node wrote it, and is then left alone,
    /// does not answer from that copy: alone, a node trusts its memory, so a copy it kept from
    /// before must be checked against the database first. Before, its next TRACK counted from
    /// the old copy (2 instead of 5) and its reads missed the other node's writes.
    @Test func aNodeLeftAloneChecksTheSessionsItKeptFromBefore() async throws {
        try await NodeCluster.with(nodes: 2) { cluster in
            let onA = try await cluster.client(0)
            let onB = try await cluster.client(1)
            let session = try await onA.createSession(label: "kept")
            #expect(try await onA.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) == 1)
            for count in 2...4 {
                #expect(try await onB.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) == Int64(count))
            }
            try await onB.close()
            try await cluster.leave(1)
            #expect(try await eventually(.seconds(10)) { cluster.nodes[0].runners.membership.isAlone })

            #expect(try await onA.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) == 5)
            #expect(try await onA.sessionGet(session).accesses == 5)
            try await onA.close()
        }
    }

    /// A TRACK taken while the node was not alone (from a copy another node had written past) is
    /// answered the database's count even if the node is alone by the time it commits. Before,
    /// "alone now" was enough to answer the node's own count: 2, which the other node had
    /// already answered, instead of 3. The commit is held on a lock until the node is alone.
    @Test func aTrackTakenBeforeTheNodeWasAloneIsAnsweredTheDatabasesCount() async throws {
        var timing = ClusterMembership.Timing()
        timing.heartbeatInterval = .seconds(2)
        timing.liveness = .seconds(20)
        try await NodeCluster.with(nodes: 2, clusterTiming: timing) { cluster in
            let onA = try await cluster.client(0)
            let onB = try await cluster.client(1)
            let session = try await onA.createSession(label: "counted before alone")
            #expect(try await onA.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) == 1)
            #expect(try await onB.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) == 2)
            try await onB.close()
            let blocker = try await cluster.database.connect()
            try await blocker.execute("BEGIN")
            try await blocker.execute("LOCK TABLE prioritizer.session_resources IN ACCESS EXCLUSIVE MODE")
            let membership = cluster.nodes[0].runners.membership
            // Taken while B is live (A is not alone), its commit held on the lock…
            let reply = Task { try await onA.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) }
            #expect(try await eventually(.seconds(10)) {
                try await cluster.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0
            })
            // …until B has left and A is alone.
            try await cluster.leave(1)
            #expect(try await eventually(.seconds(15)) { membership.isAlone })
            try await blocker.execute("ROLLBACK")
            await blocker.close()
            #expect(try await reply.value == 3)
            try await onA.close()
        }
    }

    /// TRACKs taken while the node was not alone wait for their session's earlier batch even
    /// once the node is alone: they are answered the database's counts, which need the batches
    /// in order. Here a burst of 200 (batches of 100) is taken from a copy another node wrote past;
    /// the first batch is held on a lock until the node is alone. Before, the second batch then
    /// started beside it, and the overlap answered both the stale copy's counts (2… for 3…).
    @Test func tracksTakenBeforeTheNodeWasAloneDoNotOverlapTheirSessionsBatches() async throws {
        var timing = ClusterMembership.Timing()
        timing.heartbeatInterval = .seconds(2)
        timing.liveness = .seconds(20)
        let configuration = RunnerConfiguration(workers: 1, maxBatch: 100)
        try await NodeCluster.with(nodes: 2, configuration: configuration, clusterTiming: timing) { cluster in
            let onA = try await cluster.client(0)
            let onB = try await cluster.client(1)
            let session = try await onA.createSession(label: "burst before alone")
            let other = try await onA.createSession(label: "pump")
            #expect(try await onA.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) == 1)
            #expect(try await onB.track(session: session, path: "x.swift", type: .code, access: .view, tokens: 5) == 2)
            try await onB.close()
            let blocker = try await cluster.database.connect()
            try await blocker.execute("BEGIN")
            try await blocker.execute("LOCK TABLE prioritizer.session_resources IN ACCESS EXCLUSIVE MODE")
            let membership = cluster.nodes[0].runners.membership
            let port = cluster.nodes[0].port, token = cluster.acme.token
            let burst = Task { try await offloaded { () throws -> [RESPReply] in
                let socket = try RawSocket(port: port, receiveTimeoutSeconds: 60)
                try socket.write(RawSocket.encode(["AUTH", token]))
                _ = try socket.readReplies(1)
                let tracks = Array(repeating: ["TRACK", session, "x.swift", "CODE", "VIEW", "TOKENS", "5"], count: 200)
                try socket.write(tracks.flatMap(RawSocket.encode))
                return try socket.readReplies(200)
            } }
            // Taken while B is live (A is not alone): the first batch held on the lock, the second
            // waiting behind it…
            #expect(try await eventually(.seconds(10)) {
                try await cluster.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0
            })
            // …until B has left and A is alone.
            try await cluster.leave(1)
            #expect(try await eventually(.seconds(15)) { membership.isAlone })
            // Something for the runner to start a commit on, now that the node is alone.
            let pump = Task { try await onA.track(session: other, path: "y.swift", type: .code, access: .view, tokens: 5) }
            try await Task.sleep(for: .milliseconds(300))
            try await blocker.execute("ROLLBACK")
            await blocker.close()
            #expect(try await burst.value == (3...202).map { RESPReply.integer($0) })
            _ = try await pump.value
            try await onA.close()
        }
    }

    /// A node left alone again does not trust resource facts it cached before other nodes could
    /// change them: here, while this node was idle, another node stated 9 tokens for a path this
    /// node had cached at 5, then left; this node's next TRACK stating 5 again must write 5.
    /// Before, the cache still said 5, the write was skipped as no change, and `resources` kept 9.
    @Test func aNodeLeftAloneDoesNotTrustResourceFactsCachedBefore() async throws {
        try await NodeCluster.with(nodes: 1) { cluster in
            let onA = try await cluster.client(0)
            let session = try await onA.createSession(label: "facts")
            // Alone: the facts of p.swift (5 tokens) are cached.
            #expect(try await onA.track(session: session, path: "p.swift", type: .code, access: .view, tokens: 5) == 1)
            try await cluster.addNode()
            let onB = try await cluster.client(1)
            #expect(try await eventually(.seconds(10)) { !cluster.nodes[0].runners.membership.isAlone })
            #expect(try await onB.track(session: session, path: "p.swift", type: .code, access: .view, tokens: 9) == 2)
            try await onB.close()
            try await cluster.leave(1)
            #expect(try await eventually(.seconds(10)) { cluster.nodes[0].runners.membership.isAlone })

            #expect(try await onA.track(session: session, path: "p.swift", type: .code, access: .view, tokens: 5) == 3)
            let stored = try await cluster.database.connect()
            let tokens = try await stored.query("SELECT token_count FROM prioritizer.resources WHERE path = 'p.swift'")[0]
                .decode(0, as: Int.self)
            await stored.close()
            #expect(tokens == 5)
            try await onA.close()
        }
    }

    @Test func aKilledNodeLosesNothingAndAnotherServesItsSessions() async throws {
        let halfLife = 120.0
        try await withTestDatabase { database in
            let setup = PostgresResourceService(conninfo: database.conninfo, connections: 1)
            let (_, acme) = try await setup.createOrganization(name: "acme")
            await setup.pool.close()
            let doomed = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "2"])
            let survivor = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "2"])
            let client = try await PrioritizerClient.connect(host: "127.0.0.1", port: survivor.port, token: acme.token)
            let session = try await client.createSession(halfLife: halfLife)
            // The survivor holds the session in memory before the other node writes into it.
            let first = TrackLoad.paths[0]
            #expect(try await client.track(session: session, path: first, type: .code, access: .view, tokens: TrackLoad.tokens(of: first), at: epochMs - 1) == 1)

            let load = TrackLoad(port: doomed.port, token: acme.token, sessions: [session], connections: 4, baseAt: epochMs)
            await load.waitForAcknowledged(2_000)
            await doomed.crash()
            let outcome = await load.finished()
            #expect(outcome.acknowledged.count >= 2_000)

            let sql = try await database.connect()
            let rows = try await FaultTests.CrashDurabilityTests.loggedAccesses(sql)
            await sql.close()
            let persisted = Set(rows.map { "\($0.session) \($0.at)" })
            let lost = outcome.acknowledged.filter { !persisted.contains("\($0.session) \($0.at)") }
            #expect(lost.isEmpty, "\(lost.count) acknowledged TRACKs have no row")

            let expected = FaultTests.CrashDurabilityTests.replay(rows, halfLifeSeconds: halfLife)
            let at = epochMs + 50_000_000
            #expect(try await client.sessionGet(session).accesses == rows.count)
            for path in TrackLoad.paths {
                let served = try await client.importance(session: session, path: path, at: at)
                let replayed = expected.importance(of: path, at: at)
                #expect(served.map { relativelyEqual($0, replayed ?? -1) } == true, "\(path): \(String(describing: served)) vs \(String(describing: replayed))")
            }
            #expect(try await client.top(session: session, limit: 100, at: at, related: false).map(\.path)
                == expected.top(100, at: at).map(\.resource.path))
            for strategy in [PrioritizerClient.Strategy.greedy, .optimal] {
                let served = try await client.prioritize(session: session, budget: 1_500, strategy: strategy, at: at, dryRun: true, related: false)
                let packed = Packer.pack(
                    expected.candidates(at: at), PackingRequest(budget: 1_500, strategy: try PackingStrategy(word: strategy.rawValue)))
                #expect(Set(served.map(\.path)) == Set(packed.chosenPaths), "\(strategy)")
            }
            // Tracking carries on from what the killed node committed.
            let count = expected[first]?.accessCount ?? 0
            #expect(try await client.track(session: session, path: first, type: .code, access: .view, tokens: TrackLoad.tokens(of: first), at: at) == count + 1)
            print("node killed: \(outcome.acknowledged.count) acknowledged by it, \(rows.count) rows, \(lost.count) lost; the other node answers as their replay")
            try await client.close()
            await survivor.stop()
        }
    }
}

/// The lease that lets a lone node skip version checks, on a real database.
@Suite("Node membership") struct NodeMembershipTests {
    @Test func aNodeIsAloneUntilAnotherJoinsAndTheNewcomerHoldsBackOneLease() async throws {
        try await withTestDatabase { database in
            var logger = Logger(label: "test.membership")
            logger.logLevel = .critical
            let store = PostgresResourceService(conninfo: database.conninfo, connections: 2)
            let first = ClusterMembership(store: store, logger: logger)
            try await first.join(address: "first")
            // Alone is a lease from the start of the latest heartbeat: on a loaded machine the
            // one that ended the join may have taken longer than the lease (stop 12's CI), and the
            // next heartbeat renews it. Under the whole suite's load a run of heartbeats can each
            // take longer than the 1 s lease for seconds on end (session 25's full run: not alone
            // within 5 s), so the wait is long; being alone is what is checked, not how soon.
            #expect(try await eventually(.seconds(30)) { first.isAlone }, "alone after joining an empty cluster")
            let firstPeriod = try #require(first.currentAloneEpoch)

            let second = ClusterMembership(store: store, logger: logger)
            let started = ContinuousClock.now
            try await second.join(address: "second")
            let held = ContinuousClock.now - started
            // The newcomer waited out the lease the first node may still have been holding…
            #expect(held >= second.timing.lease, "joined after \(held)")
            #expect(!second.isAlone)
            // …by the end of which the first node knows it is not alone.
            #expect(!first.isAlone)
            // Which node it is not alone with, its next heartbeat tells: under the suite's load
            // (a fresh-clone .ci/run) that heartbeat came after the join returned.
            #expect(try await eventually(.seconds(30)) { first.otherLiveNodes == 1 })

            await second.leave()
            #expect(try await eventually(.seconds(30)) { first.isAlone }, "alone again once the other node left")
            // The other node may have written meanwhile: a new period, whose copies are checked.
            #expect(try #require(first.currentAloneEpoch) > firstPeriod)
            await first.leave()
            #expect(!first.isAlone)
            await store.pool.close()
        }
    }
}

/// How a lone node's lease lapsing between heartbeats bears on its period of being alone, which
/// decides whether its session copies are checked again (`LoadedSession.isTrusted`).
@Suite("Alone periods") struct AlonePeriodTests {
    /// Heartbeats slower than the lease but well inside the liveness window, with no other node:
    /// the lease lapses between beats, yet no newcomer could have written unseen, so the node
    /// stays in one period. Before, every renewal began a new one, and a loaded database (whose
    /// slow heartbeats let the lease lapse) had every session checked again.
    @Test func aLeaseThatLapsesWithNoOneElseLiveKeepsThePeriod() async throws {
        var timing = ClusterMembership.Timing()
        timing.lease = .milliseconds(100)
        timing.heartbeatInterval = .milliseconds(400)
        timing.liveness = .seconds(30)
        let periods = try await Self.periods(seenOver: 4, timing: timing)
        #expect(Set(periods).count == 1, "periods \(periods)")
    }

    /// Heartbeats further apart than half the liveness window: others may have counted the node
    /// gone and written as if alone, so each renewal begins a new period.
    @Test func heartbeatsThatLapsePastHalfTheLivenessBeginANewPeriod() async throws {
        var timing = ClusterMembership.Timing()
        timing.lease = .milliseconds(100)
        timing.heartbeatInterval = .milliseconds(700)
        timing.liveness = .seconds(1)
        let periods = try await Self.periods(seenOver: 3, timing: timing)
        #expect(periods == periods.sorted() && Set(periods).count == periods.count, "periods \(periods)")
    }

    /// A heartbeat that committed but whose reply was lost (here: one that throws after writing)
    /// begins a new period: a newcomer may have taken its stamp for this node having seen it, then
    /// written and left before the next heartbeat, with no lapse to tell.
    @Test func aHeartbeatThatFailsBeginsANewPeriod() async throws {
        var timing = ClusterMembership.Timing()
        timing.lease = .milliseconds(100)
        timing.heartbeatInterval = .milliseconds(400)
        timing.liveness = .seconds(30)
        let periods = try await Self.periods(seenOver: 3, timing: timing) { store, stretch in
            if stretch == 1 { store.failNextHeartbeat() }
        }
        #expect(periods.count == 3 && periods[0] == periods[1] && periods[2] > periods[1], "periods \(periods)")
    }

    /// Two nodes registering at the same moment may each miss the other (each transaction's
    /// snapshot taken before the other's row committed). A registering heartbeat that finds no
    /// one grants no lease; the one that confirms it at once finds the other node, and the
    /// newcomer then holds back like any newcomer. Before, it was alone from its registering
    /// heartbeat and served at once, while the other node was alone too.
    @Test func aNodeWhoseRegistrationMissedAnotherHoldsBackOnceItSeesIt() async throws {
        try await withTestDatabase { database in
            var logger = Logger(label: "test.membership")
            logger.logLevel = .critical
            let store = PostgresResourceService(conninfo: database.conninfo, connections: 2)
            let first = ClusterMembership(store: store, logger: logger)
            try await first.join(address: "first")
            #expect(try await eventually { first.isAlone })

            let faults = HeartbeatFaults(store)
            faults.hideOthersOnNextHeartbeat()
            let second = ClusterMembership(store: faults, logger: logger)
            let started = ContinuousClock.now
            try await second.join(address: "second")
            let held = ContinuousClock.now - started
            #expect(!second.isAlone)
            #expect(held >= second.timing.lease, "served after \(held)")
            #expect(!first.isAlone)
            await second.leave()
            await first.leave()
            await store.pool.close()
        }
    }

    /// The period of each of `count` stretches of being alone, each seen after a lapse, for a
    /// node alone on a fresh database with `timing`; `between(store, index)` runs after each.
    static func periods(
        seenOver count: Int, timing: ClusterMembership.Timing,
        between: (HeartbeatFaults, Int) -> Void = { _, _ in }
    ) async throws -> [Int] {
        try await withTestDatabase { database in
            var logger = Logger(label: "test.membership")
            logger.logLevel = .critical
            let store = PostgresResourceService(conninfo: database.conninfo, connections: 1)
            let faults = HeartbeatFaults(store)
            let node = ClusterMembership(store: faults, timing: timing, logger: logger)
            try await node.join(address: "alone")
            var periods: [Int] = []
            for index in 0..<count {
                var period: Int?
                #expect(try await eventually(.seconds(20)) {
                    period = node.currentAloneEpoch
                    return period != nil
                })
                periods.append(try #require(period))
                #expect(try await eventually(.seconds(20)) { !node.isAlone }, "the lease lapses between beats")
                between(faults, index)
            }
            await node.leave()
            await store.pool.close()
            return periods
        }
    }

    /// PostgreSQL's service, whose next heartbeat can be made to fail after it committed.
    final class HeartbeatFaults: ResourceService, @unchecked Sendable {
        let base: PostgresResourceService
        private let lock = NSLock()
        private var failNext = false
        private var hideOthersNext = false
        init(_ base: PostgresResourceService) { self.base = base }

        func failNextHeartbeat() { lock.withLock { failNext = true } }
        /// The next heartbeat finds no other node, as one whose snapshot was taken before their
        /// rows committed does.
        func hideOthersOnNextHeartbeat() { lock.withLock { hideOthersNext = true } }

        func heartbeat(_ node: NodeRegistration, liveness: Duration, othersSince: Date?) async throws -> NodeHeartbeat {
            var result = try await base.heartbeat(node, liveness: liveness, othersSince: othersSince)
            let (fail, hide) = lock.withLock { () -> (Bool, Bool) in
                defer { (failNext, hideOthersNext) = (false, false) }
                return (failNext, hideOthersNext)
            }
            if fail { throw StoreError.unavailable("the heartbeat's reply was lost (test)") }
            if hide { result.otherLiveNodes = 0 }
            return result
        }

        func removeNode(_ nodeID: UUID) async throws { try await base.removeNode(nodeID) }
        func createOrganization(name: String) async throws -> (Organization, AgentCredentials) { try await base.createOrganization(name: name) }
        func organization(named name: String) async throws -> Organization? { try await base.organization(named: name) }
        func createAgent(orgID: UUID, name: String, role: AgentRole) async throws -> AgentCredentials {
            try await base.createAgent(orgID: orgID, name: name, role: role)
        }
        func revokeAgent(orgID: UUID, name: String) async throws -> Bool { try await base.revokeAgent(orgID: orgID, name: name) }
        func agents(orgID: UUID) async throws -> [AgentRecord] { try await base.agents(orgID: orgID) }
        func authenticate(token: String) async throws -> AuthenticatedAgent? { try await base.authenticate(token: token) }
        func isAgentActive(orgID: UUID, agentID: UUID) async throws -> Bool { try await base.isAgentActive(orgID: orgID, agentID: agentID) }
        func agentsRevoked(since: Date) async throws -> [UUID] { try await base.agentsRevoked(since: since) }
        func watchRevocations(_ onRevoked: @escaping @Sendable () -> Void) async { await base.watchRevocations(onRevoked) }
        func grantAnalyst(orgID: UUID, role: String, password: String?) async throws {
            try await base.grantAnalyst(orgID: orgID, role: role, password: password)
        }
        func createSession(orgID: UUID, _ session: NewSession) async throws -> SessionRecord { try await base.createSession(orgID: orgID, session) }
        func session(orgID: UUID, sessionID: UUID) async throws -> SessionRecord? { try await base.session(orgID: orgID, sessionID: sessionID) }
        func sessionVersion(orgID: UUID, sessionID: UUID) async throws -> SessionVersion? {
            try await base.sessionVersion(orgID: orgID, sessionID: sessionID)
        }
        func sessionIDs(orgID: UUID, limit: Int) async throws -> [UUID] { try await base.sessionIDs(orgID: orgID, limit: limit) }
        func closeSession(orgID: UUID, sessionID: UUID) async throws -> Bool { try await base.closeSession(orgID: orgID, sessionID: sessionID) }
        func lastKnownTokenCount(orgID: UUID, path: String) async throws -> Int? { try await base.lastKnownTokenCount(orgID: orgID, path: path) }
        func sessionResources(orgID: UUID, sessionID: UUID) async throws -> [SessionResourceRecord] {
            try await base.sessionResources(orgID: orgID, sessionID: sessionID)
        }
        func accessTypeCounts(orgID: UUID, sessionID: UUID) async throws -> AccessTypeCounts {
            try await base.accessTypeCounts(orgID: orgID, sessionID: sessionID)
        }
        func latestRun(orgID: UUID, sessionID: UUID) async throws -> PrioritizationRunRecord? { try await base.latestRun(orgID: orgID, sessionID: sessionID) }
        func relations(orgID: UUID) async throws -> StoredRelations { try await base.relations(orgID: orgID) }
        func writeRelations(orgID: UUID, _ changes: CoAccessGraph.Changes, halfLifeSeconds: Double) async throws {
            try await base.writeRelations(orgID: orgID, changes, halfLifeSeconds: halfLifeSeconds)
        }
        func commit(_ batch: WriteBatch) async throws -> CommitOutcome { try await base.commit(batch) }
    }
}

/// A node joins right after the migrations ran; a database that stops answering in between (a
/// restart, a connect slower than the pool's timeout on a loaded machine) is waited out, within
/// the join's patience. Each test stops a private cluster: the suite's shared one never stops.
@Suite("Joining while the database is away") struct JoinPatienceTests {
    static func quietLogger() -> Logger {
        var logger = Logger(label: "test.join")
        logger.logLevel = .critical
        return logger
    }

    @Test func aJoinWaitsForADatabaseThatComesBack() async throws {
        try await FaultTests.DatabaseOutageTests.withPrivateCluster { cluster in
            let store = PostgresResourceService(conninfo: cluster.conninfo, connections: 1)
            try await offloaded { try cluster.stop() }
            // A patience well past the cluster's restart: on a machine busy with the whole suite
            // that restart once took longer than the default 10 s, and the join rightly gave up.
            // That the join waits at all is what is checked.
            var timing = ClusterMembership.Timing()
            timing.joinPatience = .seconds(60)
            let membership = ClusterMembership(store: store, timing: timing, logger: Self.quietLogger())
            let joining = Task { try await membership.join(address: "late") }
            try await Task.sleep(for: .milliseconds(600))
            try await cluster.start()
            // Without the patience the first heartbeat's `unavailable` ends the join at once.
            try await joining.value
            #expect(try await eventually { membership.isAlone })
            await membership.leave()
            await store.pool.close()
        }
    }

    @Test func aJoinGivesUpWhenTheDatabaseStaysAway() async throws {
        try await FaultTests.DatabaseOutageTests.withPrivateCluster { cluster in
            let store = PostgresResourceService(conninfo: cluster.conninfo, connections: 1)
            try await offloaded { try cluster.stop() }
            var timing = ClusterMembership.Timing()
            timing.joinPatience = .seconds(1)
            let membership = ClusterMembership(store: store, timing: timing, logger: Self.quietLogger())
            let started = ContinuousClock.now
            await #expect(throws: StoreError.self) { try await membership.join(address: "never") }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(700), "gave up after \(waited), before its patience ran out")
            #expect(waited < .seconds(10), "waited \(waited) for a one-second patience")
            #expect(!membership.isAlone)
            await store.pool.close()
        }
    }
}
