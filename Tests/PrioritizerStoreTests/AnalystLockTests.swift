import Foundation
import PQ
import Prioritization
import PrioritizerStore
import Testing
import TestSupport

/// The server's own locks are ones an analyst cannot take. Before, migrations and the commits
/// that record PRIORITIZE runs waited on advisory locks, which any login may take: an analyst
/// holding the migration key stalled every server's start, and one holding its own session's run
/// key stalled the group commit carrying that session's run, other organizations' writes with it.
@Suite("Locks analysts cannot hold against the server") struct AnalystLockTests {
    /// The migration lock's key before the ledger lock replaced it.
    private static let formerMigrationKey: Int64 = 0x5052_494F_4D49_4752

    /// A session's run-lock key before migrations/0016.
    private static func formerRunKey(_ session: UUID) -> Int64 {
        withUnsafeBytes(of: session.uuid) { $0.loadUnaligned(as: Int64.self) }
    }

    @Test func anAnalystHoldingTheFormerKeysStallsNeitherAMigrationNorARun() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            let analyst = try await fixture.newAnalyst()
            try await analyst.query(
                "SELECT pg_advisory_lock(\(Self.formerMigrationKey)), pg_advisory_lock(\(Self.formerRunKey(session.sessionID)))")

            let migrating = try await fixture.database.connect()
            try await migrating.executeScript("SET lock_timeout = '5s'")
            let applied = try await Migrator().migrate(migrating)
            #expect(applied.isEmpty)
            await migrating.close()

            var batch = WriteBatch()
            batch.runs = [TenantItem(orgID: fixture.org.orgID, PrioritizationRunRecord(
                sessionID: session.sessionID, agentID: fixture.admin.agent.agentID, strategy: "greedy",
                budget: 1000, resourceBudget: 1000, chosenPaths: [], chosenTokens: 0, capturedImportance: 0,
                totalImportance: 0, candidates: 0, durationMicros: 1, evaluatedAt: 1_700_000_000_000))]
            let service = fixture.service
            let recording = batch
            let committedInTime = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await service.commit(recording)
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    return false
                }
                let first = try await group.next() ?? false
                // Stalled: let the commit end, so the test does not wait out the statement timeout.
                if !first { _ = try? await analyst.query("SELECT pg_advisory_unlock_all()") }
                group.cancelAll()
                return first
            }
            #expect(committedInTime, "the run's commit waited for the analyst's advisory lock")
            await analyst.close()
        }
    }

    @Test func analystsCannotTakeTheLedgerLockNorARunLock() async throws {
        try await ServiceFixture.with { fixture in
            let analyst = try await fixture.newAnalyst()
            for mode in ["ACCESS SHARE", "SHARE ROW EXCLUSIVE"] {
                await #expect(throws: PQError.self, "LOCK \(mode)") {
                    try await analyst.executeScript("BEGIN; LOCK TABLE prioritizer.schema_migrations IN \(mode) MODE")
                }
                try await analyst.executeScript("ROLLBACK")
            }
            await #expect(throws: PQError.self) { try await analyst.query("SELECT version FROM prioritizer.schema_migrations FOR KEY SHARE") }
            await #expect(throws: PQError.self) { try await analyst.query("SELECT slot FROM prioritizer.run_locks FOR KEY SHARE") }
            await #expect(throws: PQError.self) { try await analyst.execute("INSERT INTO prioritizer.run_locks VALUES (1)") }
            await #expect(throws: PQError.self) {
                try await analyst.executeScript("BEGIN; LOCK TABLE prioritizer.run_locks IN ACCESS SHARE MODE")
            }
            try await analyst.executeScript("ROLLBACK")
            await analyst.close()
        }
    }

    /// Each analyst role has at most 8 connections and 10-minute statement and idle-transaction
    /// timeouts (migrations/0019): before, one analyst could take every connection the database
    /// allows, or keep a transaction, and its read locks, open for good.
    @Test func analystRolesHaveBoundsOfTheirOwn() async throws {
        try await ServiceFixture.with { fixture in
            let conninfo = try await fixture.newAnalystConninfo()
            var connections: [PQConnection] = []
            for _ in 0..<8 { connections.append(try await PQConnection.connect(conninfo)) }
            await #expect(throws: PQError.self, "a ninth connection") { try await PQConnection.connect(conninfo) }
            let settings = try await connections[0].query(
                "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')")[0]
            #expect(try settings.decode(0, as: String.self) == "10min")
            #expect(try settings.decode(1, as: String.self) == "10min")
            for connection in connections { await connection.close() }
        }
    }
}
