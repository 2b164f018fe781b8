import Foundation

/// `--max-pending`: how many writes may wait for a group commit, counted across every runner.
///
/// One count shared by all runners, so that one busy session, whose writes all go to its
/// runner, may use the whole bound. Each runner used to get an equal share, which refused that
/// session's writes at `maxPending / workers` while the other shares stood empty.
final class QueuedWriteBound: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var queued = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a place for one write, or false when the bound is reached (the write gets -BUSY).
    func admit() -> Bool {
        lock.withLock {
            guard queued < limit else { return false }
            queued += 1
            return true
        }
    }

    /// Whether the next write would get -BUSY.
    var isFull: Bool {
        lock.withLock { queued >= limit }
    }

    /// Gives back the places of writes that left the queue (taken into a batch, or failed).
    func release(_ count: Int) {
        lock.withLock { queued -= count }
    }
}
