/// One organization's co-access relations: for each resource, its strongest neighbours with a
/// weight that decays over (event) time. Symmetric: relating A and B strengthens both directions.
///
/// Memory is bounded per resource: once a resource has twice `neighboursPerResource` neighbours,
/// the weakest are dropped down to `neighboursPerResource` (amortized, so an update stays O(1)
/// on average); and per organization: past `maxRelations`, the weakest quarter of all relations
/// is dropped (amortized the same way). The graph also remembers each related resource's latest
/// token count, so resources a session never touched can be packed; and its paths are bounded
/// too: those no relation names any more are forgotten once they are as many as the rest
/// (`compactPaths`).
///
/// Changes since the last `takeChanges()` are tracked so a writer can persist only those: a flag
/// on each changed relation and a queue of the resources holding one (setting a flag next to the
/// weight just updated costs nothing; a hash set of every changed relation cost a cache miss per
/// update, a tenth of a TRACK's server time with 100,000 paths), and the dropped relations whose
/// rows may exist. A relation dropped before it was ever written needs no DELETE.
///
/// Paths are interned (`PathTable`) and relations kept as integer-keyed lists (`NeighbourList`):
/// learning runs on every TRACK under the organization's lock, and String-keyed dictionaries
/// made it cost two thirds of TRACK throughput. The API speaks paths; ids stay inside.
public struct CoAccessGraph: Sendable {
    public let model: RelationModel
    var paths = PathTable()
    /// Indexed by path id, like `tokenCounts`.
    var lists: [NeighbourList] = []
    var tokenCounts: [Int?] = []
    /// Ids of the lists holding pending entries (each once: `NeighbourList.isQueued`), oldest first.
    var queued: [UInt32] = []
    /// Entries with `isPending` set, across lists.
    var pendingUpserts = 0
    /// Dropped relations whose rows may exist (`changeKey`): to delete.
    var removals = RelationKeySet()
    public internal(set) var relationCount = 0
    /// The latest time any relation was strengthened: what global pruning values weights at.
    var newest = Int64.min
    /// Tells windows which graph their ids belong to (see `CoAccessWindow.bind`); a new one each
    /// time the paths are renumbered (`compactPaths`).
    var identity = UInt64.random(in: 1...UInt64.max)
    /// No compaction below this many paths (`compactPathsIfNeeded`); tests lower it.
    var pathCompactionFloor = CoAccessGraph.defaultPathCompactionFloor
    /// The paths kept by the last compaction.
    var pathsAfterCompaction = 0
    /// Reused for the partners of each access, so an observe allocates nothing in steady state.
    private var partners: [UInt32] = []

    /// A directed relation `from → to`.
    public struct Edge: Hashable, Sendable {
        public let from: String
        public let to: String

        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    /// What to persist: relations to write with their current weight, and relations dropped.
    public struct Changes: Sendable {
        public var upserted: [(edge: Edge, weight: DecayedScore)] = []
        public var removed: [Edge] = []
        public var isEmpty: Bool { upserted.isEmpty && removed.isEmpty }
    }

    public init(model: RelationModel = .standard) {
        self.model = model
    }

    /// Relates `a` and `b` with `weight` observed at `time` (both directions).
    public mutating func strengthen(_ a: String, _ b: String, by weight: Double, at time: Int64) {
        guard a != b, weight > 0 else { return }
        compactPathsIfNeeded()
        strengthen(intern(a), intern(b), by: weight, at: time)
    }

    /// One access in a session: relates `path` to every other path of the session's window and
    /// remembers its token count. What TRACK feeds, and the in-process replay the same way.
    public mutating func observe(_ path: String, tokens: Int?, at time: Int64, in window: inout CoAccessWindow) {
        compactPathsIfNeeded()
        let id = intern(path)
        if let tokens { tokenCounts[Int(id)] = tokens }
        window.bind(to: identity) { path, tokens in
            let id = intern(path)
            // A count this numbering forgot (the path was related to nothing when compacted).
            if tokenCounts[Int(id)] == nil, let tokens { tokenCounts[Int(id)] = tokens }
            return id
        }
        var partners = self.partners
        self.partners = []
        partners.removeAll(keepingCapacity: true)
        window.observe(
            id, path: path, tokens: tokenCounts[Int(id)], at: time, window: model.windowMilliseconds,
            capacity: model.windowCapacity, partners: &partners)
        for partner in partners { strengthen(id, partner, by: 1, at: time) }
        self.partners = partners
    }

