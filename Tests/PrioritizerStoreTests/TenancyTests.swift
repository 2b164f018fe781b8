import Foundation
import PQ
import Prioritization
import PrioritizerStore
import Testing
import TestSupport

@Suite("Tenancy: tokens, row-level security, analysts") struct TenancyTests {
    @Test func tokensAuthenticateUntilRevoked() async throws {
        try await ServiceFixture.with { fixture in
            let service = fixture.service
            #expect(fixture.admin.token.hasPrefix("prk_"))
            #expect(fixture.admin.token.count >= 4 + 43)  // 256 bits in base64url
            let who = try #require(try await service.authenticate(token: fixture.admin.token))
            #expect(who.orgName == "acme" && who.agentName == "admin" && who.role == .admin)

            let reader = try await service.createAgent(orgID: fixture.org.orgID, name: "bot", role: .reader)
            #expect(try await service.authenticate(token: reader.token)?.role == .reader)
            #expect(try await service.authenticate(token: reader.token + "x") == nil)
            let before = Date().addingTimeInterval(-1)
            let listener = try await fixture.database.connect()
            try await listener.executeScript("LISTEN prioritizer_agent_revoked")
            #expect(try await service.revokeAgent(orgID: fixture.org.orgID, name: "bot"))
            // Every server hears it; any login may listen, so it names no agent (migrations/0015).
            let notices = try await listener.notifications(waitingUpTo: .seconds(5))
            #expect(notices.map(\.payload) == [""])
            await listener.close()
            #expect(try await service.revokeAgent(orgID: fixture.org.orgID, name: "bot") == false)
            #expect(try await service.authenticate(token: reader.token) == nil)
            #expect(try await service.agentsRevoked(since: before) == [reader.agent.agentID])
            let agents = try await service.agents(orgID: fixture.org.orgID)
            #expect(agents.map(\.name) == ["admin", "bot"])
            #expect(agents.last?.revokedAt != nil)

            await #expect(throws: StoreError.self) { try await service.createAgent(orgID: fixture.org.orgID, name: "bot", role: .agent) }
            await #expect(throws: StoreError.self) { try await service.createOrganization(name: "acme") }

            let connection = try await fixture.database.connect()
            let stored = try await connection.query("SELECT token_hash FROM prioritizer.agents WHERE name = 'bot'")[0]
                .decode(0, as: PQBytes.self)
            #expect(stored.bytes == AgentToken.hash(reader.token))
            let clear = try await connection.query(
                "SELECT count(*) FROM prioritizer.agents WHERE position(\(reader.token) in encode(token_hash, 'escape')) > 0")
            #expect(try clear[0].decode(0, as: Int.self) == 0)
        }
    }

