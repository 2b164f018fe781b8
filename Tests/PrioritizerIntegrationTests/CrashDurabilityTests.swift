import Foundation
import PQ
import Prioritization
import PrioritizerClient
import PrioritizerStore
import TestSupport
import Testing

extension FaultTests {
    /// SIGKILL of the server process under pipelined load: every acknowledged TRACK is a row, and the
    /// restarted server's session state is a replay of exactly the rows that were persisted.
    @Suite("Crash durability") struct CrashDurabilityTests {
        /// One persisted access, as `access_logs` holds it.
        struct LoggedAccess {
            var session: String
            var path: String
            var type: ResourceType
            var access: AccessType
            var at: Int64
            var modified: Bool
            var size: Int?
            var tokens: Int?
        }

        static func loggedAccesses(_ connection: PQConnection) async throws -> [LoggedAccess] {
            try await connection.query("""
                SELECT l.session_id::text, r.path, r.type, l.access_type, (extract(epoch FROM l.accessed_at) * 1000)::bigint,
                       l.modified, l.size_bytes, l.token_count
                FROM prioritizer.access_logs l JOIN prioritizer.resources r ON r.org_id = l.org_id AND r.resource_id = l.resource_id
                ORDER BY l.log_id
                """).map { row in
                LoggedAccess(
                    session: try row.decode(0), path: try row.decode(1), type: try ResourceType(word: try row.decode(2, as: String.self)),
                    access: try AccessType(word: try row.decode(3, as: String.self)), at: try row.decode(4), modified: try row.decode(5),
                    size: try row.decode(6), tokens: try row.decode(7))
            }
        }

        /// The session's state computed from its rows with the domain model alone.
        static func replay(_ rows: [LoggedAccess], halfLifeSeconds: Double) -> SessionState {
            var state = SessionState(halfLifeSeconds: halfLifeSeconds)
            for row in rows {
                state.apply(AccessEvent(
                    path: row.path, type: row.type, access: row.access, at: row.at, modified: row.modified, tokens: row.tokens,
                    size: row.size))
            }
            return state
        }

        @Test func sigkillUnderPipelinedLoadLosesNothingAcknowledged() async throws {
            try await withTestDatabase { database in
                let store = PostgresResourceService(conninfo: database.conninfo, connections: 2)
                defer { Task { await store.pool.close() } }
                let (_, acme) = try await store.createOrganization(name: "acme")
                let halfLife = 120.0

                let first = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "2"])
                let admin = try await PrioritizerClient.connect(host: "127.0.0.1", port: first.port, token: acme.token)
                let sessions = [
                    try await admin.createSession(halfLife: halfLife), try await admin.createSession(halfLife: halfLife),
                ]
                try await admin.close()

                let load = TrackLoad(port: first.port, token: acme.token, sessions: sessions, connections: 4, baseAt: epochMs)
                await load.waitForAcknowledged(3_000)
                await first.crash()
                let outcome = await load.finished()
                let acknowledged = outcome.acknowledged
                #expect(acknowledged.count >= 3_000, "acknowledged before the kill: \(acknowledged.count), endings \(outcome.endings)")
                #expect(outcome.errors.isEmpty, "\(outcome.errors)")

                let sql = try await database.connect()
                let rows = try await Self.loggedAccesses(sql)
                await sql.close()
                let persisted = Set(rows.map { "\($0.session) \($0.at)" })
                let lost = acknowledged.filter { !persisted.contains("\($0.session) \($0.at)") }
                #expect(lost.isEmpty, "\(lost.count) acknowledged TRACKs have no row, e.g. \(lost.prefix(3))")
                #expect(rows.count == persisted.count, "a TRACK was written twice")
                print("crash durability: \(acknowledged.count) acknowledged, \(rows.count) rows, \(lost.count) lost")

                let second = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "2"])
                let client = try await PrioritizerClient.connect(host: "127.0.0.1", port: second.port, token: acme.token)
                let at = epochMs + 50_000_000
                for session in sessions {
                    let mine = rows.filter { $0.session == session }
                    let expected = Self.replay(mine, halfLifeSeconds: halfLife)
                    #expect(try await client.sessionGet(session).accesses == mine.count)
                    #expect(try await client.sessionGet(session).resources == expected.resources.count)
                    for path in TrackLoad.paths {
                        let served = try await client.importance(session: session, path: path, at: at)
                        let replayed = expected.importance(of: path, at: at)
                        switch (served, replayed) {
                        case (let served?, let replayed?): #expect(relativelyEqual(served, replayed, tolerance: 1e-9), "\(path): \(served) vs \(replayed)")
                        case (nil, nil): break
                        default: Issue.record("\(path): served \(String(describing: served)), replayed \(String(describing: replayed))")
                        }
                    }
                    let top = try await client.top(session: session, limit: 100, at: at)
                    #expect(top.map(\.path) == expected.top(100, at: at).map(\.resource.path))
                    for strategy in [PrioritizerClient.Strategy.greedy, .density, .optimal] {
                        let served = try await client.prioritize(session: session, budget: 1_500, strategy: strategy, at: at, dryRun: true)
                        let packed = Packer.pack(
                            expected.candidates(at: at),
                            PackingRequest(budget: 1_500, strategy: try PackingStrategy(word: strategy.rawValue)))
                        #expect(Set(served.map(\.path)) == Set(packed.chosenPaths), "\(strategy)")
                    }
                    // Tracking continues from the persisted counts.
                    for path in TrackLoad.paths.prefix(3) {
                        let count = expected[path]?.accessCount ?? 0
                        #expect(try await client.track(session: session, path: path, type: .code, access: .view, tokens: TrackLoad.tokens(of: path), at: at) == count + 1)
                    }
                }
                try await client.close()
                await second.stop()
            }
        }
    }
}
