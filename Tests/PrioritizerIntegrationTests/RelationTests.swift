import Foundation
import PQ
import PrioritizerClient
import PrioritizerStore
import Testing

/// Co-access relations through the real server: learned from TRACKs across an organization's
/// sessions, offered as candidates beyond the session, persisted (survive a restart), isolated
/// per organization, switchable per call, fed by LINK.
@Suite("Co-access relations") struct RelationTests {
    static let t0: Int64 = 1_700_000_000_000

    /// One session that edits `a.rs` and `b.rs` together (b: 120 tokens), then a fresh session
    /// that touches only `a.rs`; answers the fresh session.
    static func learnAndAsk(_ client: PrioritizerClient) async throws -> String {
        let first = try await client.createSession()
        try await client.track(session: first, path: "a.rs", type: .code, access: .edit, tokens: 200, modified: true, at: t0)
        try await client.track(session: first, path: "b.rs", type: .code, access: .edit, tokens: 120, modified: true, at: t0 + 30_000)
        let second = try await client.createSession()
        try await client.track(session: second, path: "a.rs", type: .code, access: .view, tokens: 200, at: t0 + 3_600_000)
        return second
    }

    static func relationRows(_ live: LiveServer) async throws -> [String] {
        let connection = try await live.sql()
        defer { Task { await connection.close() } }
        return try await connection.query("""
            SELECT o.name || ':' || rr.path || '->' || rr.related_path FROM prioritizer.resource_relations rr
            JOIN prioritizer.organizations o ON o.org_id = rr.org_id ORDER BY 1
            """).map { try $0.decode(0, as: String.self) }
    }

    @Test func learnedAcrossSessionsOfferedBeyondTheSessionAndPersisted() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await Self.learnAndAsk(client)
            let at = Self.t0 + 3_600_000
            let chosen = try await client.prioritize(session: session, budget: 4_000, at: at, dryRun: true)
            #expect(chosen.map(\.path) == ["a.rs", "b.rs"])
            let related = try #require(chosen.last)
            #expect(related.tokens == 120)
            // On the importance scale, below the resource it is related to (relation weight 1).
            #expect(related.importance > 0 && related.importance <= chosen[0].importance)
            #expect(try await client.top(session: session, at: at).map(\.path) == ["a.rs", "b.rs"])
            // IMPORTANCE stays about what the session tracked.
            #expect(try await client.importance(session: session, path: "b.rs", at: at) == nil)

