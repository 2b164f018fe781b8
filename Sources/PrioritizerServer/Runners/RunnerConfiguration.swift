import Foundation
import Prioritization

/// Bounds of the session runners and their group commits. Each has a flag of `prioritizer serve`.
public struct RunnerConfiguration: Sendable, Hashable {
    /// One runner per core by default: runners are actors, so more would only interleave.
    /// Flag `--workers`.
    public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
    /// Writes per transaction. 500 keeps a commit around ten milliseconds on a small machine while
    /// amortizing its fsync over hundreds of events. Flag `--batch-size`.
    public static let defaultMaxBatch = 500
    /// How long a runner may wait for more writes before committing a batch that is not full.
    /// 0: commit as soon as the previous commit ends (natural batching: under load batches fill
    /// while a commit is in flight; when idle a single TRACK commits at once). Flag `--batch-delay-ms`.
    public static let defaultMaxBatchDelay: Duration = .zero
    /// Writes queued across all runners before new ones are answered -BUSY (SPEC: at least
    /// 65,536, so 50 clients pipelining 32 deep never see it). Flag `--max-pending`.
    public static let defaultMaxPending = 65_536
    /// Session resources kept in memory across all runners; least recently used idle sessions are
    /// evicted past it (they reload from PostgreSQL on their next request). Flag `--max-resident-resources`.
    public static let defaultMaxResidentResources = 2_000_000
    /// Longest an `optimal` packing may search before answering its best so far. Flag `--packing-time-cap-ms`.
    public static let defaultPackingTimeCap: Duration = .milliseconds(50)

    /// Group commits of one runner in flight at once: with 2, a batch is written while the next is
    /// prepared and sent, so one busy session uses the database's time and the server's at once.
    /// Flag `--commit-concurrency`.
    public static let defaultCommitConcurrency = 2
    /// A further commit starts beside one in flight only for at least this many writes; fewer
    /// wait and join the next batch (see `SessionRunner.pump`).
    static let minimumOverlappingBatch = 64

    public var workers: Int
    public var commitConcurrency: Int
    public var maxBatch: Int
    public var maxBatchDelay: Duration
    public var maxPending: Int
    public var maxResidentResources: Int
    public var packingTimeCap: Duration
    /// Co-access relations learned per organization (issue 9); nil turns them off: no learning,
    /// no related candidates, LINK refused. Flag `--no-relations`.
    public var relations: RelationModel?
    /// How often changed relations are written to PostgreSQL (see `RelationRegistry`).
    public var relationFlushInterval: Duration

    public init(
        workers: Int = RunnerConfiguration.defaultWorkers, commitConcurrency: Int = defaultCommitConcurrency,
        maxBatch: Int = defaultMaxBatch,
        maxBatchDelay: Duration = defaultMaxBatchDelay, maxPending: Int = defaultMaxPending,
        maxResidentResources: Int = defaultMaxResidentResources, packingTimeCap: Duration = defaultPackingTimeCap,
        relations: RelationModel? = .standard, relationFlushInterval: Duration = .seconds(1)
    ) {
        self.workers = max(1, workers)
        self.commitConcurrency = max(1, commitConcurrency)
        self.maxBatch = max(1, maxBatch)
        self.maxBatchDelay = maxBatchDelay
        self.maxPending = max(1, maxPending)
        self.maxResidentResources = max(1, maxResidentResources)
        self.packingTimeCap = packingTimeCap
        self.relations = relations
        self.relationFlushInterval = relationFlushInterval
    }

    /// Each runner's share of the resident-resource bound (`--max-pending` is shared whole:
    /// `QueuedWriteBound`).
    var residentResourcesPerRunner: Int { max(1, maxResidentResources / workers) }
}