    /// With org A's setting, hand-written SQL on every tenant table touches no row of org B.
    @Test func rowLevelSecurityWallsOrganizationsOff() async throws {
        try await ServiceFixture.with { fixture in
            let service = fixture.service
            let (other, otherAdmin) = try await service.createOrganization(name: "globex")
            let mine = try await fixture.newSession()
            let theirs = try await service.createSession(orgID: other.orgID, NewSession(agentID: otherAdmin.agent.agentID))
            var batch = WriteBatch()
            batch.events = [
                fixture.event(mine, "shared/path.swift", at: 1_000, tokens: 3),
                TenantItem(orgID: other.orgID, TrackedAccess(
                    sessionID: theirs.sessionID, agentID: otherAdmin.agent.agentID, path: "shared/path.swift",
                    type: .code, access: .edit, at: 2_000, tokenCount: 4)),
            ]
            batch.runs = [TenantItem(orgID: other.orgID, PrioritizationRunRecord(
                sessionID: theirs.sessionID, agentID: otherAdmin.agent.agentID, strategy: "greedy", budget: 10,
                resourceBudget: 10, chosenPaths: ["shared/path.swift"], chosenTokens: 4, capturedImportance: 1,
                totalImportance: 1, candidates: 1, durationMicros: 1, evaluatedAt: 2_000))]
            try await service.commit(batch)

            let tables = ["organizations", "agents", "sessions", "resources", "session_resources", "access_logs",
                          "prioritization_runs"]
            let connection = try await fixture.database.connect()
            let orgA = fixture.org.orgID
            let orgB = other.orgID
            let report = try await connection.withConnection { connection in
                try connection.transaction { connection in
                    try connection.executeScript("SET LOCAL ROLE prioritizer_app")
                    try connection.query("SELECT set_config('prioritizer.org_id', \(orgA.uuidString), true)")
                    var seen: [String: [Int]] = [:]
                    for table in tables {
                        // Identifiers come from the fixed list above, never from input.
                        let visibleB = try connection.query(PQQuery(
                            "SELECT count(*) FROM prioritizer.\(table) WHERE org_id = $1", [orgB]))[0].decode(0, as: Int.self)
                        let visibleAll = try connection.query(PQQuery(
                            "SELECT count(*) FROM prioritizer.\(table) WHERE org_id <> $1", [orgA]))[0].decode(0, as: Int.self)
                        let updated = try connection.execute(PQQuery(
                            "UPDATE prioritizer.\(table) SET org_id = org_id WHERE org_id = $1", [orgB]))
                        let deleted = try connection.execute(PQQuery(
                            "DELETE FROM prioritizer.\(table) WHERE org_id = $1", [orgB]))
                        seen[table] = [visibleB, visibleAll, updated, deleted]
                    }
                    return seen
                }
            }
            for table in tables {
                #expect(report[table] == [0, 0, 0, 0], "org A touched org B's rows in \(table): \(report[table] ?? [])")
            }
            // Writing a row for org B under org A's setting is refused by the policy's WITH CHECK.
            await #expect(throws: PQError.self) {
                try await connection.withConnection { connection in
                    try connection.transaction { connection in
                        try connection.executeScript("SET LOCAL ROLE prioritizer_app")
                        try connection.query("SELECT set_config('prioritizer.org_id', \(orgA.uuidString), true)")
                        try connection.execute("INSERT INTO prioritizer.organizations (org_id, name) VALUES (\(orgB), 'x')")
                    }
                }
            }
            // Without any organization set, nothing is visible at all.
            let none = try await connection.withConnection { connection in
                try connection.transaction { connection in
                    try connection.executeScript("SET LOCAL ROLE prioritizer_app")
                    return try connection.query("SELECT count(*) FROM prioritizer.access_logs")[0].decode(0, as: Int.self)
                }
            }
            #expect(none == 0)
            // B's rows are all still there.
            let theirRows = try await service.sessionResources(orgID: orgB, sessionID: theirs.sessionID)
            #expect(theirRows.count == 1 && theirRows[0].includedInContext)
            // And the service refuses cross-tenant reads: org A asking for B's session finds nothing.
            #expect(try await service.session(orgID: orgA, sessionID: theirs.sessionID) == nil)
            #expect(try await service.sessionResources(orgID: orgA, sessionID: theirs.sessionID).isEmpty)
            #expect(try await service.closeSession(orgID: orgA, sessionID: theirs.sessionID) == false)
            #expect(try await service.sessionIDs(orgID: orgA, limit: 10) == [mine.sessionID])
        }
    }

    /// The tenant policies read the organization once per statement (an InitPlan), not once per
    /// row checked (migrations/0011): every one of them, on reads and on writes.
    @Test func tenantPoliciesReadTheOrganizationOncePerStatement() async throws {
        try await ServiceFixture.with { fixture in
            let connection = try await fixture.database.connect()
            let policies = try await connection.query("""
                SELECT tablename, qual, with_check FROM pg_policies
                WHERE schemaname = 'prioritizer' AND policyname = 'tenant_isolation' ORDER BY tablename
                """)
            #expect(policies.count >= 8)
            for policy in policies {
                let table: String = try policy.decode(0)
                for expression in [try policy.decode(1, as: String.self), try policy.decode(2, as: String.self)] {
                    #expect(expression.contains("( SELECT prioritizer.current_org()"), "\(table): \(expression)")
                }
            }
            let plan = try await connection.withConnection { connection in
                try connection.transaction { connection in
                    try connection.executeScript("SET LOCAL ROLE prioritizer_app")
                    return try connection.query("EXPLAIN (COSTS OFF) SELECT count(*) FROM prioritizer.access_logs")
                        .map { try $0.decode(0, as: String.self) }.joined(separator: "\n")
                }
            }
            #expect(plan.contains("InitPlan"), "\(plan)")
        }
    }

    @Test func analystRolesReadOnlyTheirOrganizationAndWriteNothing() async throws {
        try await ServiceFixture.with { fixture in
            let service = fixture.service
            let (other, otherAdmin) = try await service.createOrganization(name: "globex")
            let mine = try await fixture.newSession()
            let theirs = try await service.createSession(orgID: other.orgID, NewSession(agentID: otherAdmin.agent.agentID))
            var batch = WriteBatch()
            batch.events = [
                fixture.event(mine, "a.swift", at: 1_000, tokens: 3),
                TenantItem(orgID: other.orgID, TrackedAccess(
                    sessionID: theirs.sessionID, agentID: otherAdmin.agent.agentID, path: "b.swift", type: .code,
                    access: .view, at: 1_000)),
            ]
            try await service.commit(batch)

            let role = "analyst_" + String(UUID().uuidString.prefix(8)).lowercased()
            try await service.grantAnalyst(orgID: fixture.org.orgID, role: role, password: "s3cret")
            // Granting again is idempotent.
            try await service.grantAnalyst(orgID: fixture.org.orgID, role: role, password: nil)
            // …but does not move the role to another organization (migrations/0013): before, it
            // was repointed, password kept, and read the other organization's rows from then on.
            await #expect(throws: StoreError.self) {
                try await service.grantAnalyst(orgID: other.orgID, role: role, password: nil)
            }
            await #expect(throws: (any Error).self) {
                try await service.grantAnalyst(orgID: fixture.org.orgID, role: "Bad Name; DROP", password: nil)
            }

            let analyst = try await PQConnection.connect(fixture.database.conninfo.replacingOccurrences(
                of: "user=postgres", with: "user=\(role)"))
            let count = { (table: String) in
                try await analyst.query(PQQuery("SELECT count(*) FROM prioritizer.\(table)", []))[0].decode(0, as: Int.self)
            }
            #expect(try await count("organizations") == 1)
            #expect(try await count("sessions") == 1)
            #expect(try await count("access_logs") == 1)
            #expect(try await count("resources") == 1)
            #expect(try await count("session_resources") == 1)
            #expect(try await count("live_importance") == 1)
            #expect(try await count("session_metrics") == 1)
            #expect(try await count("daily_usage") == 1)
            let names = try await analyst.query("SELECT name FROM prioritizer.agents").map { try $0.decode(0, as: String.self) }
            #expect(names == ["admin"])
            // Token hashes are not readable, and nothing is writable.
            await #expect(throws: PQError.self) { try await analyst.query("SELECT token_hash FROM prioritizer.agents") }
            await #expect(throws: PQError.self) { try await analyst.execute("DELETE FROM prioritizer.access_logs") }
            await #expect(throws: PQError.self) {
                try await analyst.execute("UPDATE prioritizer.sessions SET label = 'x'")
            }
            // Nor any other write, on any tenant table.
            for table in ["organizations", "agents", "sessions", "resources", "session_resources", "access_logs",
                          "prioritization_runs"] {
                // Identifiers come from the fixed list above, never from input.
                await #expect(throws: PQError.self, "UPDATE \(table)") {
                    try await analyst.execute(PQQuery("UPDATE prioritizer.\(table) SET org_id = org_id", []))
                }
                await #expect(throws: PQError.self, "DELETE \(table)") {
                    try await analyst.execute(PQQuery("DELETE FROM prioritizer.\(table)", []))
                }
                await #expect(throws: PQError.self, "INSERT \(table)") {
                    try await analyst.execute(PQQuery("INSERT INTO prioritizer.\(table) SELECT * FROM prioritizer.\(table) LIMIT 0", []))
                }
            }
            await #expect(throws: PQError.self) { try await analyst.query("SELECT * FROM prioritizer.agents") }
            // Setting the app's organization variable does not widen what an analyst sees.
            try await analyst.query("SELECT set_config('prioritizer.org_id', \(other.orgID.uuidString), false)")
            #expect(try await count("sessions") == 1)
            await #expect(throws: PQError.self) { try await analyst.executeScript("SET ROLE prioritizer_app") }
            await analyst.close()
        }
    }
}
