import Logging
import NIOCore

/// One client connection: dispatches each decoded request, puts replies back in request order,
/// keeps the connection's state (protocol version, name, identity), and applies back-pressure.
///
/// Ordering rules:
/// - replies leave in request order, whatever order the services answer in;
/// - a request that changes who the connection is (AUTH, HELLO … AUTH) is a barrier: requests
///   after it wait until it completes, so they are checked against the identity it set;
/// - each reply is encoded in the protocol version in force when its request was dispatched
///   (HELLO's own reply in the version it selects).
///
/// Back-pressure: once `maxPipelinedRequests` requests are outstanding, or large requests holding
/// `--max-request-bytes` between them are (a count alone let one connection keep a thousand
/// requests of 64 MiB each read and waiting), or the socket stops being writable because the
/// client does not read, the handler stops asking for more bytes.
/// Requests already read when the socket stops being writable are held, not dispatched, until it
/// is writable again: one read burst holds up to a megabyte of requests, and answering a burst of
/// small requests with large replies (HELP: 6 bytes in, 3.7 KB out) would otherwise buffer
/// hundreds of megabytes for a client that does not read.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPRequest
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct ReadyReply {
        var bytes: ByteBuffer
        var closeAfter: Bool
    }

    private let dispatcher: CommandDispatcher
    private let maxPipelinedRequests: Int
    private let logger: Logger
    private(set) var state: ConnectionState

    private var replies = OrderedReplyQueue<ReadyReply>()
    /// Requests that arrived while a barrier was in flight, in arrival order, and their bytes.
    private var heldRequests = CircularBuffer<RESPRequest>()
    private var heldBytes = 0
    /// Bytes of the large requests dispatched and not yet answered, by reply slot. Small ones are
    /// not tracked: the count bound covers them, and a TRACK should not pay a table entry.
    private var largeRequestsInFlight: [UInt64: Int] = [:]
    private var largeBytesInFlight = 0
    private static let largeRequestBytes = 64 * 1024
    /// Reading stops while the held requests' bytes reach this (`--max-request-bytes`): a barrier
    /// may take seconds (a throttled AUTH), and the request count alone let a client that never
    /// logs in park gigabytes of arguments behind it.
    private let maxHeldBytes: Int
    /// Opened while the client is logged in or a login is in flight (see `LoginGate`).
    private let loginGate: LoginGate
    private var barrierInFlight = false
    /// A protocol error seen while requests were held: answered after them.
    private var heldProtocolError: RESPProtocolError?
    /// After QUIT or a protocol error: read nothing more, answer what is queued, close.
    private var closing = false
    /// QUIT was answered: nothing after it runs, not even a held protocol error's answer.
    private var quitting = false
    /// The server is shutting down: read nothing more from the socket, answer every request
    /// already received, then close.
    private var draining = false
    private var active = true
    private var readHeld = false
    private var inReadBurst = false
    private var unflushed = false

    init(
        dispatcher: CommandDispatcher, connectionID: Int64, peer: String?, maxPipelinedRequests: Int,
        maxHeldBytes: Int = RESPLimits.defaultMaxRequestBytes, loginGate: LoginGate = LoginGate(), logger: Logger
    ) {
        self.loginGate = loginGate
        self.dispatcher = dispatcher
        self.state = ConnectionState(id: connectionID, peer: peer)
        self.maxPipelinedRequests = maxPipelinedRequests
        self.maxHeldBytes = maxHeldBytes
        var logger = logger
        logger[metadataKey: "connection"] = "\(connectionID)"
        self.logger = logger
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadBurst = true
        let request = unwrapInboundIn(data)
        // Once closing (or closed, `active` false), a request read anyway (a read already asked
        // of the socket) would run with no one to answer.
        guard !closing, active else { return }
        if mustHoldRequests(context: context) {
            // A read burst is decoded whole, and the caps stop reading only after it. A client not
            // logged in, with no login in flight, whose replies pile up unread has no use for more
            // than the cap: refused past it, after the requests held before, as a protocol error
            // is. (Behind a login in flight they may be many: they are judged once it is decided.)
            if state.identity == nil && !barrierInFlight && heldRequests.count >= maxPipelinedRequests {
                heldProtocolError = .unauthenticatedPipeline
                closing = true
                return
            }
            heldRequests.append(request)
            heldBytes += request.byteCount
        } else {
            handle(request, context: context)
        }
    }

    /// Requests wait behind a barrier, behind requests already waiting, and while the client
    /// does not take its replies.
    private func mustHoldRequests(context: ChannelHandlerContext) -> Bool {
        barrierInFlight || !heldRequests.isEmpty || !context.channel.isWritable
    }

    /// Requests are held, and what held them (a barrier, a socket not writable) has passed.
    private func canReleaseHeldRequests(context: ChannelHandlerContext) -> Bool {
        !heldRequests.isEmpty && !barrierInFlight && context.channel.isWritable
    }

    /// The gate is open while the client is logged in or a login (a barrier) is in flight.
    private func syncLoginGate() {
        loginGate.isOpen = state.identity != nil || barrierInFlight
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBurst = false
        // Held for a moment the socket was not writable, which passed within the burst.
        if canReleaseHeldRequests(context: context) { releaseHeldRequests(context: context) }
        startCollectedJobs(context: context)
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        replies.removeAll()
        largeRequestsInFlight.removeAll()
        largeBytesInFlight = 0
        removeHeldRequests()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        active = false
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !inReadBurst && canReleaseHeldRequests(context: context) {
            releaseHeldRequests(context: context)
            flushIfNeeded(context: context)
            closeIfDrained(context: context)
        }
        resumeReadingIfPossible(context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            draining = true
            closeIfDrained(context: context)
        } else if case ChannelEvent.inputClosed = event {
            // The client half-closed (`nc -N`, a script that ends its input): answer every
            // request it sent, then close, as Redis does.
            draining = true
            startCollectedJobs(context: context)
            closeIfDrained(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let protocolError: RESPProtocolError
        switch error {
        case let error as RESPProtocolError:
            protocolError = error
        case is ByteToMessageDecoderError.PayloadTooLargeError:
            protocolError = .requestTooLarge
        case ByteToMessageDecoderError.dataReceivedInErrorState:
            return  // The first error is already being answered.
        default:
            logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        guard !closing else { return }
        dispatcher.statistics.protocolError()
        logger.debug("protocol error", metadata: ["reason": "\(protocolError.reason)"])
        if barrierInFlight || !heldRequests.isEmpty {
            heldProtocolError = protocolError
            closing = true
        } else {
            answerProtocolError(protocolError, context: context)
        }
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if mustHoldReads(context: context) {
            readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: Dispatch

    /// A request waiting for a service, with where its reply goes.
    private struct DeferredJob: Sendable {
        enum Work: Sendable {
            case operation(ServiceOperation)
            /// Submitted with the TRACKs next to it (see `submitInOrder`).
            case track(TrackRequest, AuthenticatedIdentity)
        }
        var sequence: UInt64
        var version: RESPProtocolVersion
        var work: Work
        var tally: RequestTally?
    }

    /// Settled once the previous read burst's requests are all submitted: the next burst submits
    /// after it, so a connection's requests reach their sessions in the order they were sent.
    private var previousSubmission: CommitTicket<Void>?

    private var collectedJobs: [DeferredJob] = []
    private var releasingHeldRequests = false
    private var completingBatch = false

    private func handle(_ request: RESPRequest, context: ChannelHandlerContext) {
        let sequence = replies.reserve()
        if request.byteCount >= Self.largeRequestBytes {
            largeRequestsInFlight[sequence] = request.byteCount
            largeBytesInFlight += request.byteCount
        }
        let version = state.protocolVersion
        var commandName: String?
        let result = dispatcher.dispatch(request, state: state, commandName: &commandName)
        let tally = dispatcher.requestMetrics?.tally(for: commandName)
        switch result {
        case .immediate(let outcome):
            tally?.record(outcome.reply)
            complete(sequence, with: outcome, version: version, context: context)
        case .deferred(true, let operation):
            // Requests before the barrier start first; those after it wait for it.
            startCollectedJobs(context: context)
            barrierInFlight = true
            syncLoginGate()
            context.eventLoop.makeFutureWithTask { await operation().wait() }.assumeIsolated().whenSuccess { outcome in
                tally?.record(outcome.reply)
                guard self.active else { return }
                self.complete(sequence, with: outcome, version: version, context: context)
                self.barrierInFlight = false
                self.syncLoginGate()
                // A login failed with more requests held behind it than a client may pipeline:
                // one megabyte of `AUTH x` lines was 150,000 requests held, each AUTH then waiting
                // out the throttle in turn. Those are refused together, and the connection closed.
                // (After a login that worked, as many as a pipeline sent are answered, as Redis does.)
                if self.state.identity == nil && self.heldRequests.count > self.maxPipelinedRequests {
                    self.removeHeldRequests()
                    self.heldProtocolError = nil
                    self.answerProtocolError(.unauthenticatedPipeline, context: context)
                    return
                }
                self.releaseHeldRequests(context: context)
                self.resumeReadingIfPossible(context: context)
                // A half-closed client whose last request was this barrier: nothing else will.
                self.closeIfDrained(context: context)
            }
        case .deferred(false, let operation):
            collect(DeferredJob(sequence: sequence, version: version, work: .operation(operation), tally: tally), context: context)
        case .track(let track, let identity):
            collect(DeferredJob(sequence: sequence, version: version, work: .track(track, identity), tally: tally), context: context)
        }
    }

    private func collect(_ job: DeferredJob, context: ChannelHandlerContext) {
        collectedJobs.append(job)
        if !inReadBurst && !releasingHeldRequests { startCollectedJobs(context: context) }
    }

    /// Runs the collected service calls in one task — submitted in order, awaited together (their
    /// sessions may live on different runners) — and completes them together on the event loop.
    private func startCollectedJobs(context: ChannelHandlerContext) {
        guard !collectedJobs.isEmpty else { return }
        let jobs = collectedJobs
        collectedJobs.removeAll(keepingCapacity: true)
        let previous = previousSubmission
        let submitted = CommitTicket<Void>()
        previousSubmission = submitted
        let dispatcher = self.dispatcher
        context.eventLoop.makeFutureWithTask { () async -> [CommandOutcome] in
            if let previous { _ = try? await previous.value() }
            // Submit in request order (cheap: a write is applied in memory and queued), then wait
            // for all of them together (their commits overlap).
            let pending = await Self.submitInOrder(jobs, dispatcher: dispatcher)
            submitted.resolve(.success(()))
            var outcomes: [CommandOutcome] = []
            outcomes.reserveCapacity(jobs.count)
            for outcome in pending { outcomes.append(await outcome.wait()) }
            return outcomes
        }.assumeIsolated().whenSuccess { outcomes in
            for (job, outcome) in zip(jobs, outcomes) { job.tally?.record(outcome.reply) }
            guard self.active else { return }
            self.completingBatch = true
            for (job, outcome) in zip(jobs, outcomes) {
                self.complete(job.sequence, with: outcome, version: job.version, context: context)
            }
            self.completingBatch = false
            self.flushIfNeeded(context: context)
            self.closeIfDrained(context: context)
            self.resumeReadingIfPossible(context: context)
        }
    }

    /// Submits the jobs one after another in request order, except that each run of consecutive
    /// TRACKs goes to `CommandDispatcher.submitTracks` whole, which hands a runner as many of them
    /// at once as it can take: a pipelined burst of TRACKs costs one trip to its session's runner
    /// instead of one per request.
    private static func submitInOrder(_ jobs: [DeferredJob], dispatcher: CommandDispatcher) async -> [PendingOutcome] {
        var pending: [PendingOutcome] = []
        pending.reserveCapacity(jobs.count)
        var tracks: [TrackRequest] = []
        var trackIdentity: AuthenticatedIdentity?
        func submitTracks() async {
            guard let identity = trackIdentity else { return }
            pending.append(contentsOf: await dispatcher.submitTracks(tracks, by: identity))
            tracks.removeAll(keepingCapacity: true)
            trackIdentity = nil
        }
        for job in jobs {
            switch job.work {
            case .track(let track, let identity):
                if let current = trackIdentity, current != identity { await submitTracks() }
                trackIdentity = identity
                tracks.append(track)
            case .operation(let operation):
                await submitTracks()
                pending.append(await operation())
            }
        }
        await submitTracks()
        return pending
    }

    private func complete(_ sequence: UInt64, with outcome: CommandOutcome, version: RESPProtocolVersion, context: ChannelHandlerContext) {
        if !largeRequestsInFlight.isEmpty, let bytes = largeRequestsInFlight.removeValue(forKey: sequence) {
            largeBytesInFlight -= bytes
        }
        guard replies.contains(sequence) else { return }
        outcome.update.apply(to: &state)
        syncLoginGate()
        if outcome.closeAfterReply {
            closing = true
            quitting = true
        }
        let bytes = RESPReplyEncoder.encoded(outcome.reply, version: outcome.update.protocolVersion ?? version)
        replies.fulfil(sequence, with: ReadyReply(bytes: bytes, closeAfter: outcome.closeAfterReply))
        writeReadyReplies(context: context)
    }

    /// Dispatches the held requests, until the next barrier or until the client stops taking
    /// its replies.
    private func releaseHeldRequests(context: ChannelHandlerContext) {
        releasingHeldRequests = true
        while !barrierInFlight, context.channel.isWritable, let request = heldRequests.popFirst() {
            heldBytes -= request.byteCount
            // A held protocol error also sets `closing`: the requests before it are still
            // answered, but none after a QUIT.
            guard !quitting, !closing || heldProtocolError != nil else {
                removeHeldRequests()
                break
            }
            handle(request, context: context)
        }
        releasingHeldRequests = false
        startCollectedJobs(context: context)
        if quitting { heldProtocolError = nil }
        if !barrierInFlight, heldRequests.isEmpty, let error = heldProtocolError {
            heldProtocolError = nil
            removeHeldRequests()
            answerProtocolError(error, context: context)
        }
    }

    private func answerProtocolError(_ error: RESPProtocolError, context: ChannelHandlerContext) {
        closing = true
        let sequence = replies.reserve()
        replies.fulfil(sequence, with: ReadyReply(
            bytes: RESPReplyEncoder.encoded(error.reply, version: state.protocolVersion), closeAfter: true))
        writeReadyReplies(context: context)
    }

    // MARK: Writing

    private func writeReadyReplies(context: ChannelHandlerContext) {
        while let reply = replies.popReady() {
            if reply.closeAfter {
                replies.removeAll()
                removeHeldRequests()
                unflushed = false
                unflushedBytes = 0
                let written = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(reply.bytes), promise: written)
                written.futureResult.assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
                return
            }
            unflushedBytes += reply.bytes.readableBytes
            context.write(wrapOutboundOut(reply.bytes), promise: nil)
            unflushed = true
            // Replies of a long burst go out as they pile up, so that the socket's writability
            // (which holds the requests after them) sees them even where a layer (TLS) buffers
            // what is not flushed.
            if unflushedBytes >= Self.flushThreshold { flushIfNeeded(context: context) }
        }
        // Inside a read burst (or a batch of completions) the flush waits until its end, so
        // pipelined replies go out in one write.
        if !inReadBurst && !completingBatch {
            flushIfNeeded(context: context)
            closeIfDrained(context: context)
        }
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        guard draining, active, replies.isEmpty, heldRequests.isEmpty, collectedJobs.isEmpty, !barrierInFlight else { return }
        active = false
        unflushed = false
        unflushedBytes = 0
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard unflushed else { return }
        unflushed = false
        unflushedBytes = 0
        context.flush()
    }

    /// NIO's default high water mark: a burst's replies beyond it are written out at once.
    private static let flushThreshold = 64 * 1024
    private var unflushedBytes = 0

    // MARK: Back-pressure

    private func removeHeldRequests() {
        heldRequests.removeAll()
        heldBytes = 0
    }

    private func mustHoldReads(context: ChannelHandlerContext) -> Bool {
        closing || draining || replies.count + heldRequests.count >= maxPipelinedRequests || heldBytes >= maxHeldBytes
            || largeBytesInFlight >= maxHeldBytes || !context.channel.isWritable || loginPending
    }

    /// A client not logged in has a login in flight: nothing more is read until it is decided.
    /// The login gate is open meanwhile (the requests of the read burst that carried the login
    /// are decoded to the full limits), and a failed AUTH kept it open for its throttled wait:
    /// reading on, a client without credentials held up to `--max-request-bytes` of requests
    /// behind each of a stream of failing AUTHs.
    private var loginPending: Bool { barrierInFlight && state.identity == nil }

    private func resumeReadingIfPossible(context: ChannelHandlerContext) {
        guard readHeld, active, !mustHoldReads(context: context) else { return }
        readHeld = false
        context.read()
    }
}
