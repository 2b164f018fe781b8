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

    /// The database version (`sessions.version`) whose writes `state` holds, plus this node's
    /// writes not yet committed.
    var version: Int64 = 0
    /// Steps of this node's commits that landed ahead of `version` (before → after): commits run
    /// concurrently and may report out of order. One left over once none is in flight means
    /// another node wrote in between.
    var stepsAhead: [Int64: Int64] = [:]
    /// This session's writes in batches being committed now.
    var writesInFlight = 0
    /// The batch (its first write's sequence) that last took this session's writes into a commit.
    var latestBatchInFlight = -1
    /// Two of this session's batches were committing at once since it last had none in flight
    /// (allowed while the node is alone): PostgreSQL may have applied them in another order than
    /// they were taken, so the counts it returned for them are not arrival-order counts.
    var commitsOverlapped = false
    /// The copy is known to miss writes (another node's, or one the database refused): reload it
    /// before the next read.
    var isStale = false
    /// The period of being alone (`ClusterMembership.currentAloneEpoch`) in which the copy was
    /// read from, or checked against, the database; nil if not read while alone. Alone, the node
    /// answers from memory, which only a copy read in the current period may do: one kept from
    /// before may miss what other nodes wrote meanwhile.
    var currentInAloneEpoch: Int?

    /// Whether the node, alone in `epoch`, may answer from this copy without checking it.
    func isTrusted(aloneIn epoch: Int?) -> Bool {
        guard let epoch else { return false }
        return !isStale && currentInAloneEpoch == epoch
    }

    var isClosed: Bool { record.closedAt != nil }

    /// Takes in how one of this node's commits moved the session's version.
    mutating func absorb(_ step: SessionVersionStep) {
        if step.before == version {
            version = step.after
            while let next = stepsAhead.removeValue(forKey: version) { version = next }
        } else if step.before > version {
            stepsAhead[step.before] = step.after
        } else {
            isStale = true
        }
    }

    /// Once no commit of the session is in flight, a step still waiting means a gap: another
    /// node's commit.
    mutating func settleSteps() {
        guard writesInFlight == 0, !stepsAhead.isEmpty else { return }
        stepsAhead.removeAll()
        isStale = true
    }
}

extension PrioritizationRunSummary {
    /// A persisted run, for the report of a session reloaded from the database.
    init(_ run: PrioritizationRunRecord) {
        self.init(
            strategy: (try? PackingStrategy(word: run.strategy)) ?? .optimal, budget: run.resourceBudget, limit: run.limit,
            chosenCount: run.chosenPaths.count, chosenTokens: run.chosenTokens,
            capturedImportance: run.capturedImportance, totalImportance: run.totalImportance,
            candidates: run.candidates, duration: .microseconds(run.durationMicros), at: run.evaluatedAt)
    }
}
