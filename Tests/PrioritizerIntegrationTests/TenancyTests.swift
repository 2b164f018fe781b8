import Foundation
import PQ
import PrioritizerClient
import PrioritizerServer
import PrioritizerStore
import TestSupport
import Testing

/// Organizations never see each other: another organization's session id is answered exactly as
/// an unknown id. Roles and revocation.
@Suite("Tenancy, roles, revocation") struct TenancyTests {
    /// A snapshot of one session's rows, to prove they were not touched.
    static func snapshot(_ live: LiveServer, session: String) async throws -> [String] {
        let connection = try await live.sql()
        var lines: [String] = []
        for (label, query): (String, PQQuery) in [
            ("session", "SELECT coalesce(label, ''), closed_at IS NULL, coalesce(budget, -1)::bigint FROM prioritizer.sessions WHERE session_id = \(session)::uuid"),
            ("resources", "SELECT count(*), coalesce(sum(access_count), 0)::bigint, count(*) FILTER (WHERE included_in_context), coalesce(sum(score), 0)::float8 FROM prioritizer.session_resources WHERE session_id = \(session)::uuid"),
            ("logs", "SELECT count(*), 0::bigint, 0::bigint, 0::float8 FROM prioritizer.access_logs WHERE session_id = \(session)::uuid"),
            ("runs", "SELECT count(*), 0::bigint, 0::bigint, 0::float8 FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid"),
            ("children", "SELECT count(*), 0::bigint, 0::bigint, 0::float8 FROM prioritizer.sessions WHERE parent_session_id = \(session)::uuid"),
        ] {
            let rows = try await connection.query(query)
            for row in rows {
                if label == "session" {
                    lines.append("\(label): \(try row.decode(0, as: String.self)) \(try row.decode(1, as: Bool.self)) \(try row.decode(2, as: Int.self))")
                } else {
                    lines.append("\(label): \(try row.decode(0, as: Int.self)) \(try row.decode(1, as: Int.self)) \(try row.decode(2, as: Int.self)) \(try row.decode(3, as: Double.self))")
                }
            }
        }
        await connection.close()
        return lines
    }

    @Test func crossTenantMatrix() async throws {
        try await LiveServer.with { live in
            let acme = try await live.client(live.acme.token)
            let globex = try await live.client(live.globex.token)
            let (globexAgent, _) = try await live.client(org: live.globex, name: "g-agent", role: .agent)
            let (globexReader, _) = try await live.client(org: live.globex, name: "g-reader", role: .reader)

            let secret = try await acme.createSession(budget: 1000, label: "acme secret")
            try await acme.track(session: secret, path: "secret.swift", type: .code, access: .edit, tokens: 100)
            try await acme.track(session: secret, path: "plan.md", type: .documentation, access: .view, tokens: 50)
            _ = try await acme.prioritize(session: secret, budget: 120)
            let acmeSessions = try await acme.sessionList()
            let before = try await Self.snapshot(live, session: secret)
            let globexOwn = try await globex.createSession(label: "globex own")

            let unknown = UUID().uuidString.lowercased()
            func matrix(_ id: String) -> [[String]] {
                [
                    ["SESSION.GET", id],
                    ["SESSION.CLOSE", id],
                    ["TRACK", id, "secret.swift", "CODE", "VIEW"],
                    ["TRACK", id, "new.swift", "CODE", "EDIT", "TOKENS", "5", "MODIFIED"],
                    ["PRIORITIZE", id, "1000"],
                    ["PRIORITIZE", id, "1000", "STRATEGY", "greedy"],
                    ["PRIORITIZE", id, "1000", "DRYRUN"],
                    ["IMPORTANCE", id, "secret.swift"],
                    ["IMPORTANCE", id, "never.swift"],
                    ["TOP", id],
                    ["TOP", id, "LIMIT", "5"],
                    ["METRICS", id],
                    ["METRICS", id, "FORMAT", "json"],
                    ["SESSION.CREATE", "PARENT", id],
                    ["SESSION.CREATE", "LABEL", "child", "PARENT", id],
                ]
            }
            for (name, client) in [("globex admin", globex), ("globex agent", globexAgent)] {
                for (foreign, random) in zip(matrix(secret), matrix(unknown)) {
                    let foreignReply = try await client.send(foreign)
                    let randomReply = try await client.send(random)
                    #expect(foreignReply == .error(noSession), "\(name): \(foreign[0]) answered \(foreignReply)")
                    #expect(foreignReply == randomReply, "\(name): \(foreign[0]) differs from an unknown id")
                }
            }
            // A reader of the other organization: its read commands NOSESSION too (its writes may be
            // refused for the role first, which reveals nothing about the session).
            for words in [["SESSION.GET", secret], ["PRIORITIZE", secret, "1000", "DRYRUN"], ["IMPORTANCE", secret, "secret.swift"],
                          ["TOP", secret], ["METRICS", secret]] {
                #expect(try await globexReader.send(words) == .error(noSession), "reader \(words[0])")
            }
            for words in [["TRACK", secret, "a", "CODE", "VIEW"], ["SESSION.CLOSE", secret], ["PRIORITIZE", secret, "10"]] {
                let reply = try await globexReader.send(words)
                #expect(reply == .error(noSession) || errorLine(of: reply)?.hasPrefix("NOPERM ") == true, "reader \(words[0]): \(reply)")
            }

            // SESSION.LIST never shows the other organization's sessions.
            let globexList = try await globex.sessionList(limit: 1000)
            #expect(globexList == [globexOwn])
            #expect(Set(try await globexReader.sessionList()).isDisjoint(with: acmeSessions))
            #expect(!(try await acme.sessionList(limit: 1000)).contains(globexOwn))

            // acme's rows are exactly as they were, and acme still works with them.
            #expect(try await Self.snapshot(live, session: secret) == before)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.sessions WHERE org_id = \(live.globex.agent.orgID.uuidString.lowercased())::uuid") == 1)
            let details = try await acme.sessionGet(secret)
            #expect(details.closed == false && details.accesses == 2 && details.resources == 2)
            #expect(try await acme.track(session: secret, path: "secret.swift", type: .code, access: .view) == 2)
            for client in [acme, globex, globexAgent, globexReader] { try await client.close() }
        }
    }

