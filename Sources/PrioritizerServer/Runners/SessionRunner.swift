import Foundation
import Logging
import NIOPosix
import Prioritization
import PrioritizerStore

/// Owns a share of the sessions (chosen by a stable hash of their ids): holds their state in
/// memory, applies each session's requests in arrival order, and writes through group commits.
///
/// Every request that writes applies its change in memory, appends its write to the pending
/// batch and gets a `CommitTicket`; one commit loop per runner writes the pending batch in one
/// transaction through `ResourceService` and settles the tickets. Replies wait on their ticket,
/// so nothing is acknowledged before it is durable.
actor SessionRunner {
    let index: Int
    private let store: any ResourceService
    /// Turns for small group commits, shared by all runners.
    private let gate: CommitGate<SessionRunner>
    /// `--max-pending`, shared with the other runners.
    private let queuedWrites: QueuedWriteBound
    private let configuration: RunnerConfiguration
    private let clock: any ServerClock
    private let statistics: RunnerStatistics
    private let logger: Logger
    /// Co-access relations per organization, shared by all runners; nil when turned off.
    private let relations: RelationRegistry?
    /// Whether other nodes write the same database (then reads check versions first).
    private let membership: ClusterMembership

    private var sessions: [UUID: LoadedSession] = [:]
    /// Loads in flight, by session and by the organization asking (a load answers for one organization).
    private var loading: [LoadKey: Task<LoadedSession?, any Error>] = [:]
    private struct LoadKey: Hashable {
        let session: UUID
        let org: UUID
    }
    private var residentResources = 0
    private var useCounter: UInt64 = 0

    private var pending: [PendingWrite] = []

    /// One write waiting for the next commit, with the ticket its request waits on.
    private struct PendingWrite {
        enum Item {
            /// `count`: the access count this node's copy gave the event, in arrival order.
            case access(TrackedAccess, ticket: CommitTicket<Int64>, count: Int64)
            case run(PrioritizationRunRecord, ticket: CommitTicket<Void>)
        }
        var orgID: UUID
        var sessionID: UUID
        var item: Item
        /// Order taken, from 0: lets `flush` wait for exactly the writes taken before it.
        var sequence = 0
        /// When the runner took it: a TRACK's commit latency runs from here.
        var takenAt = ContinuousClock.now
        /// A TRACK counted from a copy trusted while the node was alone: the period it was alone
        /// in (`ClusterMembership.currentAloneEpoch`); nil otherwise. Its own count answers it only
        /// if the node is still alone in that period once it committed.
        var countedInPeriod: Int? = nil

        var isTrack: Bool { if case .access = item { true } else { false } }

        /// Answers the request waiting on this write: its reply (a TRACK's access count as the
        /// database applied it), or the failure.
        func settle(failure: CommandError?, accessCount: Int64? = nil) {
            switch item {
            case .access(_, let ticket, _):
                if let failure {
                    ticket.resolve(.failure(failure))
                } else if let accessCount {
                    ticket.resolve(.success(accessCount))
                } else {
                    ticket.resolve(.failure(CommandError.sessionClosed))
                }
            case .run(_, let ticket): ticket.resolve(failure.map { .failure($0) } ?? .success(()))
            }
        }
    }

    init(
        index: Int, store: any ResourceService, gate: CommitGate<SessionRunner>, queuedWrites: QueuedWriteBound,
        configuration: RunnerConfiguration,
        clock: any ServerClock,
        statistics: RunnerStatistics, relations: RelationRegistry?, membership: ClusterMembership, logger: Logger
    ) {
        self.index = index
        self.membership = membership
        self.relations = relations
        self.store = store
        self.gate = gate
        self.queuedWrites = queuedWrites
        self.configuration = configuration
        self.clock = clock
        self.statistics = statistics
        var logger = logger
        logger[metadataKey: "runner"] = "\(index)"
        self.logger = logger
    }

    // MARK: - Requests

    // Sessions are mutated in place (`sessions[id]!.state.apply(...)`): a local copy of a
    // LoadedSession would share its resource dictionary, and the first mutation would then copy
    // the whole dictionary — once per request. On the TRACK path they are also read in place
    // (`loaded(_:_:)`): `sessions[id]!.field` copies the whole LoadedSession first.

    /// `body` on the loaded session `id`, in place; nil when it is not loaded. A Dictionary's
    /// getter returns a copy of the value (retaining everything it holds): reading a field that
    /// way, a few times per TRACK, was 4% of a pipelined TRACK's server time.
    @discardableResult
    private func loaded<R>(_ id: UUID, _ body: (inout LoadedSession) -> R) -> R? {
        guard let index = sessions.index(forKey: id) else { return nil }
        return body(&sessions.values[index])
    }

    func submitTrack(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<Int64> {
        var request = request
        let id = request.session.uuid
        try await ensureWritable(id, for: caller)
        var contentDigest: [UInt8]?
        if let content = request.content, content.count > Self.inlineTextLimit {
            // Refused now if it would be refused after the count: no long count for nothing.
            guard !loaded(id, { $0.isClosed })! else { throw CommandError.sessionClosed }
            guard !queuedWrites.isFull else {
                statistics.rejectedBusy()
                throw CommandError.busy
            }
            let tokenizer = Self.tokenizer(loaded(id, { $0.encoding })!)
            let (tokens, digest) = try await Self.offLoops { (tokenizer.count(bytes: content), ContentDigest.sha256(content)) }
            // What the CONTENT gives, stated: it takes precedence over TOKENS and SIZE as CONTENT would.
            request.content = nil
            request.tokens = Int64(tokens)
            contentDigest = digest
            try await ensureWritable(id, for: caller)
        }
        // Alone, the reply counts from memory: a copy kept from before must match the database.
        if let epoch = membership.currentAloneEpoch, !loaded(id, { $0.isTrusted(aloneIn: epoch) })! {
            try await ensureReadable(id, for: caller)
            try await ensureWritable(id, for: caller)
        }
        var (closed, tokens, newWithoutCount, _) = trackFacts(request)
        if newWithoutCount && !closed {
            // Nothing in the request, and the resource is new to the session: the organization's
            // last known count, which another session may have reported (SPEC's last resort). Once
            // per resource and session; later accesses keep the session's own count.
            let path = request.path
            let lastKnown = try await storeCall {
                try await self.store.lastKnownTokenCount(orgID: caller.organizationID, path: path)
            }
            try await ensureWritable(id, for: caller)
            // Another TRACK may have brought the resource into the session meanwhile, with a count
            // of its own: that count stands (the organization's, read before it, may be older).
            let now = trackFacts(request)
            closed = now.closed
            tokens = now.newWithoutCount ? lastKnown : now.tokens
        }
        guard !closed else { throw CommandError.sessionClosed }
        let period = membership.currentAloneEpoch
        let trusted = loaded(id, { $0.isTrusted(aloneIn: period) })!
        return try take(
            request, tokens: tokens, contentDigest: contentDigest, by: caller, countedInPeriod: trusted ? period : nil,
            pumping: true)
    }

    /// CONTENT and PROMPT texts up to this many bytes are counted on the runner; longer ones on
    /// NIO's blocking pool (`offLoops`), as TOKENS counts them.
    static let inlineTextLimit = TokenizerTokenCounting.inlineCountLimit

    /// Runs `work` on NIO's blocking thread pool. The runners run on the event loops (Swift
    /// concurrency's executor here), so a CONTENT of 64 MiB counted in place stalled every
    /// connection of one loop for as long as it took (about half a second in a release build).
    private static func offLoops<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive(work)
        } catch {
            // The pool is shutting down with the process: nothing was taken.
            throw CommandError.tryAgain
        }
    }

    /// A connection's consecutive TRACKs in one call: each in order that needs no wait (session
    /// in memory, token count known, no close in progress), at most a batch's worth
    /// (`--batch-size`), offered to the group commit together after the last, so that a burst is
    /// not split over a small commit its first TRACK started and the next. A long burst then lets
    /// other work on the runner (other connections, settling commits) in between, and each
    /// batch's writes start their commit as soon as they are taken. One result per request taken,
    /// at least one.
    ///
    /// Nothing here may wait once a TRACK has been taken for the caller's login: the caller checks
    /// the login before each call, as it would before each request. So the call stops before the
    /// first TRACK that must wait, and a first TRACK that must wait is taken alone (as
    /// `submitTrack` takes it): the requests after it go in the next call, whose login check
    /// then follows the wait.
    func submitTracks(_ requests: ArraySlice<TrackRequest>, by caller: AuthenticatedIdentity) async -> [Result<CommitTicket<Int64>, any Error>] {
        var results: [Result<CommitTicket<Int64>, any Error>] = []
        results.reserveCapacity(requests.count)
        // Writes taken since the last pump: they hold places under `--max-pending` that a pump
        // may give back (taken one by one, each would have been offered to the commit at once).
        var unpumped = 0
        let epoch = membership.currentAloneEpoch
        for request in requests {
            do {
                if unpumped > 0 && queuedWrites.isFull {
                    pump()
                    unpumped = 0
                }
                if let taken = try takeWithoutWaiting(request, by: caller, aloneIn: epoch) {
                    results.append(.success(taken))
                    unpumped += 1
                } else if results.isEmpty {
                    do {
                        results.append(.success(try await submitTrack(request, by: caller)))
                    } catch {
                        results.append(.failure(error))
                    }
                    break
                } else {
                    break
                }
            } catch {
                results.append(.failure(error))
            }
            if results.count == configuration.maxBatch { break }
        }
        pump()
        return results
    }

    /// `submitTrack`'s work when it needs no wait: the session is in memory (and, the node alone
    /// in `epoch`, trusted), no close of it is in progress, and the token count needs no store
    /// call. Nil when it does need one (nothing done then but `ensureLoaded`'s use mark); throws
    /// what `submitTrack` would.
    private func takeWithoutWaiting(
        _ request: TrackRequest, by caller: AuthenticatedIdentity, aloneIn epoch: Int?
    ) throws -> CommitTicket<Int64>? {
        let id = request.session.uuid
        guard closing[id] == nil, try markUsedIfLoaded(id, for: caller) else { return nil }
        if let content = request.content, content.count > Self.inlineTextLimit { return nil }
        let (closed, tokens, newWithoutCount, trusted) = trackFacts(request, aloneIn: epoch)
        if epoch != nil && !trusted { return nil }
        guard !closed else { throw CommandError.sessionClosed }
        if newWithoutCount { return nil }
        // Taken only from a copy trusted in `epoch` when alone, so counted in that period.
        return try take(request, tokens: tokens, contentDigest: nil, by: caller, countedInPeriod: epoch, pumping: false)
    }

    /// What taking a TRACK depends on, read from its loaded session in one lookup: whether the
    /// session is closed, the request's token count, whether it states none for a resource new
    /// to the session (the organization's last known count is then read first), and whether the
    /// node, alone in `epoch`, may count from the copy (`LoadedSession.isTrusted`).
    private func trackFacts(
        _ request: TrackRequest, aloneIn epoch: Int? = nil
    ) -> (closed: Bool, tokens: Int?, newWithoutCount: Bool, trusted: Bool) {
        loaded(request.session.uuid) { session in
            let tokens = Self.resolveTokens(request, encoding: session.encoding)
            return (session.isClosed, tokens, tokens == nil && session.state.resources[request.path] == nil,
                    session.isTrusted(aloneIn: epoch))
        }!
    }

    /// Applies a TRACK to its loaded, open session and queues its write; `countedInPeriod`: the
    /// alone period in which its copy is trusted, if it is (`PendingWrite.countedInPeriod`);
    /// `pumping`: offer it to the group commit now (else the caller pumps).
    private func take(
        _ request: TrackRequest, tokens: Int?, contentDigest: [UInt8]?, by caller: AuthenticatedIdentity,
        countedInPeriod: Int?, pumping: Bool
    ) throws -> CommitTicket<Int64> {
        let id = request.session.uuid
        guard queuedWrites.admit() else {
            statistics.rejectedBusy()
            throw CommandError.busy
        }
        let at = request.at ?? clock.nowMilliseconds()
        let (count, added) = loaded(id) { session in
            let before = session.state.resources.count
            let count = session.state.apply(AccessEvent(
                path: request.path, type: request.type, access: request.access, at: at, modified: request.modified,
                tokens: tokens, size: request.size.map(Int.init)))
            session.accesses += 1
            session.pendingWrites += 1
            // Relations are learned in memory at once (the next PRIORITIZE sees them) and written
            // in the background by the registry: they are derived, not acknowledged, data.
            let organization = session.relations
            organization?.observe(request.path, tokens: tokens, at: at, in: &session.window)
            return (count, session.state.resources.count - before)
        }!
        residentResources += added

        let ticket = CommitTicket<Int64>()
        let contentHash = contentDigest ?? request.content.map { ContentDigest.sha256($0) }
        let access = TrackedAccess(
            sessionID: id, agentID: caller.agentID, path: request.path, type: request.type,
            access: request.access, at: at, modified: request.modified, sizeBytes: request.size.map(Int.init),
            tokenCount: tokens, contentSHA256: contentHash)
        enqueue(
            PendingWrite(
                orgID: caller.organizationID, sessionID: id, item: .access(access, ticket: ticket, count: Int64(count)),
                countedInPeriod: countedInPeriod),
            pumping: pumping)
        return ticket
    }

    func submitPrioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<[ContextEntry]> {
        let id = request.session.uuid
        try await ensureReadable(id, for: caller)
        var promptTokens: Int64 = 0
        if let prompt = request.prompt {
            let tokenizer = Self.tokenizer(sessions[id]!.encoding)
            if prompt.count > Self.inlineTextLimit {
                promptTokens = Int64(try await Self.offLoops { tokenizer.count(bytes: prompt) })
                try await ensureReadable(id, for: caller)
            } else {
                promptTokens = Int64(tokenizer.count(bytes: prompt))
            }
        }
        let at = request.at ?? clock.nowMilliseconds()
        // Below zero when RESERVE and the prompt exceed the budget: then nothing fits, not even
        // an empty file (a budget clamped to 0 still took the 0-token resources).
        let resourceBudget = request.budget - request.reserve - promptTokens
        let started = ContinuousClock.now
        sessions[id]!.state.preparePathRanks()
        var candidates = sessions[id]!.state.packingCandidates(at: at)
        if request.related { candidates.append(contentsOf: relatedCandidates(id, at: at, valued: candidates)) }
        let result = Packer.pack(
            candidates,
            PackingRequest(
                budget: Int(clamping: resourceBudget), limit: request.limit.map { Int(clamping: $0) },
                strategy: request.strategy, timeCap: configuration.packingTimeCap),
            pathRanks: sessions[id]!.state.resources.pathRanks ?? [])
        // The reply cannot say so (it is the list of entries), so the operator is told instead.
        let cutShort = request.strategy == .optimal && !result.provenOptimal
        statistics.prioritized(duration: ContinuousClock.now - started, cutShort: cutShort)
        if cutShort {
            logger.notice("optimal packing reached its time cap and answered its best packing so far", metadata: [
                "session": "\(request.session)", "candidates": "\(result.candidateCount)",
                "budget": "\(resourceBudget)", "nodes": "\(result.searchNodes)",
            ])
        }
        let entries = result.entries.map { ContextEntry(path: $0.path, importance: $0.importance, tokens: Int64($0.tokens)) }
        if request.dryRun { return .settled(entries) }
        // What the run's report compares captured importance with: every candidate's, valued once.
        let total = candidates.totalImportance
        guard queuedWrites.admit() else {
            statistics.rejectedBusy()
            throw CommandError.busy
        }

        sessions[id]!.state.markIncluded(result.chosenPaths)
        sessions[id]!.lastRun = PrioritizationRunSummary(result: result, totalImportance: total, at: at)
        sessions[id]!.pendingWrites += 1
        let run = PrioritizationRunRecord(
            sessionID: id, agentID: caller.agentID, strategy: request.strategy.rawValue.lowercased(),
            budget: Int(clamping: request.budget), resourceBudget: Int(clamping: resourceBudget),
            limit: request.limit.map { Int(clamping: $0) }, chosenPaths: result.chosenPaths, chosenTokens: result.totalTokens,
            capturedImportance: result.totalImportance, totalImportance: total, candidates: result.candidateCount,
            durationMicros: Int(result.elapsed / .microseconds(1)),
            evaluatedAt: at)
        let written = CommitTicket<Void>()
        enqueue(PendingWrite(orgID: caller.organizationID, sessionID: id, item: .run(run, ticket: written)))
        let reply = CommitTicket<[ContextEntry]>()
        Task {
            do {
                try await written.value()
                reply.resolve(.success(entries))
            } catch {
                reply.resolve(.failure(error))
            }
        }
        return reply
    }

    func importance(_ request: ImportanceRequest, by caller: AuthenticatedIdentity) async throws -> Double? {
        let id = request.session.uuid
        try await ensureReadable(id, for: caller)
        return sessions[id]!.state.importance(of: request.path, at: request.at ?? clock.nowMilliseconds())
    }

    func top(_ request: TopRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry] {
        let id = request.session.uuid
        try await ensureReadable(id, for: caller)
        let at = request.at ?? clock.nowMilliseconds()
        let limit = Int(clamping: request.limit)
        let tracked = sessions[id]!.state.top(limit, at: at).map {
            ContextEntry(path: $0.resource.path, importance: $0.importance, tokens: Int64($0.resource.tokens ?? 0))
        }
        guard request.related else { return tracked }
        let related = relatedCandidates(id, at: at).map {
            ContextEntry(path: $0.path, importance: $0.importance, tokens: Int64($0.tokens ?? 0))
        }
        guard !related.isEmpty else { return tracked }
        return Array((tracked + related).sorted {
            $0.importance != $1.importance ? $0.importance > $1.importance : $0.path < $1.path
        }.prefix(limit))
    }

    func link(_ request: LinkRequest, by caller: AuthenticatedIdentity) async throws {
        let id = request.session.uuid
        try await ensureWritable(id, for: caller)
        guard !sessions[id]!.isClosed else { throw CommandError.sessionClosed }
        guard let organization = sessions[id]!.relations else { throw CommandError.relationsDisabled }
        organization.link(
            request.path, request.relatedPath, weight: request.weight ?? organization.model.defaultLinkWeight,
            at: request.at ?? clock.nowMilliseconds())
    }

    /// Resources the session never touched that relations tie to what it touched recently.
    /// `valued`: the session's own candidates at `time`, when at hand.
    private func relatedCandidates(_ id: UUID, at time: Int64, valued: PackingCandidates? = nil) -> [PackingCandidate] {
        sessions[id]!.relations?.candidates(for: sessions[id]!.state, at: time, valued: valued) ?? []
    }

    func metrics(_ request: MetricsRequest, by caller: AuthenticatedIdentity) async throws -> String {
        let id = request.session.uuid
        try await ensureReadable(id, for: caller)
        let at = clock.nowMilliseconds()
        let report = MetricsReport(
            sessionID: request.session.description, state: sessions[id]!.state, lastRun: sessions[id]!.lastRun, at: at)
        switch request.format {
        case .markdown: return report.markdown()
        case .json: return report.json()
        case .html:
            return SessionReportPage(
                report: report, label: sessions[id]!.record.label,
                resources: ReportResourcePoint.all(in: sessions[id]!.state, at: at)
            ).html()
        }
    }

    func info(_ id: SessionID, by caller: AuthenticatedIdentity) async throws -> SessionInfo {
        try await ensureReadable(id.uuid, for: caller)
        let session = sessions[id.uuid]!
        let record = session.record
        return SessionInfo(
            id: id, label: record.label, budget: record.budget.map(Int64.init), halfLifeSeconds: record.halfLifeSeconds,
            parent: record.parentSessionID.map(SessionID.init), agent: record.agentName,
            createdAt: record.createdAt.unixMilliseconds, closed: session.isClosed,
            resources: Int64(session.state.resources.count), accesses: Int64(session.accesses))
    }

    func close(_ id: SessionID, by caller: AuthenticatedIdentity) async throws {
        try await ensureWritable(id.uuid, for: caller)
        let closed = CommitTicket<Void>()
        closing[id.uuid] = closed
        defer {
            closing[id.uuid] = nil
            closed.resolve(.success(()))
        }
        // The writes taken before the close, this session's TRACKs among them, are committed
        // first: the close would otherwise refuse those still waiting for their commit.
        await flush()
        guard try await storeCall({ try await self.store.closeSession(orgID: caller.organizationID, sessionID: id.uuid) }) else {
            throw CommandError.noSuchSession
        }
        if sessions[id.uuid] != nil {
            if sessions[id.uuid]!.record.closedAt == nil { sessions[id.uuid]!.record.closedAt = Date() }
            // Closing raised the version past what the copy reflects (reads reload it).
            sessions[id.uuid]!.isStale = true
        }
    }

    /// Sessions whose SESSION.CLOSE is being written. A TRACK or LINK that arrives meanwhile
    /// waits for its outcome, so that none taken after the close is acknowledged.
    private var closing: [UUID: CommitTicket<Void>] = [:]

    /// `ensureLoaded` for a write: also waits out a close of the session in progress, and reloads
    /// the session if that close made the runner's copy stale.
    private func ensureWritable(_ id: UUID, for caller: AuthenticatedIdentity) async throws {
        try await ensureLoaded(id, for: caller)
        while !closing.isEmpty, let inProgress = closing[id] {
            _ = try? await inProgress.value()
            try await ensureLoaded(id, for: caller)
        }
    }

    /// Waits until every write this runner has taken so far is committed (or failed).
    func flush() async {
        let target = nextSequence - 1
        guard settledThrough < target else { return }
        let waiter = CommitTicket<Void>()
        flushWaiters.append((target, waiter))
        _ = try? await waiter.value()
    }

    /// `flush` callers, each waiting until every write up to its sequence has settled. Under
    /// steady load the runner is never idle; this waits only for what was taken before the call.
    private var flushWaiters: [(through: Int, waiter: CommitTicket<Void>)] = []
    private var nextSequence = 0
    /// The first sequence of each batch in flight.
    private var inFlightStarts: [Int] = []

    /// Every write with a sequence up to this one has settled (committed or failed).
    private var settledThrough: Int {
        let oldestOpen = min(pending.first?.sequence ?? nextSequence, inFlightStarts.min() ?? nextSequence)
        return oldestOpen - 1
    }

    private func wakeFlushWaiters() {
        let through = settledThrough
        flushWaiters.removeAll { entry in
            guard entry.through <= through else { return false }
            entry.waiter.resolve(.success(()))
            return true
        }
    }

    var residentSessionCount: Int { sessions.count }
    var residentResourceCount: Int { residentResources }
    var pendingCount: Int { pending.count }

    // MARK: - Sessions in memory

    /// Makes sure the caller's session is in memory, loading it from PostgreSQL on first use. A
    /// session of another organization is answered exactly as an unknown one.
    private func ensureLoaded(_ id: UUID, for caller: AuthenticatedIdentity) async throws {
        if try markUsedIfLoaded(id, for: caller) { return }
        let key = LoadKey(session: id, org: caller.organizationID)
        // The copy counts as read in this period of being alone only if this request started its
        // read (one already in flight may have begun before the node was alone).
        let epoch = loading[key] == nil ? membership.currentAloneEpoch : nil
        let task: Task<LoadedSession?, any Error>
        if let inFlight = loading[key] {
            task = inFlight
        } else {
            let store = self.store
            let orgID = caller.organizationID
            let relations = self.relations
            task = Task { try await Self.load(id, orgID: orgID, from: store, relations: relations) }
            loading[key] = task
        }
        let outcome: LoadedSession?
        do {
            outcome = try await storeCall { try await task.value }
        } catch {
            loading[key] = nil
            throw error
        }
        loading[key] = nil
        // Another request may have installed it meanwhile (the one that started the load).
        if sessions[id] != nil {
            guard sessions[id]!.record.orgID == caller.organizationID else { throw CommandError.noSuchSession }
            return
        }
        guard var session = outcome, session.record.orgID == caller.organizationID else {
            throw CommandError.noSuchSession
        }
        session.lastUsed = useCounter
        residentResources += session.state.resources.count
        sessions[id] = session
        markCurrent(id, aloneIn: epoch)
        statistics.loadedSession()
        evictIfNeeded(keeping: id)
    }

    /// `ensureLoaded` without waiting: true when the session is in memory (marked used), false
    /// when it must be loaded; throws for another organization's session or one whose writes failed.
    private func markUsedIfLoaded(_ id: UUID, for caller: AuthenticatedIdentity) throws -> Bool {
        useCounter += 1
        // The organization first: another organization's session is unknown to the caller, in
        // this window too (its TRYAGAIN would tell that the id exists).
        if let failed = failedSessions[id] {
            guard failed.orgID == caller.organizationID else { throw CommandError.noSuchSession }
            throw CommandError.tryAgain
        }
        guard let index = sessions.index(forKey: id) else { return false }
        guard sessions.values[index].record.orgID == caller.organizationID else { throw CommandError.noSuchSession }
        sessions.values[index].lastUsed = useCounter
        return true
    }

    // MARK: - Sessions other nodes write

    /// Before a read: the session in memory, holding every write any node has committed to it.
    /// Alone on the database a loaded copy always does; with other nodes, the database's version
    /// tells whether one of them wrote since (docs/scaling.md).
    private func ensureReadable(_ id: UUID, for caller: AuthenticatedIdentity) async throws {
        try await ensureLoaded(id, for: caller)
        let epoch = membership.currentAloneEpoch
        if sessions[id]!.isTrusted(aloneIn: epoch) { return }
        // A few rounds: this node's own commits landing between the checks only mean checking again.
        for _ in 0..<3 {
            // The writes this runner took before the read must be in the database to be compared.
            await flush()
            try await ensureLoaded(id, for: caller)
            let seen = sessions[id]!.version
            guard let stored = try await storeCall({
                try await self.store.sessionVersion(orgID: caller.organizationID, sessionID: id)
            }) else { throw CommandError.noSuchSession }
            try await ensureLoaded(id, for: caller)
            let session = sessions[id]!
            if !session.isStale && session.stepsAhead.isEmpty && stored.version == session.version {
                markCurrent(id, aloneIn: epoch)
                return
            }
            if session.version != seen || session.writesInFlight > 0 { continue }
            break
        }
        try await reload(id, for: caller)
        try await ensureLoaded(id, for: caller)
    }

    /// Records that the session's copy matched the database while the node was alone in `epoch`
    /// (read before the copy was checked or read), if it still is.
    private func markCurrent(_ id: UUID, aloneIn epoch: Int?) {
        guard let epoch, membership.currentAloneEpoch == epoch else { return }
        sessions[id]?.currentInAloneEpoch = epoch
    }

    /// Replaces the session's copy with the database's, then applies again this runner's writes
    /// of it that are not committed yet. Starts no commit meanwhile, and waits for those in flight,
    /// so that "the database's rows plus the writes still queued" is exactly the session.
    private func reload(_ id: UUID, for caller: AuthenticatedIdentity) async throws {
        refreshing += 1
        defer {
            refreshing -= 1
            pump()
        }
        while inFlight > 0 {
            let waiter = CommitTicket<Void>()
            idleWaiters.append(waiter)
            _ = try? await waiter.value()
        }
        guard sessions[id] != nil else { return }
        let epoch = membership.currentAloneEpoch
        let store = self.store, relations = self.relations
        guard var fresh = try await storeCall({
            try await Self.load(id, orgID: caller.organizationID, from: store, relations: relations)
        }) else {
            evict(id)
            throw CommandError.noSuchSession
        }
        guard let old = sessions[id] else { return }
        // Closed here while the copy was read: the read may predate the close's commit.
        if old.record.closedAt != nil && fresh.record.closedAt == nil {
            fresh.record.closedAt = old.record.closedAt
            fresh.isStale = true
        }
        var queuedRun = false
        for write in pending where write.sessionID == id {
            switch write.item {
            case .access(let access, _, _):
                fresh.state.apply(AccessEvent(
                    path: access.path, type: access.type, access: access.access, at: access.at,
                    modified: access.modified, tokens: access.tokenCount, size: access.sizeBytes))
                fresh.accesses += 1
            case .run(let run, _):
                fresh.state.markIncluded(run.chosenPaths)
                queuedRun = true
            }
        }
        if queuedRun { fresh.lastRun = old.lastRun }
        fresh.pendingWrites = old.pendingWrites
        fresh.lastUsed = old.lastUsed
        fresh.window = old.window
        residentResources += fresh.state.resources.count - old.state.resources.count
        sessions[id] = fresh
        markCurrent(id, aloneIn: epoch)
        statistics.reloadedSession()
    }

    /// `reload` running: no commit starts until it is done.
    private var refreshing = 0
    /// Woken when no commit is in flight.
    private var idleWaiters: [CommitTicket<Void>] = []

    private static func load(
        _ id: UUID, orgID: UUID, from store: any ResourceService, relations: RelationRegistry?
    ) async throws -> LoadedSession? {
        guard let record = try await store.session(orgID: orgID, sessionID: id) else { return nil }
        let organization = try await relations?.relations(for: orgID)
        let resources = try await store.sessionResources(orgID: orgID, sessionID: id)
        let lastRun = try await store.latestRun(orgID: orgID, sessionID: id)
        let state = SessionState(restoring: resources.map(\.sessionResource), halfLifeSeconds: record.halfLifeSeconds)
        var session = LoadedSession(
            record: record, state: state, encoding: (try? TokenEncoding(word: record.encoding)) ?? .default,
            lastRun: lastRun.map(PrioritizationRunSummary.init), accesses: record.accesses, relations: organization)
        // Read before the resources: a commit landing between the reads makes the copy newer than
        // its version, which costs one needless reload, never a stale answer.
        session.version = record.version
        return session
    }

    /// Evicts least recently used sessions without pending writes until under the bound (never
    /// `keeping`, the session a request is about to use).
    private func evictIfNeeded(keeping: UUID? = nil) {
        let bound = configuration.residentResourcesPerRunner
        guard residentResources > bound else { return }
        let idle = sessions.values
            // Not one being closed: reloaded from a read taken before the close committed, its
            // copy would say open after the close's +OK.
            .filter { $0.pendingWrites == 0 && $0.record.sessionID != keeping && closing[$0.record.sessionID] == nil }
            .map { (id: $0.record.sessionID, lastUsed: $0.lastUsed) }
            .sorted { $0.lastUsed < $1.lastUsed }
        for candidate in idle where residentResources > bound {
            evict(candidate.id)
        }
    }

    private func evict(_ id: UUID) {
        if let session = sessions.removeValue(forKey: id) {
            residentResources -= session.state.resources.count
            statistics.evictedSession()
        }
    }

    // MARK: - Group commit

    private func enqueue(_ write: PendingWrite, pumping: Bool = true) {
        var write = write
        write.sequence = nextSequence
        nextSequence += 1
        pending.append(write)
        statistics.enqueued()
        if pumping { pump() }
    }

    /// Starts commits while there is work and room: up to `commitConcurrency` batches in flight,
    /// so one batch is written while the next is being prepared and sent.
    ///
    /// Rules that keep this equal to one commit at a time:
    /// - scores and counts merge commutatively in SQL, so event batches may commit in any order;
    ///   with other nodes on the database, one session's batches commit one after another, in
    ///   order (TRACK replies are then the database's counts);
    /// - a batch holding a prioritization run starts alone, after every earlier batch committed
    ///   (its inclusion flags apply to rows those batches create), and nothing starts beside it;
    /// - after a failure nothing new starts until every batch in flight has settled, then the
    ///   failed sessions are dropped from memory and their queued writes failed (see `settle`).
    private func pump() {
        while !pending.isEmpty, !draining, refreshing == 0, !exclusiveInFlight, inFlight < configuration.commitConcurrency {
            var take = min(configuration.maxBatch, pending.count)
            // A write answered the database's count (any but a TRACK counted from a trusted copy
            // in the current alone period, see `settle`) must commit after its session's earlier
            // writes: a batch stops before the first such write of a session whose earlier batch
            // is still in flight. Writes answered this node's own counts (arrival order) may commit
            // in either order. Before, "alone now" let a batch of TRACKs counted while the node
            // was not alone yet start beside its session's earlier batch, and the overlap then had
            // them answered the stale copy's counts.
            if inFlight > 0 {
                let period = membership.currentAloneEpoch
                if let blocked = pending.prefix(take).firstIndex(where: { write in
                    (period == nil || write.countedInPeriod != period) && (loaded(write.sessionID) { $0.writesInFlight } ?? 0) > 0
                }) {
                    take = blocked
                }
            }
            if take == 0 { return }
            // A small batch waits for the commit in flight instead of starting beside it: it would
            // only split what the next commit takes whole (one fsync and one round trip per write
            // group either way), and two commits of one session queue on its row lock. Measured
            // with 50 unpipelined clients on 8 sessions: 7.6k TRACK/s at p50 6.1 ms overlapping
            // every batch, 9.6k at 4.8 ms waiting, with 40% less database CPU.
            if inFlight > 0 && take < RunnerConfiguration.minimumOverlappingBatch { return }
            let holdsRun = pending.prefix(take).contains { if case .run = $0.item { true } else { false } }
            if holdsRun && inFlight > 0 { return }
            if configuration.maxBatchDelay > .zero && take < configuration.maxBatch && !delayed {
                delayed = true
                Task {
                    try? await Task.sleep(for: configuration.maxBatchDelay)
                    self.delayElapsed()
                }
                return
            }
            delayed = false
            if holdsHandedSlot {
                holdsHandedSlot = false
            } else if !gate.enter(self, writes: take) {
                return
            }
            let writes: [PendingWrite]
            if take == pending.count {
                writes = pending
                pending = []
            } else {
                writes = Array(pending.prefix(take))
                pending.removeFirst(take)
            }
            queuedWrites.release(writes.count)
            let batch = writes[0].sequence
            writes.forEachRun(by: { $0.sessionID }) { id, run in
                loaded(id) { session in
                    if session.writesInFlight > 0 && session.latestBatchInFlight != batch { session.commitsOverlapped = true }
                    session.latestBatchInFlight = batch
                    session.writesInFlight += run.count
                }
            }
            inFlight += 1
            inFlightStarts.append(writes[0].sequence)
            exclusiveInFlight = holdsRun
            Task { await self.commit(writes, exclusive: holdsRun) }
        }
    }

    private var delayed = false
    /// A commit slot another runner's ended commit handed this one (see `CommitGate`).
    private var holdsHandedSlot = false
    private var inFlight = 0
    private var exclusiveInFlight = false
    /// A commit failed: start nothing new until the batches in flight have settled.
    private var draining = false
    /// Sessions whose writes failed, until `dropFailedSessions`: their organization and the failure.
    private var failedSessions: [UUID: (orgID: UUID, failure: CommandError)] = [:]

    private func delayElapsed() {
        pump()
    }

    /// Another runner's commit ended and this runner was first in line: commit now, or hand the
    /// slot on if nothing here can start.
    func slotHanded() {
        holdsHandedSlot = true
        pump()
        if holdsHandedSlot {
            holdsHandedSlot = false
            releaseSlot()
        }
    }

    /// Gives up a commit slot: to the first runner in line, or back to the gate.
    private func releaseSlot() {
        if let next = gate.leave() { Task { await next.slotHanded() } }
    }

    private func commit(_ writes: [PendingWrite], exclusive: Bool) async {
        var batch = WriteBatch()
        for write in writes {
            switch write.item {
            case .access(let access, _, _): batch.events.append(TenantItem(orgID: write.orgID, access))
            case .run(let run, _): batch.runs.append(TenantItem(orgID: write.orgID, run))
            }
        }
        batch.resourceFactsEpoch = membership.currentAloneEpoch
        // Open sessions only: one known closed (a recorded PRIORITIZE may name it) is read from
        // its row, so that the batch does not count it as open, have its version raise refuse
        // it, and roll back whole to be written again.
        writes.forEachRun(by: { $0.sessionID }) { id, _ in
            if let halfLife = loaded(id, { $0.isClosed ? nil : $0.record.halfLifeSeconds }) { batch.sessionHalfLives[id] = halfLife }
        }
        let started = ContinuousClock.now
        do {
            let outcome = try await store.commit(batch)
            let committed = ContinuousClock.now
            statistics.committed(
                batchSize: writes.count, tracked: outcome.accessCounts.lazy.filter { $0 != nil }.count,
                duration: committed - started)
            if statistics.metrics != nil {
                for write in writes where write.isTrack { statistics.trackCommitted(latency: committed - write.takenAt) }
            }
            for (session, step) in outcome.versions { loaded(session) { $0.absorb(step) } }
            settle(writes, with: nil, accessCounts: outcome.accessCounts)
        } catch {
            statistics.commitFailed()
            logger.warning("group commit failed", metadata: ["writes": "\(writes.count)", "error": "\(error)"])
            settle(writes, with: Self.replyError(for: error))
        }
        inFlight -= 1
        releaseSlot()
        if let index = inFlightStarts.firstIndex(of: writes[0].sequence) { inFlightStarts.remove(at: index) }
        if exclusive { exclusiveInFlight = false }
        if inFlight == 0 {
            dropFailedSessions()
            for waiter in idleWaiters { waiter.resolve(.success(())) }
            idleWaiters.removeAll()
        }
        // TRACKs add resources to sessions already in memory: sessions idle once their writes
        // committed give way now, not only when the next session is loaded.
        evictIfNeeded()
        wakeFlushWaiters()
        pump()
    }

    /// Settles the tickets of committed (or failed) writes and releases their sessions.
    /// `accessCounts`: the commit's counts, one per TRACK of `writes` in order (nil: the session
    /// was closed, the event not written).
    ///
    /// A TRACK counted from a trusted copy while the node was alone is answered this node's count
    /// (arrival order) when the node is still alone in the same period after the commit: no other
    /// node can have written the session meanwhile (a newcomer waits out this node's lease). Any
    /// other TRACK is answered the database's count: one counted while not alone, or before the
    /// node became alone anew (another node may have written and left meanwhile; checking only
    /// "alone now" answered 2 to two TRACKs then).
    ///
    /// A session whose batches overlapped is answered this node's counts even when the node is no
    /// longer alone (its lease lapsed while they were in flight): PostgreSQL applied them in an
    /// order of its own, and its counts would answer one connection's pipelined TRACKs out of
    /// order. Another node's events can only have landed after the lease ended; they are in the
    /// counts from the session's next batch on, which commits in order.
    private func settle(
        _ writes: [PendingWrite], with failure: CommandError?, accessCounts: [Int64?] = []
    ) {
        var tracks = accessCounts.makeIterator()
        let period = membership.currentAloneEpoch
        // The session bookkeeping is done once per run of one session's writes (see `forEachRun`).
        // A session's overlap flag cannot clear before its last write in the batch, so every
        // write of a run reads the same flag.
        writes.forEachRun(by: { $0.sessionID }) { id, run in
            var overlapped = false
            loaded(id) { session in
                if session.commitsOverlapped { overlapped = true }
                session.pendingWrites -= run.count
                session.writesInFlight -= run.count
                if session.writesInFlight == 0 { session.commitsOverlapped = false }
            }
            // Once an earlier batch of the session failed, the copy has counted its events, which
            // were never written: the database's count is the true one (looked up once per run).
            let earlierBatchFailed = failedSessions[id] != nil
            var closedElsewhere = false
            for index in run {
                let write = writes[index]
                var accessCount = write.isTrack ? tracks.next() ?? nil : nil
                // A TRACK the commit gave no count was not written: another node closed the session.
                if failure == nil && write.isTrack && accessCount == nil { closedElsewhere = true }
                // The own count stands in only for a count the commit gave: nil stays nil either way.
                let ownExact = !earlierBatchFailed
                    && (overlapped || (write.countedInPeriod != nil && write.countedInPeriod == period))
                if ownExact, accessCount != nil, case .access(_, _, let own) = write.item { accessCount = own }
                write.settle(failure: failure, accessCount: accessCount)
            }
            if closedElsewhere {
                loaded(id) { session in
                    // The events were applied here, not written.
                    if session.record.closedAt == nil { session.record.closedAt = Date() }
                    session.isStale = true
                }
            }
            if let failure {
                failedSessions[id] = (writes[run.lowerBound].orgID, failure)
                draining = true
            }
        }
        writes.forEachRun(by: { $0.sessionID }) { id, _ in loaded(id) { $0.settleSteps() } }
    }

    /// Memory ran ahead of the database for sessions whose writes failed: once no commit is in
    /// flight, drop them so that their next request reloads what was really committed. Writes
    /// still queued for them were computed on that state and are failed too.
    private func dropFailedSessions() {
        defer {
            failedSessions.removeAll()
            draining = false
        }
        guard !failedSessions.isEmpty else { return }
        let doomed = pending.filter { failedSessions[$0.sessionID] != nil }
        pending.removeAll { failedSessions[$0.sessionID] != nil }
        queuedWrites.release(doomed.count)
        for write in doomed {
            let failure = failedSessions[write.sessionID]?.failure ?? .tryAgain
            if sessions[write.sessionID] != nil { sessions[write.sessionID]!.pendingWrites -= 1 }
            write.settle(failure: failure)
        }
        for id in failedSessions.keys { evict(id) }
        evictIfNeeded()
    }

    // MARK: - Helpers

    /// Runs a store call, answering database outages as -TRYAGAIN.
    private func storeCall<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            let reply = Self.replyError(for: error)
            if Self.isDatabaseFailure(reply) { statistics.storeCallFailed() }
            throw reply
        }
    }

    /// The database failed (unreachable, or an unexpected error), as opposed to answering that
    /// something does not exist: what `prioritizer_database_errors_total` counts.
    static func isDatabaseFailure(_ reply: CommandError) -> Bool {
        reply == .tryAgain || reply == .internalError
    }

    static func replyError(for error: any Error) -> CommandError {
        switch error {
        case let error as CommandError: return error
        case StoreError.unavailable: return .tryAgain
        case StoreError.notFound: return .noSuchSession
        default: return .internalError
        }
    }

    /// Token count of a TRACK: exact from CONTENT, else as stated, else estimated from SIZE,
    /// else nil (the last known count stays).
    static func resolveTokens(_ request: TrackRequest, encoding: TokenEncoding) -> Int? {
        if let content = request.content { return tokenizer(encoding).count(bytes: content) }
        if let tokens = request.tokens { return Int(clamping: tokens) }
        if let size = request.size {
            return TokenEstimator.estimate(bytes: Int(clamping: size), type: request.type, path: request.path)
        }
        return nil
    }

    static func tokenizer(_ encoding: TokenEncoding) -> Tokenizer {
        // The tables ship with the binary and are verified at start-up (RunnerPool.init).
        try! Tokenizer.shared(encoding)
    }
}

