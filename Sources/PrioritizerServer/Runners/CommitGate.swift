import Foundation

/// Takes turns for the runners' small group commits: while one is in flight, a runner's next
/// small batch waits for it instead of starting beside it, so commits stay few and large.
///
/// Why: each runner commits its own sessions' writes. With requests sent one at a time, two
/// runners committed apart, each a batch half as large as one runner's, and PostgreSQL paid a
/// transaction's fixed costs twice as often. A runner already let its own small batch wait for
/// its previous commit (`SessionRunner.pump`); this applies that rule across runners, in turn.
///
/// Rules:
/// - a commit starts at once when none is in flight;
/// - beside one in flight, only a batch of at least `RunnerConfiguration.minimumOverlappingBatch`
///   writes starts (pipelined loads), up to `maxInFlight` at once;
/// - any other waits in line; when a commit ends, its slot is handed to the first runner in line
///   (`SessionRunner.slotHanded`), which starts a commit with everything it has queued by then or,
///   needing none, hands the slot on.
final class CommitGate<Runner: AnyObject & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let maxInFlight: Int
    /// Commits in flight, plus a slot being handed to a runner.
    private var inFlight = 0
    private var waiting: [Runner] = []

    init(maxInFlight: Int) {
        self.maxInFlight = max(1, maxInFlight)
    }

    /// A slot for a commit of `writes` writes; false when `runner` is put in line instead (then it
    /// is handed one later).
    func enter(_ runner: Runner, writes: Int) -> Bool {
        lock.withLock {
            // A slot is handed on without being freed, so none in flight means nobody in line.
            if inFlight == 0 || (writes >= RunnerConfiguration.minimumOverlappingBatch && inFlight < maxInFlight) {
                inFlight += 1
                return true
            }
            if !waiting.contains(where: { $0 === runner }) { waiting.append(runner) }
            return false
        }
    }

    /// A commit ended, or a handed slot was not needed: the slot goes to the first runner in line
    /// (returned, to be told), or is freed.
    func leave() -> Runner? {
        lock.withLock {
            guard !waiting.isEmpty else {
                inFlight -= 1
                return nil
            }
            return waiting.removeFirst()
        }
    }
}
