import Prioritization

// The String-keyed co-access graph and window as they were before paths were interned (commit
// 879cfc4), kept verbatim apart from their names and from `stored`, added when dropped relations
// never written stopped needing a DELETE: the reference that CoAccessGraphEquivalenceTests
// compares the interned graph with. Not used outside the tests.

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
struct ReferenceCoAccessGraph: Sendable {
    let model: RelationModel
    private var neighbours: [String: [String: DecayedScore]] = [:]
    private var tokenCounts: [String: Int] = [:]
    private var changed: Set<Edge> = []
    /// Relations whose rows may exist (loaded, or taken for writing); a dropped one stays here
    /// only while its DELETE is pending.
    private var stored: Set<Edge> = []
    private(set) var relationCount = 0
    /// The latest time any relation was strengthened: what global pruning values weights at.
    private var newest = Int64.min

    /// A directed relation `from → to`.
    struct Edge: Hashable, Sendable {
        let from: String
        let to: String

        init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    /// What to persist: relations to write with their current weight, and relations dropped.
    struct Changes: Sendable {
        var upserted: [(edge: Edge, weight: DecayedScore)] = []
        var removed: [Edge] = []
        var isEmpty: Bool { upserted.isEmpty && removed.isEmpty }
    }

    init(model: RelationModel = .standard) {
        self.model = model
    }

    /// Relates `a` and `b` with `weight` observed at `time` (both directions).
    mutating func strengthen(_ a: String, _ b: String, by weight: Double, at time: Int64) {
        guard a != b, weight > 0 else { return }
        add(from: a, to: b, weight: weight, at: time)
        add(from: b, to: a, weight: weight, at: time)
    }

    /// One access in a session: relates `path` to every other path of the session's window and
    /// remembers its token count. What TRACK feeds, and the in-process replay the same way.
    mutating func observe(_ path: String, tokens: Int?, at time: Int64, in window: inout ReferenceCoAccessWindow) {
        if let tokens { tokenCounts[path] = tokens }
        for partner in window.observe(path, at: time, window: model.windowMilliseconds, capacity: model.windowCapacity) {
            strengthen(path, partner, by: 1, at: time)
        }
    }

    /// A relation as persisted (loading an organization); not marked changed.
    mutating func restore(from: String, to: String, weight: DecayedScore) {
        let edge = Edge(from: from, to: to)
        if neighbours[from, default: [:]].updateValue(weight, forKey: to) == nil {
            relationCount += 1
            changed.remove(edge)
        }
        stored.insert(edge)
        pruneIfNeeded(from, markChanged: false)
    }

    mutating func setTokens(_ tokens: Int, for path: String) {
        tokenCounts[path] = tokens
    }

    func tokens(of path: String) -> Int? { tokenCounts[path] }

    func neighbours(of path: String) -> [String: DecayedScore] { neighbours[path] ?? [:] }

    /// Up to `limit` of the changes since the previous calls (the rest stay for the next call).
    mutating func takeChanges(limit: Int = .max) -> Changes {
        var changes = Changes()
        // Not `popFirst()` in a loop: each call scans the buckets emptied before it, which made
        // draining a few hundred thousand changes quadratic (minutes of CPU, under the lock).
        let taken: Set<Edge>
        if limit >= changed.count {
            taken = changed
            changed.removeAll()
        } else {
            taken = Set(changed.prefix(limit))
            changed.subtract(taken)
        }
        for edge in taken {
            if let weight = neighbours[edge.from]?[edge.to] {
                changes.upserted.append((edge, weight))
                stored.insert(edge)
            } else {
                changes.removed.append(edge)
                stored.remove(edge)
            }
        }
        return changes
    }

    /// Relations changed and not yet taken.
    var pendingChangeCount: Int { changed.count }

    /// Marks changes again (their write failed): the next `takeChanges()` returns them.
    mutating func markChanged(_ changes: Changes) {
        for (edge, _) in changes.upserted { changed.insert(edge) }
        for edge in changes.removed {
            changed.insert(edge)
            stored.insert(edge)
        }
    }

    /// What taking `from → to` and marking it changed again (a failed write) leaves: still
    /// pending, and stored from then on, since the write might have committed. Lets the tests
    /// drain the same relations from this graph as the interned graph chose to.
    mutating func takeAndPutBack(from: String, to: String) {
        stored.insert(Edge(from: from, to: to))
    }

    /// A relation leaves memory: deleted later if its row may exist, else forgotten.
    private mutating func drop(_ edge: Edge, markChanged: Bool) {
        if markChanged && stored.contains(edge) {
            changed.insert(edge)
        } else {
            changed.remove(edge)
            stored.remove(edge)
        }
    }

    private mutating func add(from: String, to: String, weight: Double, at time: Int64) {
        let halfLife = model.halfLifeMilliseconds
        let isNew = neighbours[from]?[to] == nil
        if isNew { relationCount += 1 }
        neighbours[from, default: [:]][to, default: .zero].add(weight, at: time, halfLifeMilliseconds: halfLife)
        newest = max(newest, time)
        changed.insert(Edge(from: from, to: to))
        pruneIfNeeded(from, markChanged: true)
        if isNew && relationCount > model.maxRelations { pruneWeakest() }
    }