    /// A relation as persisted (loading an organization); not marked changed.
    public mutating func restore(from: String, to: String, weight: DecayedScore) {
        let (from, to) = (intern(from), intern(to))
        if let index = lists[Int(from)].index(of: to) {
            lists[Int(from)].entries[index].weight = weight
            lists[Int(from)].entries[index].isStored = true
        } else {
            // Its row exists: a DELETE still waiting for it would remove what memory now holds.
            _ = unqueueRemoval(from, to)
            lists[Int(from)].append(.init(weight: weight, to: to, isStored: true), limit: listLimit)
            relationCount += 1
        }
        pruneIfNeeded(from, markChanged: false)
    }

    /// Drops the weakest relations when more than `maxRelations` were restored: several nodes
    /// write one organization's table, each bounded on its own, so it may hold more than one
    /// node keeps. The dropped rows are deleted with the next writes.
    public mutating func pruneIfOverBound() {
        if relationCount > model.maxRelations { pruneWeakest() }
    }

    public mutating func setTokens(_ tokens: Int, for path: String) {
        compactPathsIfNeeded()
        tokenCounts[Int(intern(path))] = tokens
    }

    public func tokens(of path: String) -> Int? {
        paths.id(of: path).flatMap { tokenCounts[Int($0)] }
    }

    public func neighbours(of path: String) -> [String: DecayedScore] {
        guard let id = paths.id(of: path) else { return [:] }
        return Dictionary(uniqueKeysWithValues: lists[Int(id)].entries.map { (paths[$0.to], $0.weight) })
    }

    /// Calls `body` with each neighbour of `path` and its weight, without building a dictionary
    /// (what PRIORITIZE's related candidates read).
    func forEachNeighbour(of path: String, _ body: (String, DecayedScore) -> Void) {
        guard let id = paths.id(of: path) else { return }
        for entry in lists[Int(id)].entries { body(paths[entry.to], entry.weight) }
    }

    /// Up to `limit` of the changes since the previous calls (the rest stay for the next call).
    /// A relation taken counts as stored from then on: its write may commit.
    ///
    /// DELETEs go first. Each stands for a row an earlier write stored, so taking them first
    /// keeps them to what the writes' own pace leaves; when upserts went first, relations that
    /// keep changing filled every periodic write, and the DELETEs of rows since dropped waited
    /// forever, piling up in memory and as stale rows in the table.
    public mutating func takeChanges(limit: Int = .max) -> Changes {
        var changes = Changes()
        var budget = limit
        // One `take` of the whole chunk, not a key at a time: popping keys one by one rescans the
        // buckets emptied before (`Set.popFirst` made draining a few hundred thousand changes
        // quadratic: minutes of CPU, under the lock).
        if budget > 0 && removals.count > 0 {
            for key in removals.take(limit: budget) {
                let (from, to) = Self.relation(key)
                lists[Int(from)].removalDone()
                changes.removed.append(Edge(from: paths[from], to: paths[to]))
            }
            budget -= changes.removed.count
        }
        var done = 0
        while done < queued.count, budget > 0 {
            let id = Int(queued[done])
            var drained = true
            for index in lists[id].entries.indices where lists[id].entries[index].isPending {
                guard budget > 0 else {
                    drained = false
                    break
                }
                lists[id].entries[index].isPending = false
                lists[id].entries[index].isStored = true
                let entry = lists[id].entries[index]
                changes.upserted.append((Edge(from: paths[UInt32(id)], to: paths[entry.to]), entry.weight))
                budget -= 1
            }
            guard drained else { break }
            lists[id].isQueued = false
            done += 1
        }
        pendingUpserts -= changes.upserted.count
        queued.removeFirst(done)
        return changes
    }

    /// Relations changed and not yet taken.
    public var pendingChangeCount: Int { pendingUpserts + removals.count }

