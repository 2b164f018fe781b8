import Foundation
import Logging
import NIOPosix
import Prioritization
import PrioritizerStore

/// Every organization's co-access relations in this process: loaded from PostgreSQL on first use,
/// updated in memory by TRACK and LINK, and written back in the background.
///
/// Durability: relations are derived hints, not acknowledged records. They are learned when a
/// TRACK is applied in memory — before its group commit, so a TRACK whose commit fails (answered
/// -TRYAGAIN, and retried by its client) may have strengthened them once more — and from LINK,
/// whose +OK promises no more than that. They are written about once per `flushInterval`, outside the group commits, so TRACK pays no
/// database work for them. Each periodic write takes at most `maxRelationsPerFlush` changed
/// relations, so under heavy load relation writes take a bounded share of the database and the
/// rest wait (memory stays bounded: a relation waits once however often it changes, and the
/// DELETEs of dropped rows are taken first, so upserts cannot hold them back forever). A crash
/// loses what had not been written — the relations then are weaker, never wrong — and a graceful
/// shutdown writes everything.
actor RelationRegistry {
    private let store: any ResourceService
    let model: RelationModel
    private let logger: Logger
    private var organizations: [UUID: OrganizationRelations] = [:]
    private var loading: [UUID: Task<OrganizationRelations, any Error>] = [:]
    private var flusher: Task<Void, Never>?

    /// Relations written per periodic flush at most. With 10,000 a second, relation upserts cost
    /// about as much database time as the TRACKs themselves on the 1,000-path benchmark (TRACK
    /// throughput fell to a sixth); 1,000 keeps them a small share, and hot relations simply wait.
    static let maxRelationsPerFlush = 1_000

    init(store: any ResourceService, model: RelationModel, flushInterval: Duration, logger: Logger) {
        self.store = store
        self.model = model
        self.logger = logger
        Task { await self.startFlushing(every: flushInterval) }
    }

    private func startFlushing(every interval: Duration) {
        // Holds the registry weakly: the loop ends once the registry is gone.
        flusher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let registry = self else { return }
                await registry.flush(limit: RelationRegistry.maxRelationsPerFlush)
            }
        }
    }

    deinit {
        flusher?.cancel()
    }

    /// The organization's relations, loaded once (concurrent first uses share one load).
    func relations(for orgID: UUID) async throws -> OrganizationRelations {
        if let loaded = organizations[orgID] { return loaded }
        let task: Task<OrganizationRelations, any Error>
        if let inFlight = loading[orgID] {
            task = inFlight
        } else {
            let (store, model, logger) = (self.store, self.model, self.logger)
            task = Task {
                let started = ContinuousClock.now
                let stored = try await store.relations(orgID: orgID)
                // Seconds of CPU for a large organization: on NIO's blocking pool, so that it
                // holds no event loop (Swift concurrency runs on them, see EventLoopExecutor).
                let graph = try await NIOThreadPool.singleton.runIfActive { Self.graph(of: stored, model: model) }
                // The organization's requests waited for this (2–3 µs per stored relation):
                // logged so that a pause after a start can be told apart from a slow database.
                logger.info("loaded co-access relations", metadata: [
                    "org": "\(orgID)", "stored": "\(stored.relations.count)", "kept": "\(graph.relationCount)",
                    "ms": "\((ContinuousClock.now - started) / .milliseconds(1))",
                ])
                return OrganizationRelations(orgID: orgID, graph: graph)
            }
            loading[orgID] = task
        }
        defer { loading[orgID] = nil }
        let loaded = try await task.value
        if let installed = organizations[orgID] { return installed }
        organizations[orgID] = loaded
        return loaded
    }

    private static func graph(of stored: StoredRelations, model: RelationModel) -> CoAccessGraph {
        var graph = CoAccessGraph(model: model)
        for relation in stored.relations {
            graph.restore(from: relation.path, to: relation.relatedPath, weight: relation.weight)
        }
        graph.pruneIfOverBound()
        for (path, tokens) in stored.tokens { graph.setTokens(tokens, for: path) }
        return graph
    }

    /// Writes every organization's changed relations; a failed write is retried on the next flush.
    /// Flushes run one after another, so an older weight never overwrites a newer one. Without a
    /// limit (shutdown, tests), everything changed so far is written.
    func flush(limit: Int = .max) async {
        let previous = lastFlush
        let flush = Task {
            await previous?.value
            await self.writeChanges(limit: limit)
        }
        lastFlush = flush
        await flush.value
    }

    private var lastFlush: Task<Void, Never>?

    /// Relations written per transaction: a flush without a limit (shutdown) may hold millions of
    /// changes, and one statement for all of them would outlast the statement timeout.
    static let maxRelationsPerTransaction = 50_000

    private func writeChanges(limit: Int) async {
        var budget = limit
        for relations in organizations.values {
            while budget > 0 {
                let changes = relations.takeChanges(limit: min(budget, Self.maxRelationsPerTransaction))
                guard !changes.isEmpty else { break }
                budget -= changes.upserted.count + changes.removed.count
                do {
                    try await store.writeRelations(
                        orgID: relations.orgID, changes, halfLifeSeconds: model.halfLifeMilliseconds / 1000)
                    writeFailures.succeeded(logger: logger)
                } catch {
                    // Kept for the next flush; this one stops here for the organization.
                    relations.restoreChanges(changes)
                    writeFailures.failed(error, logger: logger, metadata: ["org": "\(relations.orgID)"])
                    break
                }
            }
        }
    }

    /// Failed relation writes since the last one that worked (logged once per streak).
    private var writeFailures = FailureStreak("writing relations")

    /// Relation changes waiting for a periodic write, across organizations (INFO): how far the
    /// database's copy is behind memory.
    var pendingChangeCount: Int {
        organizations.values.reduce(0) { $0 + $1.pendingChangeCount }
    }

    /// Relations held in memory, across organizations (INFO).
    var relationCount: Int {
        organizations.values.reduce(0) { $0 + $1.relationCount }
    }
}
