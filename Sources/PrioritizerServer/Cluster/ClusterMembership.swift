import Foundation
import Logging
import PrioritizerStore

/// Whether this node is the only one serving its database, kept current by heartbeats in
/// `prioritizer.nodes`; see docs/scaling.md.
///
/// Alone, a node answers reads from memory (the single-node fast path). With others, every read
/// first checks the session's version in the database. "Alone" is a lease: granted for `lease`
/// from the start of a heartbeat that found no other live node, so it lapses by itself when
/// heartbeats stop. A node that (re)joins while others are live serves nothing until `lease` has
/// passed, so every node that believed itself alone has stopped believing it before the newcomer
/// writes. A node that never joined is never alone: correct, only slower.
public final class ClusterMembership: @unchecked Sendable {
    public struct Timing: Sendable {
        public var heartbeatInterval: Duration = .milliseconds(250)
        public var lease: Duration = .seconds(1)
        /// A node whose heartbeat is older than this counts as gone.
        public var liveness: Duration = .seconds(3)
        /// How long joining waits out a database that cannot be reached (a restart, a connect
        /// slower than the pool's timeout on a loaded machine) before it gives up. The database
        /// answered the migrations a moment before, so such a failure is most likely brief.
        public var joinPatience: Duration = .seconds(10)
        public init() {}
    }

    private let store: any ResourceService
    public let timing: Timing
    private let logger: Logger
    private let lock = NSLock()
    private var node: NodeRegistration?
    private var aloneUntil: ContinuousClock.Instant?
    private var servingFrom: ContinuousClock.Instant = .now
    private var otherNodes = 0
    /// Counts the times the node became alone after another node may have written: a session
    /// copy known current in one such period may have missed other nodes' writes before the next.
    private var aloneEpoch = 0
    /// Since the current period began, another node was seen live, or this node's heartbeats
    /// lapsed long enough that others may have counted it gone: the next period is a new one.
    /// A lease that merely ran out between two prompt heartbeats with no one else live does not
    /// count: a newcomer cannot write before this node's next heartbeat has seen it (`join`), so
    /// every session copy stays as current as it was, and need not be checked again.
    private var othersMayHaveWritten = true
    private var lastHeartbeat: ContinuousClock.Instant?
    /// The latest heartbeat registered this node or ended a lapse, and found no other node: one
    /// registering at the same moment may have missed this node just as this one missed it
    /// (each transaction's snapshot taken before the other's row committed), and may now believe
    /// itself alone. Such a heartbeat grants no lease; one begun after it committed, which sees
    /// every such node, confirms it (`join` sends it before the node serves, the heartbeat loop
    /// at once), and if that one finds another node, this node holds back as a newcomer does.
    private var unconfirmed = false
    /// The latest heartbeat took so long that others may have judged its row stale when it
    /// became visible to them (see `beat`).
    private var lastBeatWasSlow = true
    private var heartbeats: Task<Void, Never>?

    public init(store: any ResourceService, timing: Timing = Timing(), logger: Logger) {
        self.store = store
        self.timing = timing
        self.logger = logger
    }

    /// True while no other node can be writing this database.
    public var isAlone: Bool {
        lock.withLock { aloneUntil.map { ContinuousClock.now < $0 } ?? false }
    }

    /// While alone, which period of being alone this is (see `aloneEpoch`); nil while not alone.
    public var currentAloneEpoch: Int? {
        lock.withLock { aloneUntil.map { ContinuousClock.now < $0 } == true ? aloneEpoch : nil }
    }

    /// The latest heartbeat needs another to confirm it (`unconfirmed`).
    private var awaitingConfirmation: Bool { lock.withLock { unconfirmed } }

    /// Other nodes seen live at the latest heartbeat.
    public var otherLiveNodes: Int { lock.withLock { otherNodes } }

