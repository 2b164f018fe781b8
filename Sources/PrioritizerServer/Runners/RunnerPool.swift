import Foundation
import Logging
import Prioritization
import PrioritizerStore

/// The server's `SessionCommandHandler`: N `SessionRunner` actors, each owning the sessions whose
/// id hashes to it, so one session's requests are applied in arrival order by one actor while
/// different sessions proceed in parallel.
public final class RunnerPool: SessionCommandHandler, ServerStatisticsSource {
    private let runners: [SessionRunner]
    private let store: any ResourceService
    private let configuration: RunnerConfiguration
    private let statistics: RunnerStatistics
    private let relations: RelationRegistry?
    /// This node among the others serving the same database; see `join(address:)`.
    public let membership: ClusterMembership
    /// Revocations made anywhere, heard from `join` to `leave`.
    public let revocations: RevocationWatch

    /// `metrics`: where commit latencies, batch sizes and database errors are also counted.
    public init(
        store: any ResourceService, configuration: RunnerConfiguration = RunnerConfiguration(),
        clock: any ServerClock = SystemClock(), metrics: ServerMetrics? = nil,
        clusterTiming: ClusterMembership.Timing = .init(), heartbeatStore: (any ResourceService)? = nil,
        logger: Logger = Logger(label: "prioritizer.runners")
    ) throws {
        // Load and verify the token tables now, so a damaged installation fails at start-up
        // rather than on a client's first TRACK.
        for encoding in TokenEncoding.allCases { _ = try Tokenizer.shared(encoding) }
        self.store = store
        self.configuration = configuration
        let statistics = RunnerStatistics(metrics: metrics)
        self.statistics = statistics
        let relations = configuration.relations.map {
            RelationRegistry(store: store, model: $0, flushInterval: configuration.relationFlushInterval, logger: logger)
        }
        self.relations = relations
        // Heartbeats on a connection of their own (when given one) never queue behind a busy
        // pool: a late heartbeat would cost a lone node its lease just when it is loaded.
        let membership = ClusterMembership(store: heartbeatStore ?? store, timing: clusterTiming, logger: logger)
        self.membership = membership
        revocations = RevocationWatch(store: store)
        let gate = CommitGate<SessionRunner>(maxInFlight: configuration.workers * configuration.commitConcurrency)
        let queuedWrites = QueuedWriteBound(limit: configuration.maxPending)
        runners = (0..<configuration.workers).map { index in
            SessionRunner(
                index: index, store: store, gate: gate, queuedWrites: queuedWrites, configuration: configuration, clock: clock,
                statistics: statistics,
                relations: relations, membership: membership, logger: logger)
        }
    }

    /// Sessions reloaded because another node (or a refused write) changed them.
    public var sessionsReloaded: Int { statistics.reloadedSessions }

    /// Registers this node in `prioritizer.nodes` and starts its heartbeats; returns once it may
    /// serve. Until then (and without it) every read checks the database for other nodes' writes.
    public func join(address: String) async throws {
        revocations.start()
        do {
            try await membership.join(address: address)
        } catch {
            await revocations.stop()
            throw error
        }
    }

    /// Leaves the node table (graceful shutdown), after `flushAll`.
    public func leave() async {
        await membership.leave()
        await revocations.stop()
    }

    /// The runner that owns a session: a stable function of its id (the same after a restart).
    private func runner(for id: SessionID) -> SessionRunner {
        runners[runnerIndex(for: id)]
    }

    private func runnerIndex(for id: SessionID) -> Int {
        let bytes = id.uuid.uuid
        let mixed = UInt64(bytes.8) << 56 | UInt64(bytes.9) << 48 | UInt64(bytes.10) << 40 | UInt64(bytes.11) << 32
            | UInt64(bytes.12) << 24 | UInt64(bytes.13) << 16 | UInt64(bytes.14) << 8 | UInt64(bytes.15)
        return Int(mixed % UInt64(runners.count))
    }

    // MARK: - SessionCommandHandler

    public func createSession(_ request: CreateSessionRequest, by caller: AuthenticatedIdentity) async throws -> SessionID {
        if let parent = request.parent {
            // The child copies the parent's rows in the database: commit what the parent's runner
            // has taken so far first, so the copy includes every acknowledged TRACK.
            _ = try await runner(for: parent).info(parent, by: caller)
            await runner(for: parent).flush()
        }
        let session = NewSession(
            agentID: caller.agentID, label: request.label, budget: request.budget.map { Int(clamping: $0) },
            halfLifeSeconds: request.halfLifeSeconds ?? ImportanceModel.standard.defaultHalfLifeSeconds,
            encoding: (request.encoding ?? .default).rawValue, parentSessionID: request.parent?.uuid)
        do {
            let record = try await store.createSession(orgID: caller.organizationID, session)
            return SessionID(record.sessionID)
        } catch {
            throw replyError(for: error)
        }
    }

