import Foundation
import Prioritization
import PrioritizerStore

/// One session as a runner holds it in memory: its record, its state, its latest run.
struct LoadedSession: Sendable {
    var record: SessionRecord
    var state: SessionState
    var encoding: TokenEncoding
    var lastRun: PrioritizationRunSummary?
    /// Acknowledged or pending TRACKs into this session (SESSION.GET's `accesses`).
    var accesses: Int
    /// Writes of this session not yet committed; a session with pending writes is never evicted.
    var pendingWrites = 0
    /// For least-recently-used eviction.
    var lastUsed: UInt64 = 0
    /// The organization's co-access relations (nil when the server runs without them).
    var relations: OrganizationRelations? = nil
    /// This session's recent accesses, which a new access is related to.
    var window = CoAccessWindow()

    var isClosed: Bool { record.closedAt != nil }
}

extension PrioritizationRunSummary {
    /// A persisted run, for the report of a session reloaded from the database.
    init(_ run: PrioritizationRunRecord) {
        self.init(
            strategy: (try? PackingStrategy(word: run.strategy)) ?? .optimal, budget: run.resourceBudget, limit: nil,
            chosenCount: run.chosenPaths.count, chosenTokens: run.chosenTokens,
            capturedImportance: run.capturedImportance, totalImportance: run.totalImportance,
            candidates: run.candidates, duration: .microseconds(run.durationMicros), at: run.evaluatedAt)
    }
}
