import Foundation
import Prioritization

/// One organization's co-access graph, shared by every runner that holds one of its sessions.
///
/// A lock rather than an actor: a TRACK updates a handful of relations (microseconds) and must
/// not pay an actor hop and a suspension for it; the lock is held only for the update itself.
final class OrganizationRelations: @unchecked Sendable {
    let orgID: UUID
    private let lock = NSLock()
    private var graph: CoAccessGraph

    init(orgID: UUID, graph: CoAccessGraph) {
        self.orgID = orgID
        self.graph = graph
    }

    var model: RelationModel { graph.model }

    /// A session's access: relates it to the session's other recent accesses.
    func observe(_ path: String, tokens: Int?, at time: Int64, in window: inout CoAccessWindow) {
        lock.lock()
        defer { lock.unlock() }
        graph.observe(path, tokens: tokens, at: time, in: &window)
    }

    /// `LINK`: an explicit relation.
    func link(_ a: String, _ b: String, weight: Double, at time: Int64) {
        lock.lock()
        defer { lock.unlock() }
        graph.strengthen(a, b, by: weight, at: time)
    }

    /// Resources the session has not touched that relations tie to what it touched recently.
    func candidates(for state: SessionState, at time: Int64, valued: PackingCandidates? = nil) -> [PackingCandidate] {
        lock.lock()
        defer { lock.unlock() }
        return state.relatedCandidates(graph, at: time, valued: valued)
    }

    var relationCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return graph.relationCount
    }

    /// Changed relations not yet written (see `RelationRegistry`).
    var pendingChangeCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return graph.pendingChangeCount
    }

    func takeChanges(limit: Int) -> CoAccessGraph.Changes {
        lock.lock()
        defer { lock.unlock() }
        return graph.takeChanges(limit: limit)
    }

    /// Changes whose write failed: written again with the next flush.
    func restoreChanges(_ changes: CoAccessGraph.Changes) {
        lock.lock()
        defer { lock.unlock() }
        graph.markChanged(changes)
    }
}
