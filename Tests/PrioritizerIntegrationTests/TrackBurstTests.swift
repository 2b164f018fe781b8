import Foundation
import TestSupport
import PrioritizerClient
@testable import PrioritizerServer
import Testing

/// A connection's read burst submits its consecutive TRACKs together, one call per runner: the
/// replies must be exactly those of the requests submitted one by one, and the burst's writes
/// must reach the group commit together.
@Suite("TRACK bursts") struct TrackBurstTests {
    /// TRACKs to sessions on both runners, to a session not yet in memory, to new paths without a
    /// token count (each a store call mid-burst), to an unknown session and with a bad argument,
    /// with other commands between them: every reply in its place, each path's counts 1, 2, 3, …
    @Test func mixedBurstIsAnsweredAsRequestsOneByOne() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let onRunner = try await Self.sessionsOnBothRunners(admin)
            let warm = onRunner[0], other = onRunner[1]
            #expect(try await admin.track(session: warm, path: "a.swift", type: .code, access: .view, tokens: 5) == 1)
            let cold = try await admin.createSession(label: "not loaded yet")
            let unknown = UUID().uuidString.lowercased()

            var words: [[String]] = []
            var expected: [RESPReply?] = []  // nil: a positive double (IMPORTANCE)
            var counts: [String: Int64] = ["\(warm) a.swift": 1]
            func track(_ session: String, _ path: String, tokens: Bool = true) {
                words.append(["TRACK", session, path, "CODE", "VIEW"] + (tokens ? ["TOKENS", "5"] : []))
                counts["\(session) \(path)", default: 0] += 1
                expected.append(.integer(counts["\(session) \(path)"]!))
            }
            for index in 0..<120 {
                switch index % 6 {
                case 0: track(warm, "a.swift")
                case 1: track(other, "b\(index % 4).swift")
                case 2: track(cold, "c.swift")
                case 3: track(warm, "new\(index % 5).swift", tokens: false)
                case 4:
                    words.append(["TRACK", unknown, "a.swift", "CODE", "VIEW"])
                    expected.append(.error("NOSESSION no such session"))
                default:
                    switch index / 6 % 3 {
                    case 0:
                        words.append(["PING"])
                        expected.append(.simpleString("PONG"))
                    case 1:
                        words.append(["TRACK", other, "b.swift", "NOTATYPE", "VIEW"])
                        expected.append(nil)
                    default:
                        words.append(["IMPORTANCE", warm, "a.swift"])
                        expected.append(nil)
                    }
                }
            }
            let requests = words
            let replies = try await Self.burst(requests, to: live)
            #expect(replies.count == expected.count)
            for (index, (reply, want)) in zip(replies, expected).enumerated() {
                if let want {
                    #expect(reply == want, "request \(index) \(requests[index])")
                } else if requests[index][0] == "IMPORTANCE" {
                    #expect(reply.double.map { $0 > 0 } == true, "request \(index): \(reply)")
                } else if case .error(let message) = reply {
                    #expect(message.hasPrefix("ERR"), "request \(index): \(message)")
                } else {
                    Issue.record("request \(index) \(requests[index]): \(reply), not an error")
                }
            }
            let acknowledged = expected.filter { if case .integer = $0 { true } else { false } }.count
            for session in [warm, other, cold] {
                let rows = try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid")
                let tracked = counts.filter { $0.key.hasPrefix(session) }.values.reduce(0, +)
                #expect(rows == Int(tracked), "session \(session)")
            }
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == acknowledged + 1)
            try await admin.close()
        }
    }

    /// TRACKs of sessions on different runners are taken in the order sent. What shows it: the
    /// organization's relation graph keeps the last token count stated for a path, and a session
    /// that never tracked the path sees it as a related resource with that count. Here the later
    /// TRACK states 7; taken runner by runner (the lower index first), the earlier one's 5 came last.
    @Test func tracksOfDifferentRunnersAreTakenInTheOrderSent() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let onRunner = try await Self.sessionsOnBothRunners(admin)
            let (earlier, later) = (onRunner[1], onRunner[0])
            // q.swift now and p.swift in the burst, in one window of `earlier`: relates the two.
            #expect(try await admin.track(session: earlier, path: "q.swift", type: .code, access: .view, tokens: 1) == 1)
            let replies = try await Self.burst([
                ["TRACK", earlier, "p.swift", "CODE", "VIEW", "TOKENS", "5"],
                ["TRACK", later, "p.swift", "CODE", "VIEW", "TOKENS", "7"],
            ], to: live)
            #expect(replies == [.integer(1), .integer(1)])
            let reader = try await admin.createSession(label: "reader")
            #expect(try await admin.track(session: reader, path: "q.swift", type: .code, access: .view, tokens: 1) == 1)
            let related = try await admin.top(session: reader, related: true).first { $0.path == "p.swift" }
            #expect(related?.tokens == 7, "\(String(describing: related))")
            try await admin.close()
        }
    }

    /// AUTH inside a burst splits its TRACKs by identity (AUTH is a barrier: the TRACKs after it
    /// are submitted once it completed): those before it act for the first organization, those
    /// after it for the second, which cannot see the first's session.
    @Test func authInsideABurstSplitsItsTracksByIdentity() async throws {
        try await LiveServer.with { live in
            let acme = try await live.client(live.acme.token)
            let globex = try await live.client(live.globex.token)
            let acmeSession = try await acme.createSession(label: "acme")
            let globexSession = try await globex.createSession(label: "globex")
            var words: [[String]] = []
            for _ in 0..<3 { words.append(["TRACK", acmeSession, "a.swift", "CODE", "VIEW", "TOKENS", "5"]) }
            words.append(["TRACK", globexSession, "g.swift", "CODE", "VIEW", "TOKENS", "5"])
            words.append(["AUTH", live.globex.token])
            for _ in 0..<3 {
                words.append(["TRACK", acmeSession, "a.swift", "CODE", "VIEW", "TOKENS", "5"])
                words.append(["TRACK", globexSession, "g.swift", "CODE", "VIEW", "TOKENS", "5"])
            }
            let replies = try await Self.burst(words, to: live)
            let noSession = RESPReply.error("NOSESSION no such session")
            let expected: [RESPReply] = [.integer(1), .integer(2), .integer(3), noSession, .simpleString("OK"),
                                         noSession, .integer(1), noSession, .integer(2), noSession, .integer(3)]
            #expect(replies == expected)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(acmeSession)::uuid") == 3)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(globexSession)::uuid") == 3)
            try await acme.close()
            try await globex.close()
        }
    }

    /// A pipelined burst into an idle runner is one group commit. Taken one request at a time, its
    /// first TRACK started a commit of its own, and the rest (fewer than may start beside a
    /// commit in flight) waited for it: two commits, the first of one write.
    @Test func pipelinedBurstIntoAnIdleRunnerIsOneCommit() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession(label: "one commit")
            // Loads the session: the burst's TRACKs then need no wait.
            #expect(try await admin.track(session: session, path: "warm.swift", type: .code, access: .view, tokens: 5) == 1)
            let before = try await admin.infoFields("stats")
            let burst = 40
            let tracks = (0..<burst).map { index in ["TRACK", session, "f\(index % 8).swift", "CODE", "VIEW", "TOKENS", "5"] }
            let replies = try await Self.burst(tracks, to: live)
            let counts: [RESPReply] = (0..<burst).map { index in RESPReply.integer(Int64(index / 8 + 1)) }
            #expect(replies == counts)
            let after = try await admin.infoFields("stats")
            let commits = try #require(Int(after["commits"] ?? "")) - (try #require(Int(before["commits"] ?? "")))
            #expect(commits == 1, "the burst took \(commits) commits")
            #expect(Int(after["batch_size_max"] ?? "") == burst)
            try await admin.close()
        }
    }

    /// A burst longer than a batch is taken a batch at a time, each starting its commit when
    /// taken: `--max-pending` then bounds only the writes waiting for a commit slot, as with
    /// requests taken one by one, and does not refuse a long burst that the slots can hold.
    /// Here: batches of 100, two in flight, 150 waiting: 300 TRACKs fit with no commit ending.
    @Test func burstLongerThanABatchStartsItsCommitsAsItIsTaken() async throws {
        try await Self.expectWholeBurstTaken(300, configuration: RunnerConfiguration(workers: 2, maxBatch: 100, maxPending: 150))
    }

    /// A burst whose first TRACK must wait (its session is read from the database) while its
    /// agent is revoked: the TRACKs after it are refused, as when each request checked the login
    /// on its own. Before, the TRACKs after the one that waited were taken in the same call,
    /// without the login checked again, and acknowledged. The session's rows are locked from
    /// another connection, so that the read waits until the server has seen the revocation.
    @Test func tracksAfterOneThatWaitedAreRefusedOnceTheLoginIsRevoked() async throws {
        try await LiveServer.with { live in
            let burster = try await Burster(live, session: "not loaded yet")
            let blocker = try await live.sql()
            try await blocker.execute("BEGIN")
            try await blocker.execute("LOCK TABLE prioritizer.session_resources IN ACCESS EXCLUSIVE MODE")

            let socket = try await burster.sendFiveTracks()
            // The first TRACK's session read waits on the lock…
            #expect(try await eventually(.seconds(30)) {
                try await live.count("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND query LIKE '%session_resources%'
                    """) > 0
            })
            // …while the agent is revoked.
            try await burster.revoke(seenWithin: .seconds(10))
            try await blocker.execute("ROLLBACK")
            await blocker.close()
            try await burster.expectOnlyTheFirstTaken(from: socket, counting: 1)
        }
    }

    /// A burst that waits for the node's admission (held back, as after a heartbeat that lapsed
    /// beside other live nodes) while its agent is revoked: that wait comes after the login
    /// check, so only the first TRACK is taken after it and the rest are refused. Before, the
    /// whole burst was taken after the wait.
    @Test func tracksAfterTheNodesAdmissionWaitAreRefusedOnceTheLoginIsRevoked() async throws {
        try await LiveServer.with { live in
            let burster = try await Burster(live, session: "held back")
            #expect(try await burster.watcher.track(session: burster.session, path: "a.swift", type: .code, access: .view, tokens: 5) == 1)
            live.runners.membership.holdBack(until: .now + .seconds(10))

            let socket = try await burster.sendFiveTracks()
            // Revoked while the burst, its login checked, waits for admission. (A fixed 300 ms for
            // it to get there was too short on a loaded machine: the login check then came after
            // the revocation, and the first TRACK was refused too.)
            let membership = live.runners.membership
            #expect(try await eventually(.seconds(4)) { membership.waitingForAdmission > 0 })
            try await burster.revoke(seenWithin: .seconds(4))
            try await burster.expectOnlyTheFirstTaken(from: socket, counting: 2)
        }
    }

    /// An agent, "burster", with a session of its own, whose bursts of five TRACKs of one path
    /// are revoked while they wait.
    private struct Burster {
        let live: LiveServer
        let admin: PrioritizerClient
        let token: String
        /// Another connection of the agent, which shows when the server has seen the revocation.
        let watcher: PrioritizerClient
        let session: String

        init(_ live: LiveServer, session label: String) async throws {
            self.live = live
            admin = try await live.client(live.acme.token)
            token = try await admin.agentCreate(name: "burster", role: .agent)
            watcher = try await live.client(token)
            session = try await watcher.createSession(label: label)
        }

        func sendFiveTracks() async throws -> RawSocket {
            let tracks = Array(repeating: ["TRACK", session, "a.swift", "CODE", "VIEW", "TOKENS", "5"], count: 5)
            return try await TrackBurstTests.sendBurst(tracks, as: token, to: live)
        }

        /// Revokes the agent, and waits (up to `seenWithin`) until the server refuses it on the
        /// watcher's connection.
        func revoke(seenWithin timeout: Duration) async throws {
            try await admin.agentRevoke(name: "burster")
            #expect(try await eventually(timeout) { try await watcher.send(["WHOAMI"]) == .error("WRONGPASS invalid token") })
        }

        /// The burst's replies: its first TRACK taken (the path's count `count`), the four after
        /// it refused; the session's log rows as many as `count`. Closes the clients.
        func expectOnlyTheFirstTaken(from socket: RawSocket, counting count: Int64) async throws {
            let replies = try await offloaded { try socket.readReplies(5) }
            let refused = RESPReply.error("WRONGPASS invalid token")
            #expect(replies == [.integer(count), refused, refused, refused, refused])
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == Int(count))
            try await watcher.close()
            try await admin.close()
        }
    }

    /// `--max-pending` below `--batch-size`: when a call's takes reach the bound, their writes
    /// start a commit and give back their places, as TRACKs taken one by one would have, instead
    /// of the rest of the call being refused. Here: batches of 200, at most 100 writes waiting,
    /// two commits in flight: 290 TRACKs fit with no commit ending. Before, the call took 100 and
    /// refused the next 100.
    @Test func aCallThatReachesMaxPendingStartsACommitInsteadOfRefusing() async throws {
        try await Self.expectWholeBurstTaken(290, configuration: RunnerConfiguration(workers: 2, maxBatch: 200, maxPending: 100))
    }

    /// Sends `count` TRACKs over 10 paths in one burst into a loaded session of a server with
    /// `configuration`: none may be refused, and every one is logged.
    ///
    /// The node keeps its lease for the whole test: a lease that lapses under a loaded machine's
    /// slow heartbeats has the burst's first TRACK check the session's version, which takes it
    /// alone into a commit of one (stop 29's CI: that commit held a slot, and 49 were refused).
    /// That is right, and not what these tests are about.
    private static func expectWholeBurstTaken(_ count: Int, configuration: RunnerConfiguration) async throws {
        var timing = ClusterMembership.Timing()
        timing.lease = .seconds(60)
        timing.liveness = .seconds(180)
        try await LiveServer.with(configuration: configuration, clusterTiming: timing) { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession(label: "long burst")
            #expect(try await admin.track(session: session, path: "warm.swift", type: .code, access: .view, tokens: 5) == 1)
            let tracks = (0..<count).map { index in ["TRACK", session, "f\(index % 10).swift", "CODE", "VIEW", "TOKENS", "5"] }
            let replies = try await Self.burst(tracks, to: live)
            let refused = replies.filter { $0.integer == nil }
            #expect(refused.count == 0, "\(refused.count) refused, the first \(refused.first.map { "\($0)" } ?? "")")
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == count + 1)
            try await admin.close()
        }
    }

    /// A session on each of LiveServer's two runners, by runner index. A session's runner is its
    /// id's last 8 bytes modulo the runner count (`RunnerPool`): with two, the last byte's parity.
    private static func sessionsOnBothRunners(_ client: PrioritizerClient) async throws -> [String] {
        var byRunner: [Int: String] = [:]
        while byRunner.count < 2 {
            let session = try await client.createSession(label: "runner")
            byRunner[Int(try #require(UInt8(session.suffix(2), radix: 16)) % 2)] = session
        }
        return [byRunner[0]!, byRunner[1]!]
    }

    /// Logs in as acme on a connection of its own, then sends `requests` in one write (one read
    /// burst for the server) and reads their replies.
    private static func burst(_ requests: [[String]], to live: LiveServer) async throws -> [RESPReply] {
        let socket = try await sendBurst(requests, as: live.acme.token, to: live)
        return try await offloaded { try socket.readReplies(requests.count) }
    }

    /// Logs in with `token` on a connection of its own and sends `requests` in one write; the
    /// caller reads the replies (within a minute).
    static func sendBurst(_ requests: [[String]], as token: String, to live: LiveServer) async throws -> RawSocket {
        let port = live.port
        return try await offloaded { () throws -> RawSocket in
            let socket = try RawSocket(port: port, receiveTimeoutSeconds: 60)
            try socket.write(RawSocket.encode(["AUTH", token]))
            _ = try socket.readReplies(1)
            try socket.write(requests.flatMap(RawSocket.encode))
            return socket
        }
    }
}