    /// The same path in two organizations is two resources: neither sees the other's tokens,
    /// counts or rows.
    @Test func samePathInTwoOrganizations() async throws {
        try await LiveServer.with { live in
            let acme = try await live.client(live.acme.token)
            let globex = try await live.client(live.globex.token)
            let a = try await acme.createSession()
            let g = try await globex.createSession()
            #expect(try await acme.track(session: a, path: "shared/README.md", type: .documentation, access: .view, tokens: 111) == 1)
            #expect(try await acme.track(session: a, path: "shared/README.md", type: .documentation, access: .edit) == 2)
            #expect(try await globex.track(session: g, path: "shared/README.md", type: .documentation, access: .view) == 1)
            // globex never stated a count: unknown for globex, whatever acme said.
            #expect(try await globex.prioritize(session: g, budget: 10_000, dryRun: true).isEmpty)
            #expect(try await acme.top(session: a).map(\.tokens) == [111])
            #expect(try await live.count("SELECT count(*) FROM prioritizer.resources WHERE path = 'shared/README.md'") == 2)
            #expect(try await live.count("SELECT count(DISTINCT org_id) FROM prioritizer.resources WHERE path = 'shared/README.md'") == 2)
            try await acme.close()
            try await globex.close()
        }
    }

    /// While a session's failed group commit is cleaned up (another commit still in flight), its
    /// own organization is told to try again, and another organization is answered as for an
    /// unknown id. Before, both got TRYAGAIN, which told the other organization the id exists.
    /// The failure is a trigger on the failing session's log rows; the other commit is held on a
    /// lock the test holds, which keeps the window open.
    @Test func anotherOrganizationsSessionIsUnknownWhileItsFailedCommitIsCleanedUp() async throws {
        try await LiveServer.with(configuration: RunnerConfiguration(workers: 1)) { live in
            let acme = try await live.client(live.acme.token)
            let globex = try await live.client(live.globex.token)
            let failing = try await acme.createSession(label: "failing")
            let held = try await acme.createSession(label: "held")
            for session in [failing, held] {
                _ = try await acme.track(session: session, path: "warm.swift", type: .code, access: .view, tokens: 5)
            }
            try await live.failLogRows(where: "NEW.session_id = '\(failing)'")
            let sql = try await live.sql()
            try await sql.execute("BEGIN")
            try await sql.execute("SELECT 1 FROM prioritizer.sessions WHERE session_id = \(held)::uuid FOR UPDATE")
            let heldClient = try await live.client(live.acme.token)
            let heldReply = Task { try await heldClient.send(["TRACK", held, "held.swift", "CODE", "VIEW"]) }
            #expect(try await eventually(.seconds(10)) { try await live.lockWaiters() > 0 })
            // A burst large enough to commit beside the held commit (`minimumOverlappingBatch`).
            let port = live.port, token = live.acme.token
            let replies = try await offloaded {
                let socket = try RawSocket(port: port)
                var payload = RawSocket.encode(["AUTH", token])
                for index in 0..<64 { payload += RawSocket.encode(["TRACK", failing, "f\(index).swift", "CODE", "VIEW"]) }
                try socket.write(payload)
                return try socket.readReplies(65)
            }
            #expect(replies.dropFirst().allSatisfy { errorLine(of: $0) != nil }, "\(replies.suffix(2))")
            let unknown = UUID().uuidString.lowercased()
            for words in [["TRACK", failing, "x.swift", "CODE", "VIEW"], ["SESSION.GET", failing], ["TOP", failing]] {
                let foreign = try await globex.send(words)
                #expect(errorLine(of: foreign) == noSession, "\(words[0]) answered \(foreign)")
                var random = words
                random[1] = unknown
                #expect(foreign == (try await globex.send(random)))
            }
            // The window was open: the session's own organization is still told to try again.
            #expect(errorLine(of: try await acme.send(["SESSION.GET", failing]))?.hasPrefix("TRYAGAIN") == true)
            try await sql.execute("ROLLBACK")
            #expect(try await heldReply.value == .integer(1))
            await sql.close()
            for client in [acme, globex, heldClient] { try await client.close() }
        }
    }

