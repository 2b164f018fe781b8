import Foundation
import PQ
import PrioritizerStore
import Testing
import TestSupport

/// Commits recording PRIORITIZE runs lock their sessions' slots in `run_locks` (migrations/0016).
/// Slots are 14 bits of a session id, shared across sessions and organizations, so each commit
/// takes all of its slots first, in order. Taken group by group (one group per organization, in
/// the order the batch met them), two commits whose groups met the same two slots in opposite
/// order deadlocked: PostgreSQL broke the cycle after `deadlock_timeout` and the commit ran again.
@Suite("Run locks") struct RunLockTests {
    /// A session id whose run-lock slot is `slot`.
    private static func sessionID(inSlot slot: Int) -> UUID {
        var bytes = UUID().uuid
        bytes.0 = UInt8(slot & 0xFF)
        bytes.1 = UInt8((slot >> 8) & 0x3F)
        return UUID(uuid: bytes)
    }

    @Test func runsWhoseSlotsMeetInOppositeOrderAcrossOrganizationsDoNotDeadlock() async throws {
        try await ServiceFixture.with { fixture in
            let service = fixture.service
            let (other, otherAdmin) = try await service.createOrganization(name: "globex")
            func session(_ org: UUID, _ agent: UUID, slot: Int) async throws -> UUID {
                try await service.createSession(orgID: org, NewSession(sessionID: Self.sessionID(inSlot: slot), agentID: agent)).sessionID
            }
            func run(_ org: UUID, _ agent: UUID, _ session: UUID) -> TenantItem<PrioritizationRunRecord> {
                TenantItem(orgID: org, PrioritizationRunRecord(
                    sessionID: session, agentID: agent, strategy: "greedy", budget: 10, resourceBudget: 10,
                    chosenPaths: [], chosenTokens: 0, capturedImportance: 0, totalImportance: 0, candidates: 0,
                    durationMicros: 1, evaluatedAt: 1_000))
            }
            let connection = try await fixture.database.connect()
            func deadlocks() async throws -> Int64 {
                try await connection.executeScript("SELECT pg_stat_clear_snapshot()")
                return try await connection.query(
                    "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")[0].decode(0)
            }
            let before = try await deadlocks()
            let started = ContinuousClock.now
            for round in 0..<8 {
                let (x, y) = (100 + 2 * round, 101 + 2 * round)
                let me = (fixture.org.orgID, fixture.admin.agent.agentID)
                let them = (other.orgID, otherAdmin.agent.agentID)
                // First: slot x in the first organization, y in the second; second: the opposite.
                var first = WriteBatch()
                first.runs = [run(me.0, me.1, try await session(me.0, me.1, slot: x)),
                              run(them.0, them.1, try await session(them.0, them.1, slot: y))]
                var second = WriteBatch()
                second.runs = [run(me.0, me.1, try await session(me.0, me.1, slot: y)),
                               run(them.0, them.1, try await session(them.0, them.1, slot: x))]
                let batches = [first, second]
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for batch in batches { group.addTask { try await service.commit(batch) } }
                    try await group.waitForAll()
                }
            }
            let elapsed = ContinuousClock.now - started
            // The statistics reach pg_stat_database within a second of a transaction's end.
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await deadlocks() == before, "\(elapsed) for 8 rounds")
            await connection.close()
        }
    }
}