            // RELATED 0: only what the session touched.
            #expect(try await client.prioritize(session: session, budget: 4_000, at: at, dryRun: true, related: false)
                .map(\.path) == ["a.rs"])
            #expect(try await client.top(session: session, at: at, related: false).map(\.path) == ["a.rs"])

            // A committed PRIORITIZE may choose it too; only tracked rows get inclusion flags, and
            // the run's row names every path it chose (docs/sql.md: "The latest run's whole context").
            #expect(try await client.prioritize(session: session, budget: 4_000, at: at).map(\.path) == ["a.rs", "b.rs"])
            #expect(try await includedPaths(live, session: session) == ["a.rs"])
            let runs = try await live.sql()
            let recorded = try await runs.query("""
                SELECT chosen_paths FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid
                """).map { try $0.decode(0, as: [String].self) }
            await runs.close()
            #expect(recorded == [["a.rs", "b.rs"]])

            // Persisted: after a restart (empty memory) a new session still finds b.rs.
            await live.runners.flushAll()
            #expect(try await Self.relationRows(live) == ["acme:a.rs->b.rs", "acme:b.rs->a.rs"])
            // INFO tells how many are held and how many still wait for a write.
            let fields = try await client.infoFields("runners")
            #expect(fields["relations_in_memory"] == "2")
            #expect(fields["relations_unwritten"] == "0")
            try await client.close()
            try await live.restart()
            let again = try await live.client(live.acme.token)
            let third = try await again.createSession()
            try await again.track(session: third, path: "b.rs", type: .code, access: .view, tokens: 120, at: at)
            let afterRestart = try await again.prioritize(session: third, budget: 4_000, at: at, dryRun: true)
            #expect(Set(afterRestart.map(\.path)) == ["a.rs", "b.rs"])
            // Its token count came from the organization's resources.
            #expect(afterRestart.first { $0.path == "a.rs" }?.tokens == 200)
            try await again.close()
        }
    }

    @Test func organizationsDoNotShareRelations() async throws {
        try await LiveServer.with { live in
            let acme = try await live.client(live.acme.token)
            _ = try await Self.learnAndAsk(acme)
            await live.runners.flushAll()

            // Globex tracks the same path names and learns nothing from acme.
            let globex = try await live.client(live.globex.token)
            let theirs = try await globex.createSession()
            try await globex.track(session: theirs, path: "a.rs", type: .code, access: .view, tokens: 200, at: Self.t0)
            #expect(try await globex.prioritize(session: theirs, budget: 4_000, at: Self.t0, dryRun: true).map(\.path) == ["a.rs"])

            // Row-level security on the table: the app role sees its organization's rows only,
            // and none without an organization.
            let connection = try await live.sql()
            func visible(as org: UUID?) async throws -> Int {
                try await connection.executeScript("BEGIN; SET LOCAL ROLE prioritizer_app")
                if let org {
                    try await connection.query("SELECT set_config('prioritizer.org_id', \(org.uuidString.lowercased()), true)")
                }
                let count = try await connection.query("SELECT count(*) FROM prioritizer.resource_relations")[0].decode(0, as: Int.self)
                try await connection.executeScript("COMMIT")
                return count
            }
            #expect(try await visible(as: live.acme.agent.orgID) == 2)
            #expect(try await visible(as: live.globex.agent.orgID) == 0)
            #expect(try await visible(as: nil) == 0)
            // Writing another organization's relation is refused by the policy's check.
            try await connection.executeScript("BEGIN; SET LOCAL ROLE prioritizer_app")
            try await connection.query("SELECT set_config('prioritizer.org_id', \(live.globex.agent.orgID.uuidString.lowercased()), true)")
            await #expect(throws: PQError.self) {
                try await connection.execute("""
                    INSERT INTO prioritizer.resource_relations (org_id, path, related_path, weight, weight_at, half_life_s)
                    VALUES (\(live.acme.agent.orgID), 'x', 'y', 1, now(), 1)
                    """)
            }
            try await connection.executeScript("ROLLBACK")

            // Analysts read their organization's relations (and the view), nothing else.
            let role = "analyst_" + String(UUID().uuidString.prefix(8)).lowercased()
            try await live.store.grantAnalyst(orgID: live.globex.agent.orgID, role: role, password: nil)
            let analyst = try await PQConnection.connect(live.database.conninfo.replacingOccurrences(
                of: "user=postgres", with: "user=\(role)"))
            #expect(try await analyst.query("SELECT count(*) FROM prioritizer.resource_relations")[0].decode(0, as: Int.self) == 0)
            #expect(try await analyst.query("SELECT count(*) FROM prioritizer.related_resources")[0].decode(0, as: Int.self) == 0)
            await analyst.close()
            let acmeRole = role + "_a"
            try await live.store.grantAnalyst(orgID: live.acme.agent.orgID, role: acmeRole, password: nil)
            let acmeAnalyst = try await PQConnection.connect(live.database.conninfo.replacingOccurrences(
                of: "user=postgres", with: "user=\(acmeRole)"))
            let rows = try await acmeAnalyst.query("""
                SELECT path, related_path, weight_now, related_tokens FROM prioritizer.related_resources ORDER BY path
                """)
            #expect(rows.count == 2)
            #expect(try rows[0].decode(0, as: String.self) == "a.rs")
            #expect(try rows[0].decode(3, as: Int?.self) == 120)
            await acmeAnalyst.close()
            await connection.close()
            try await acme.close()
            try await globex.close()
        }
    }

    @Test func linkFeedsTheSameRelations() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            // The test file is known to the organization (tokens) from an earlier session.
            let earlier = try await client.createSession()
            try await client.track(session: earlier, path: "tests/io_test.rs", type: .code, access: .view, tokens: 90, at: Self.t0)
            let session = try await client.createSession()
            try await client.track(session: session, path: "src/io.rs", type: .code, access: .view, tokens: 300, at: Self.t0 + 86_400_000)
            #expect(try await client.prioritize(session: session, budget: 1_000, at: Self.t0 + 86_400_000, dryRun: true)
                .map(\.path) == ["src/io.rs"])
            try await client.link(session: session, "src/io.rs", "tests/io_test.rs", weight: 2)
            // A path the organization never tracked can be linked, but has no token count to pack.
            try await client.link(session: session, "src/io.rs", "docs/io.md")
            let chosen = try await client.prioritize(session: session, budget: 1_000, at: Self.t0 + 86_400_000, dryRun: true)
            #expect(chosen.map(\.path) == ["src/io.rs", "tests/io_test.rs"])

            // Arguments are checked; readers may not link.
            for words in [
                ["LINK", session, "a", "a"], ["LINK", session, "a", "b", "WEIGHT", "-1"],
                ["LINK", session, "a", "b", "WEIGHT", "x"], ["LINK", session, "a"], ["LINK", session, "a", "b", "NOPE"],
                ["PRIORITIZE", session, "100", "RELATED", "2"], ["TOP", session, "RELATED", "yes"],
            ] {
                await #expect(throws: PrioritizerClientError.self) { try await client.call(words) }
            }
            let (reader, _) = try await live.client(org: live.acme, name: "reader", role: .reader)
            await #expect(throws: PrioritizerClientError.self) { try await reader.link(session: session, "a", "b") }
            // Another organization's session is unknown.
            let globex = try await live.client(live.globex.token)
            await #expect(throws: PrioritizerClientError.self) { try await globex.link(session: session, "a", "b") }
            try await client.sessionClose(session)
            await #expect(throws: PrioritizerClientError.self) { try await client.link(session: session, "a", "b") }
            for connection in [client, reader, globex] { try await connection.close() }
        }
    }

    @Test func serverWithoutRelationsRefusesLinkAndOffersNothingBeyond() async throws {
        try await LiveServer.with(configuration: .init(workers: 2, relations: nil)) { live in
            let client = try await live.client(live.acme.token)
            let session = try await Self.learnAndAsk(client)
            #expect(try await client.prioritize(session: session, budget: 4_000, at: Self.t0 + 3_600_000, dryRun: true)
                .map(\.path) == ["a.rs"])
            await #expect(throws: PrioritizerClientError.self) { try await client.link(session: session, "a.rs", "c.rs") }
            await live.runners.flushAll()
            #expect(try await Self.relationRows(live).isEmpty)
            try await client.close()
        }
    }
}