    public func session(_ id: SessionID, by caller: AuthenticatedIdentity) async throws -> SessionInfo {
        await membership.admitted()
        return try await runner(for: id).info(id, by: caller)
    }

    public func listSessions(limit: Int64, by caller: AuthenticatedIdentity) async throws -> [SessionID] {
        do {
            return try await store.sessionIDs(orgID: caller.organizationID, limit: Int(clamping: limit)).map(SessionID.init)
        } catch {
            throw replyError(for: error)
        }
    }

    public func closeSession(_ id: SessionID, by caller: AuthenticatedIdentity) async throws {
        await membership.admitted()
        return try await runner(for: id).close(id, by: caller)
    }

    public func submitTrack(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<Int64> {
        await membership.admitted()
        return try await runner(for: request.session).submitTrack(request, by: caller)
    }

    /// The first of `requests` and the ones after it that its runner can take at once (see
    /// `SessionRunner.submitTracks`): the requests after a session of another runner wait for
    /// the next call, so that every request is taken in the order sent. After a wait for the
    /// node's admission (start-up), the first alone: the caller checks the login again before
    /// the others.
    public func submitTracks(_ requests: ArraySlice<TrackRequest>, by caller: AuthenticatedIdentity) async -> [Result<CommitTicket<Int64>, any Error>] {
        guard let first = requests.first else { return [] }
        let waited = await membership.admitted()
        let owner = runnerIndex(for: first.session)
        let end = waited
            ? requests.index(after: requests.startIndex)
            : requests.firstIndex { runnerIndex(for: $0.session) != owner } ?? requests.endIndex
        return await runners[owner].submitTracks(requests[..<end], by: caller)
    }

    public func track(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> Int64 {
        try await submitTrack(request, by: caller).value()
    }

    public func submitPrioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<[ContextEntry]> {
        await membership.admitted()
        return try await runner(for: request.session).submitPrioritize(request, by: caller)
    }

    public func prioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry] {
        try await submitPrioritize(request, by: caller).value()
    }

    public func importance(_ request: ImportanceRequest, by caller: AuthenticatedIdentity) async throws -> Double? {
        await membership.admitted()
        return try await runner(for: request.session).importance(request, by: caller)
    }

    public func top(_ request: TopRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry] {
        await membership.admitted()
        return try await runner(for: request.session).top(request, by: caller)
    }

    public func metrics(_ request: MetricsRequest, by caller: AuthenticatedIdentity) async throws -> String {
        await membership.admitted()
        return try await runner(for: request.session).metrics(request, by: caller)
    }

    private func replyError(for error: any Error) -> CommandError {
        let reply = SessionRunner.replyError(for: error)
        if SessionRunner.isDatabaseFailure(reply) { statistics.storeCallFailed() }
        return reply
    }

    public func link(_ request: LinkRequest, by caller: AuthenticatedIdentity) async throws {
        await membership.admitted()
        return try await runner(for: request.session).link(request, by: caller)
    }

    /// Waits until every write taken so far is committed (graceful shutdown), relations included.
    public func flushAll() async {
        for runner in runners { await runner.flush() }
        await relations?.flush()
    }

    // MARK: - INFO

    public func runnerFigures() async -> RunnerFigures? {
        var figures = RunnerFigures(sessions: 0, resources: 0, pendingWrites: 0)
        for runner in runners {
            figures.sessions += await runner.residentSessionCount
            figures.resources += await runner.residentResourceCount
            figures.pendingWrites += await runner.pendingCount
        }
        return figures
    }

    public func infoSections() async -> [InfoSection] {
        let figures = await runnerFigures()!
        let (stats, latency) = statistics.fields()
        return [
            InfoSection(name: "Runners", fields: [
                ("workers", "\(runners.count)"), ("sessions_in_memory", "\(figures.sessions)"),
                ("resources_in_memory", "\(figures.resources)"), ("pending_writes", "\(figures.pendingWrites)"),
                ("max_batch", "\(configuration.maxBatch)"), ("max_pending", "\(configuration.maxPending)"),
                ("relations_in_memory", "\(await relations?.relationCount ?? 0)"),
                ("relations_unwritten", "\(await relations?.pendingChangeCount ?? 0)"),
            ]),
            InfoSection(name: "Cluster", fields: [
                ("other_nodes", "\(membership.otherLiveNodes)"), ("alone", membership.isAlone ? "1" : "0"),
            ]),
            InfoSection(name: "Stats", fields: stats.map { (key: $0.0, value: $0.1) }),
            InfoSection(name: "Latency", fields: latency.map { (key: $0.0, value: $0.1) }),
        ]
    }
}