    @Test func readerRefusedOnWrites() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession(budget: 500)
            try await admin.track(session: session, path: "a.swift", type: .code, access: .edit, tokens: 100)
            let (reader, _) = try await live.client(org: live.acme, name: "reader", role: .reader)
            let logsBefore = try await live.count("SELECT count(*) FROM prioritizer.access_logs")
            let sessionsBefore = try await live.count("SELECT count(*) FROM prioritizer.sessions")

            #expect(await errorLine { try await reader.track(session: session, path: "a.swift", type: .code, access: .view) }?.hasPrefix("NOPERM ") == true)
            #expect(await errorLine { try await reader.createSession() }?.hasPrefix("NOPERM ") == true)
            #expect(await errorLine { try await reader.prioritize(session: session, budget: 500) }?.hasPrefix("NOPERM ") == true)
            #expect(await errorLine { try await reader.sessionClose(session) }?.hasPrefix("NOPERM ") == true)
            #expect(await errorLine { try await reader.agentCreate(name: "x") }?.hasPrefix("NOPERM ") == true)
            #expect(await errorLine { try await reader.agentRevoke(name: "admin") }?.hasPrefix("NOPERM ") == true)

            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == logsBefore)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.sessions") == sessionsBefore)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.prioritization_runs") == 0)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.agents WHERE revoked_at IS NOT NULL") == 0)
            #expect(try await reader.prioritize(session: session, budget: 500, dryRun: true).map(\.path) == ["a.swift"])
            #expect(try await live.count("SELECT count(*) FROM prioritizer.prioritization_runs") == 0)
            try await admin.close()
            try await reader.close()
        }
    }

    /// WHOAMI alone on a revoked agent's open connection: the token no longer works there either.
    @Test func revokedTokenRefusedForWhoami() async throws {
        try await LiveServer.with { live in
            try await Self.withAgentToRevoke("gone", on: live) { gone, revoke in
                #expect(try await gone.whoami().agent == "gone")
                try await revoke()
                try await Task.sleep(for: .milliseconds(1200))
                let reply = try await gone.send(["WHOAMI"])
                #expect(reply == .error("WRONGPASS invalid token"), "\(reply)")
            }
        }
    }

    /// `body` with the open connection of a new agent `name`, and a call that revokes it with
    /// AGENT.REVOKE from the admin's connection; both connections are closed afterwards.
    static func withAgentToRevoke(
        _ name: String, on live: LiveServer,
        _ body: (_ agent: PrioritizerClient, _ revoke: () async throws -> Void) async throws -> Void
    ) async throws {
        let admin = try await live.client(live.acme.token)
        let token = try await admin.agentCreate(name: name, role: .agent)
        let agent = try await live.client(token)
        try await body(agent) { try await admin.agentRevoke(name: name) }
        try await agent.close()
        try await admin.close()
    }

    /// AGENT.REVOKE on the node that holds the connection: the very next request is refused,
    /// although the agent was checked a moment before (no wait for the one-second re-check).
    @Test func revokedTokenRefusedAtOnceOnTheNodeThatRevoked() async throws {
        try await LiveServer.with { live in
            try await Self.withAgentToRevoke("instant", on: live) { instant, revoke in
                let session = try await instant.createSession()
                #expect(try await instant.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 1) == 1)
                try await revoke()
                let reply = try await instant.send(["TRACK", session, "a.swift", "CODE", "VIEW"])
                #expect(reply == .error("WRONGPASS invalid token"), "\(reply)")
                #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == 1)
            }
        }
    }

    /// INFO (the node's figures) is refused to a token revoked while its connection was open, as
    /// WHOAMI and every data command are; only connection plumbing (PING, ECHO, CLIENT, COMMAND,
    /// HELP, QUIT), which acts on nothing, still answers until the connection logs in again.
    @Test func infoRefusedToARevokedTokenOnAnOpenConnection() async throws {
        try await LiveServer.with { live in
            try await Self.withAgentToRevoke("watcher", on: live) { watcher, revoke in
                #expect(try await watcher.call(["INFO", "server"]).string?.contains("prioritizer_version") == true)
                try await revoke()
                let reply = try await watcher.send(["INFO", "server"])
                #expect(reply == .error("WRONGPASS invalid token"), "\(reply)")
                #expect(errorLine(of: try await watcher.send(["INFO"]))?.hasPrefix("NOAUTH") == true)
            }
        }
    }

    @Test func revokedTokenRefusedOnOpenConnection() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let token = try await admin.agentCreate(name: "doomed", role: .agent)
            let doomed = try await live.client(token)
            let session = try await doomed.createSession()
            #expect(try await doomed.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 1) == 1)
            // A raw RESP2 connection of the same agent, authenticated with AUTH.
            let raw = try await PrioritizerClient.connect(port: live.port, token: nil)
            #expect(try await raw.send(["AUTH", token]) == .simpleString("OK"))
            #expect(try await raw.send(["PING"]) == .simpleString("PONG"))

            try await admin.agentRevoke(name: "doomed")
            let revokedAt = ContinuousClock.now

            // The open connections are refused within about a second.
            // Measured by when the refused request was sent (its reply may lag behind under the load
            // of the whole suite running in parallel on two cores).
            var refusedSentAfter: Duration?
            var answeredAfter: Duration?
            var lastReply: RESPReply = .null
            while ContinuousClock.now - revokedAt < .seconds(4) {
                let sentAfter = ContinuousClock.now - revokedAt
                lastReply = try await doomed.send(["SESSION.GET", session])
                if errorLine(of: lastReply)?.hasPrefix("WRONGPASS") == true {
                    refusedSentAfter = sentAfter
                    answeredAfter = ContinuousClock.now - revokedAt
                    break
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            let elapsed = try #require(refusedSentAfter, "still served 4 s after revocation: \(lastReply)")
            #expect(elapsed <= .milliseconds(1500), "a request sent \(elapsed) after revocation was still served")
            #expect(answeredAfter.map { $0 <= .seconds(3) } == true, "refusal answered only after \(String(describing: answeredAfter))")
            #expect(lastReply == .error("WRONGPASS invalid token"))
            // Writes too, on both connections; nothing more is logged. Once refused, the server treats
            // that connection as logged out, so later requests on it get NOAUTH.
            let afterRefusal = await errorLine { try await doomed.track(session: session, path: "a.swift", type: .code, access: .view) }
            #expect(afterRefusal == "NOAUTH Authentication required." || afterRefusal == "WRONGPASS invalid token", "\(afterRefusal ?? "served")")
            #expect(errorLine(of: try await doomed.send(["WHOAMI"])) != nil)
            let rawReply = try await raw.send(["TRACK", session, "a.swift", "CODE", "VIEW"])
            #expect(rawReply == .error("WRONGPASS invalid token"), "\(rawReply)")
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == 1)

            // A new AUTH with it fails, both ways.
            #expect(await errorLine { try await live.client(token) } == "WRONGPASS invalid token")
            let fresh = try await PrioritizerClient.connect(port: live.port, token: nil)
            #expect(try await fresh.send(["AUTH", token]) == .error("WRONGPASS invalid token"))
            #expect(try await fresh.send(["AUTH", "doomed", token]) == .error("WRONGPASS invalid token"))
            #expect(try await fresh.send(["SESSION.LIST"]) == .error("NOAUTH Authentication required."))

            // The logged-out connection may log in again with a valid token.
            #expect(try await raw.send(["AUTH", live.acme.token]) == .simpleString("OK"))
            #expect(try await raw.send(["SESSION.GET", session]).dictionary?["accesses"]?.integer == 1)

            // The admin is unaffected.
            #expect(try await admin.sessionGet(session).accesses == 1)
            for client in [admin, doomed, raw, fresh] { try? await client.close() }
        }
    }
}