    /// Registers the node and starts heartbeating; returns once it may serve (when other nodes are
    /// live: after one lease, and once each of them has heartbeated since this node registered).
    public func join(address: String) async throws {
        let node = NodeRegistration(address: address)
        lock.withLock { self.node = node }
        var patience = JoinPatience(until: .now + timing.joinPatience, retryEvery: timing.heartbeatInterval, logger: logger)
        // Registered only once a heartbeat committed promptly: the lease held back below must start
        // after the others could see this node alive (a few tries on a loaded machine).
        for _ in 0..<20 {
            try await patience.retrying { try await beat(node) }
            if !lock.withLock({ lastBeatWasSlow }) { break }
        }
        for _ in 0..<20 where awaitingConfirmation { try await patience.retrying { try await beat(node) } }
        if otherLiveNodes > 0 {
            logger.info("joining other nodes", metadata: ["nodes": "\(otherLiveNodes)"])
            // Besides the lease: wait until every live node has heartbeated since a moment after
            // this node's row committed (this heartbeat's transaction began after it), so each has
            // seen it, however late a loaded machine ran their heartbeats. A node that stopped
            // heartbeating leaves the count once its row is older than the liveness window.
            let mark = try await patience.retrying { try await beat(node) }.databaseNow
            let deadline = ContinuousClock.now + timing.liveness * 2
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: timing.heartbeatInterval)
                let behind = try await patience.retrying { try await beat(node, othersSince: mark) }
                if behind.othersBehind == 0 { break }
            }
        }
        await admitted()
        heartbeats = Task { [weak self] in
            var streak = FailureStreak("heartbeat")
            // Once at once, then at the usual pace: a database slow enough that every heartbeat
            // counts as lapsed leaves the node not alone, not heartbeating back to back.
            var confirmAtOnce = self?.awaitingConfirmation ?? false
            while !Task.isCancelled {
                guard let interval = self?.timing.heartbeatInterval else { return }
                if !confirmAtOnce { try? await Task.sleep(for: interval) }
                guard let self, !Task.isCancelled else { return }
                do {
                    try await self.beat(node)
                    confirmAtOnce = !confirmAtOnce && self.awaitingConfirmation
                    streak.succeeded(logger: self.logger)
                } catch {
                    confirmAtOnce = false
                    self.heartbeatFailed()
                    streak.failed(error, logger: self.logger)
                }
            }
        }
    }

    /// Stops heartbeating and removes the node's row, so others need not wait for it to lapse.
    public func leave() async {
        // Stopped and finished before the row goes: a heartbeat still in flight would write it
        // back (and claim the lease) after the delete.
        heartbeats?.cancel()
        await heartbeats?.value
        heartbeats = nil
        let node = lock.withLock { () -> NodeRegistration? in
            aloneUntil = nil
            defer { self.node = nil }
            return self.node
        }
        if let node { try? await store.removeNode(node.nodeID) }
    }

    /// Holds requests back until `instant` at least, as a heartbeat that lapsed beside other live
    /// nodes does (`beat`). For tests: that lapse cannot be brought about at will.
    func holdBack(until instant: ContinuousClock.Instant) {
        lock.withLock { servingFrom = max(servingFrom, instant) }
    }

    /// Waits while the node is holding back after (re)joining; immediate otherwise. Whether it
    /// waited.
    @discardableResult
    public func admitted() async -> Bool {
        let from = lock.withLock { servingFrom }
        let wait = from - ContinuousClock.now
        guard wait > .zero else { return false }
        lock.withLock { admissionWaiters += 1 }
        try? await Task.sleep(for: wait)
        lock.withLock { admissionWaiters -= 1 }
        return true
    }

    /// Requests waiting in `admitted` now. For tests: what a hold back has caught.
    var waitingForAdmission: Int { lock.withLock { admissionWaiters } }
    private var admissionWaiters = 0

    /// A heartbeat that failed may still have committed (its COMMIT's reply lost): a newcomer that
    /// saw its stamp counts this node as having seen it, and may write and leave before the next
    /// heartbeat that succeeds, with no lapse to tell.
    private func heartbeatFailed() {
        lock.withLock { othersMayHaveWritten = true }
    }

    @discardableResult
    private func beat(_ node: NodeRegistration, othersSince: Date? = nil) async throws -> NodeHeartbeat {
        let started = ContinuousClock.now
        let result = try await store.heartbeat(node, liveness: timing.liveness, othersSince: othersSince)
        let now = ContinuousClock.now
        lock.withLock {
            // Silent for long enough that others may have counted this node gone, or a heartbeat so
            // slow that its row (stamped when it began) may have looked stale to others once it
            // committed: either way they may believe themselves alone, so hold back like a newcomer.
            let slow = now - started > timing.liveness / 2
            let lapsed = (lastHeartbeat.map { started - $0 > timing.liveness / 2 } ?? true) || slow
            lastBeatWasSlow = slow
            let unseen = result.registered || lapsed
            // Others live, and this node was unseen until now, or its previous heartbeat was (they
            // may have believed themselves alone): hold back like a newcomer.
            if (unseen || unconfirmed) && result.otherLiveNodes > 0 {
                servingFrom = max(servingFrom, now + timing.lease)
            }
            unconfirmed = unseen && result.otherLiveNodes == 0
            if result.otherLiveNodes > 0 || unseen { othersMayHaveWritten = true }
            aloneUntil = result.otherLiveNodes == 0 && !unseen ? started + timing.lease : nil
            if aloneUntil != nil && othersMayHaveWritten {
                aloneEpoch += 1
                othersMayHaveWritten = false
            }
            otherNodes = result.otherLiveNodes
            lastHeartbeat = started
        }
        return result
    }
}