    /// Drops the weakest relations (valued at the newest time seen) down to three quarters of
    /// `maxRelations`; ties are kept in path order until the target is reached.
    private mutating func pruneWeakest() {
        let halfLife = model.halfLifeMilliseconds
        let target = model.maxRelations * 3 / 4
        var values: [Double] = []
        values.reserveCapacity(relationCount)
        for list in neighbours.values {
            for weight in list.values { values.append(weight.log2Value(at: newest, halfLifeMilliseconds: halfLife)) }
        }
        guard values.count > target, target > 0 else { return }
        values.sort(by: >)
        let threshold = values[target - 1]
        var tieSlots = target - values.prefix(target).filter { $0 > threshold }.count
        var remaining = 0
        for path in neighbours.keys.sorted() {
            var kept: [String: DecayedScore] = [:]
            for (to, weight) in neighbours[path]!.sorted(by: { $0.key < $1.key }) {
                let value = weight.log2Value(at: newest, halfLifeMilliseconds: halfLife)
                if value > threshold || (value == threshold && tieSlots > 0) {
                    if value == threshold { tieSlots -= 1 }
                    kept[to] = weight
                } else {
                    drop(Edge(from: path, to: to), markChanged: true)
                }
            }
            remaining += kept.count
            neighbours[path] = kept.isEmpty ? nil : kept
        }
        relationCount = remaining
    }

    private mutating func pruneIfNeeded(_ path: String, markChanged: Bool) {
        let keep = model.neighboursPerResource
        guard let all = neighbours[path], all.count > 2 * keep else { return }
        let newest = all.values.map(\.at).max() ?? 0
        let halfLife = model.halfLifeMilliseconds
        // Each weight valued once, not once per comparison: this runs on the TRACK path.
        let ranked = all.map { (value: $0.value.log2Value(at: newest, halfLifeMilliseconds: halfLife), key: $0.key, weight: $0.value) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var kept: [String: DecayedScore] = [:]
        kept.reserveCapacity(2 * keep + 1)
        for (index, entry) in ranked.enumerated() {
            if index < keep {
                kept[entry.key] = entry.weight
            } else {
                drop(Edge(from: path, to: entry.key), markChanged: markChanged)
            }
        }
        relationCount -= all.count - kept.count
        neighbours[path] = kept
    }
}

/// The accesses of one session within the relation window: what a new access co-occurs with.
///
/// Keeps each path once, at its latest access, and only those within `windowMilliseconds` of the
/// newest access seen (events may arrive out of order), at most `capacity` of them (the latest).
struct ReferenceCoAccessWindow: Sendable {
    private var recent: [(path: String, at: Int64)] = []
    private var newest = Int64.min

    init() {}

    /// Records an access and returns the other paths accessed within `window` ms of it.
    mutating func observe(_ path: String, at time: Int64, window: Int64, capacity: Int) -> [String] {
        var partners: [String] = []
        var index: Int?
        for (i, entry) in recent.enumerated() {
            if entry.path == path {
                index = i
            } else if abs(entry.at &- time) <= window {
                partners.append(entry.path)
            }
        }
        if let index {
            recent[index].at = max(recent[index].at, time)
        } else {
            recent.append((path, time))
        }
        newest = max(newest, time)
        let horizon = newest &- window
        recent.removeAll { $0.at < horizon }
        if recent.count > capacity {
            recent.sort { $0.at > $1.at }
            recent.removeLast(recent.count - capacity)
        }
        return partners
    }
}

extension SessionState {
    /// `relatedScores` and `relatedCandidates` as they were, on the reference graph.
    func referenceRelatedCandidates(_ graph: ReferenceCoAccessGraph, at time: Int64) -> [PackingCandidate] {
        let model = graph.model
        var scores: [String: Double] = [:]
        for seed in top(model.seedResources, at: time) {
            let related = graph.neighbours(of: seed.resource.path)
            guard !related.isEmpty, seed.importance > 0 else { continue }
            let values = related.mapValues { $0.value(at: time, halfLifeMilliseconds: model.halfLifeMilliseconds) }
            let total = values.values.reduce(0, +)
            guard total > 0 else { continue }
            let share = model.relationWeight * seed.importance / total
            for (path, value) in values { scores[path, default: 0] += share * value }
        }
        let fresh = scores.compactMap { path, score -> PackingCandidate? in
            guard resources[path] == nil, score >= model.minimumScore, let tokens = graph.tokens(of: path) else {
                return nil
            }
            return PackingCandidate(path: path, importance: score, tokens: tokens)
        }
        return Array(fresh.sorted { $0.importance != $1.importance ? $0.importance > $1.importance : $0.path < $1.path }
            .prefix(model.maxRelatedCandidates))
    }
}
