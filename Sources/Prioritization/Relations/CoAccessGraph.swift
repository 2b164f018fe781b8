/// One organization's co-access relations: for each resource, its strongest neighbours with a
/// weight that decays over (event) time. Symmetric: relating A and B strengthens both directions.
///
/// Memory is bounded per resource: once a resource has twice `neighboursPerResource` neighbours,
/// the weakest are dropped down to `neighboursPerResource` (amortized, so an update stays O(1)
/// on average); and per organization: past `maxRelations`, the weakest quarter of all relations
/// is dropped (amortized the same way). The graph also remembers each resource's latest token count, so resources a
/// session never touched can be packed.
///
/// Changes since the last `takeChanges()` are tracked so a writer can persist only those.
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
    /// Directed relations `from → to` changed since `takeChanges`, packed by `changeKey`.
    var changed = ChangeSet()
    public internal(set) var relationCount = 0
    /// The latest time any relation was strengthened: what global pruning values weights at.
    var newest = Int64.min
    /// Tells windows which graph their ids belong to (see `CoAccessWindow.bind`).
    let identity = UInt64.random(in: 1...UInt64.max)
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
        strengthen(intern(a), intern(b), by: weight, at: time)
    }

    /// One access in a session: relates `path` to every other path of the session's window and
    /// remembers its token count. What TRACK feeds, and the in-process replay the same way.
    public mutating func observe(_ path: String, tokens: Int?, at time: Int64, in window: inout CoAccessWindow) {
        let id = intern(path)
        if let tokens { tokenCounts[Int(id)] = tokens }
        window.bind(to: identity) { intern($0) }
        var partners = self.partners
        self.partners = []
        partners.removeAll(keepingCapacity: true)
        window.observe(id, path: path, at: time, window: model.windowMilliseconds, capacity: model.windowCapacity, partners: &partners)
        for partner in partners { strengthen(id, partner, by: 1, at: time) }
        self.partners = partners
    }

    /// A relation as persisted (loading an organization); not marked changed.
    public mutating func restore(from: String, to: String, weight: DecayedScore) {
        let (from, to) = (intern(from), intern(to))
        if let index = lists[Int(from)].index(of: to) {
            lists[Int(from)].entries[index].weight = weight
        } else {
            lists[Int(from)].append(.init(weight: weight, to: to), limit: listLimit)
            relationCount += 1
        }
        pruneIfNeeded(from, markChanged: false)
    }

    public mutating func setTokens(_ tokens: Int, for path: String) {
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
    public mutating func takeChanges(limit: Int = .max) -> Changes {
        var changes = Changes()
        // One `take` of the whole chunk, not a key at a time: popping keys one by one rescans the
        // buckets emptied before (`Set.popFirst` made draining a few hundred thousand changes
        // quadratic: minutes of CPU, under the lock).
        for key in changed.take(limit: limit) {
            let (from, to) = Self.relation(key)
            let edge = Edge(from: paths[from], to: paths[to])
            if let weight = lists[Int(from)].weight(of: to) {
                changes.upserted.append((edge, weight))
            } else {
                changes.removed.append(edge)
            }
        }
        return changes
    }

    /// Relations changed and not yet taken.
    public var pendingChangeCount: Int { changed.count }

    /// Marks changes again (their write failed): the next `takeChanges()` returns them.
    public mutating func markChanged(_ changes: Changes) {
        changed.reserve(changes.upserted.count + changes.removed.count)
        for (edge, _) in changes.upserted { changed.insert(Self.changeKey(intern(edge.from), intern(edge.to))) }
        for edge in changes.removed { changed.insert(Self.changeKey(intern(edge.from), intern(edge.to))) }
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
        if let index = lists[Int(from)].index(of: to) {
            isNew = false
            lists[Int(from)].entries[index].weight.add(weight, at: time, halfLifeMilliseconds: halfLife)
        } else {
            isNew = true
            relationCount += 1
            var score = DecayedScore.zero
            score.add(weight, at: time, halfLifeMilliseconds: halfLife)
            lists[Int(from)].append(.init(weight: score, to: to), limit: listLimit)
        }
        newest = max(newest, time)
        changed.insert(Self.changeKey(from, to))
        pruneIfNeeded(from, markChanged: true)
        if isNew && relationCount > model.maxRelations { pruneWeakest() }
    }
}