    /// Marks changes again (their write failed): the next `takeChanges()` returns them.
    public mutating func markChanged(_ changes: Changes) {
        removals.reserve(changes.removed.count)
        // An upserted relation dropped since was stored when dropped, so its DELETE is pending.
        for (edge, _) in changes.upserted {
            let (from, to) = (intern(edge.from), intern(edge.to))
            if let index = lists[Int(from)].index(of: to) { markPending(from, index) }
        }
        // A removed relation learned again since was taken for new: its row, not deleted, exists.
        for edge in changes.removed {
            let (from, to) = (intern(edge.from), intern(edge.to))
            if let index = lists[Int(from)].index(of: to) {
                lists[Int(from)].entries[index].isStored = true
                markPending(from, index)
            } else {
                queueRemoval(from, to)
            }
        }
    }

    /// Flags entry `index` of list `id` changed, queueing the list if it is not already.
    mutating func markPending(_ id: UInt32, _ index: Int) {
        if !lists[Int(id)].entries[index].isPending {
            lists[Int(id)].entries[index].isPending = true
            pendingUpserts += 1
        }
        if !lists[Int(id)].isQueued {
            lists[Int(id)].isQueued = true
            queued.append(id)
        }
    }

    /// Accounts for a relation leaving memory: a DELETE for it if its row may exist (and
    /// `markChanged`; not when pruning what is being loaded).
    mutating func forget(_ entry: NeighbourList.Entry, from id: UInt32, markChanged: Bool) {
        if entry.isPending { pendingUpserts -= 1 }
        if markChanged && entry.isStored { queueRemoval(id, entry.to) }
    }

    /// Queues the DELETE of relation `from → to`.
    private mutating func queueRemoval(_ from: UInt32, _ to: UInt32) {
        if removals.insert(Self.changeKey(from, to)) { lists[Int(from)].removalQueued(to: to) }
    }

    /// Withdraws the DELETE of relation `from → to`; whether one was queued.
    private mutating func unqueueRemoval(_ from: UInt32, _ to: UInt32) -> Bool {
        guard lists[Int(from)].mayHaveRemoval(to: to), removals.remove(Self.changeKey(from, to)) else { return false }
        lists[Int(from)].removalDone()
        return true
    }

    // MARK: - Ids

    /// The id of `path`, with room for its neighbours and token count.
    private mutating func intern(_ path: String) -> UInt32 {
        let id = paths.intern(path)
        if Int(id) == lists.count {
            lists.append(NeighbourList())
            tokenCounts.append(nil)
        }
        return id
    }

    static func changeKey(_ from: UInt32, _ to: UInt32) -> UInt64 { UInt64(from) << 32 | UInt64(to) }

    static func relation(_ key: UInt64) -> (from: UInt32, to: UInt32) {
        (UInt32(truncatingIfNeeded: key >> 32), UInt32(truncatingIfNeeded: key))
    }

    /// The count at which a resource's neighbours are pruned.
    var listLimit: Int { 2 * model.neighboursPerResource + 1 }

    // MARK: - Learning

    private mutating func strengthen(_ a: UInt32, _ b: UInt32, by weight: Double, at time: Int64) {
        guard a != b, weight > 0 else { return }
        add(from: a, to: b, weight: weight, at: time)
        add(from: b, to: a, weight: weight, at: time)
    }

    private mutating func add(from: UInt32, to: UInt32, weight: Double, at time: Int64) {
        let halfLife = model.halfLifeMilliseconds
        let isNew: Bool
        let index: Int
        if let found = lists[Int(from)].index(of: to) {
            isNew = false
            index = found
            lists[Int(from)].entries[index].weight.add(weight, at: time, halfLifeMilliseconds: halfLife)
        } else {
            isNew = true
            relationCount += 1
            var score = DecayedScore.zero
            score.add(weight, at: time, halfLifeMilliseconds: halfLife)
            // Dropped and learned again before its DELETE: its row exists, and is now upserted.
            let isStored = unqueueRemoval(from, to)
            index = lists[Int(from)].count
            lists[Int(from)].append(.init(weight: score, to: to, isStored: isStored), limit: listLimit)
        }
        newest = max(newest, time)
        markPending(from, index)
        pruneIfNeeded(from, markChanged: true)
        if isNew && relationCount > model.maxRelations { pruneWeakest() }
    }
}
