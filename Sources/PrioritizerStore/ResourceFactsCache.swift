import Foundation

/// Resource ids and stored facts that this process committed or read, by organization and path.
///
/// A group commit needs the id of every path it touches and must know whether the batch changes
/// the row; reading 500 rows back for every batch was a tenth of its database time. Rows change
/// only through this writer on a single node, so what it committed is what is stored. Entries
/// are added only after their transaction committed, and the whole cache is dropped after any
/// failed commit, so a rolled-back insert or a row changed by hand is read again.
final class ResourceFactsCache: @unchecked Sendable {
    struct Entry {
        let resourceID: UUID
        let facts: StoredResourceFacts
        /// Read by the batch without writing (or locking) the row: another batch in flight may
        /// have written newer facts and remembered them first.
        var wasOnlyRead = false
    }

    private struct Key: Hashable {
        let org: UUID
        let path: String
    }

    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]
    /// The period of being the only writer the entries were cached in (see `entering`); nil once
    /// a batch wrote outside any period, so that the next one starts afresh.
    private var epoch: Int? = 0
    /// Counts the times the entries were dropped for a reason other than space.
    private var generation = 0
    /// Beyond this many paths the cache starts over: memory stays bounded, and a miss only costs
    /// the read it saves.
    let capacity: Int

    init(capacity: Int = 500_000) {
        self.capacity = capacity
    }

    /// The entry of each path, in the order asked (nil: not cached). Aligned with `paths` rather
    /// than keyed by path, so the caller hashes no path a second time.
    func entries(org: UUID, paths: some Collection<String>) -> [Entry?] {
        lock.lock()
        defer { lock.unlock() }
        return paths.map { entries[Key(org: org, path: $0)] }
    }

    /// Keeps what a batch learned, unless the entries were dropped since it entered
    /// (`generation`, as `entering` returned it): a batch that committed before a period
    /// change, or before a batch written outside any period, must not put back what it read.
    func remember(org: UUID, _ learned: [String: Entry], enteredAt generation: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard generation == self.generation else { return }
        if entries.count + learned.count > capacity { entries.removeAll(keepingCapacity: true) }
        for (path, entry) in learned {
            let key = Key(org: org, path: path)
            // What a batch only read never replaces what another wrote: the read may be older.
            if entry.wasOnlyRead && entries[key] != nil { continue }
            entries[key] = entry
        }
    }

    /// Readies the cache for a batch written in period `epoch` of being the database's only
    /// writer: its entries are dropped first if they were cached in another period (other nodes
    /// may have changed the rows in between). Returns the generation to `remember` with.
    func entering(_ epoch: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if epoch != self.epoch {
            dropEntries()
            self.epoch = epoch
        }
        return generation
    }

    private func dropEntries() {
        entries.removeAll()
        generation += 1
    }

    /// A batch is being (or was) written while other nodes may write: it changes rows without
    /// this cache, so whatever period comes next, even the one it interrupted (a lease that lapsed
    /// with no one else live), starts with no entries.
    func writingOutsideAPeriod() {
        lock.lock()
        epoch = nil
        generation += 1
        lock.unlock()
    }

    func removeAll() {
        lock.lock()
        dropEntries()
        lock.unlock()
    }
}
