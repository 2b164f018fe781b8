/// The in-memory state of one session: every resource it tracked, with importance kept as one
/// decayed score per resource, so applying an event is O(1) and any ranking is a pass over the
/// resources. A value type: the server's session runner actor owns one and copies are cheap
/// snapshots (copy-on-write).
public struct SessionState: Sendable {
    public private(set) var resources = SessionResources()
    public var model: ImportanceModel
    /// The session's half-life (SESSION.CREATE … HALFLIFE), in seconds.
    public var halfLifeSeconds: Double
    public private(set) var totalAccesses = 0
    /// Paths marked included by the latest prioritization.
    public private(set) var includedPaths: Set<String> = []

    public init(halfLifeSeconds: Double? = nil, model: ImportanceModel = .standard) {
        self.model = model
        self.halfLifeSeconds = halfLifeSeconds ?? model.defaultHalfLifeSeconds
    }

    /// A child session (SESSION.CREATE … PARENT) starts from the parent's resources, counts and
    /// importance as they stand. Inclusion flags are not inherited: the child has not
    /// prioritized yet. The half-life is the child's own when given.
    public init(copying parent: SessionState, halfLifeSeconds: Double? = nil) {
        self = parent
        self.halfLifeSeconds = halfLifeSeconds ?? parent.halfLifeSeconds
        markIncluded([])
    }

    /// A session as persisted: its resources with their scores, counts and inclusion flags.
    public init(restoring resources: some Sequence<SessionResource>, halfLifeSeconds: Double, model: ImportanceModel = .standard) {
        self.model = model
        self.halfLifeSeconds = halfLifeSeconds
        for resource in resources {
            if let replaced = self.resources.set(resource) {
                totalAccesses -= replaced.accessCount
                includedPaths.remove(replaced.path)
            }
            totalAccesses += resource.accessCount
            if resource.included { includedPaths.insert(resource.path) }
        }
    }

    public var halfLifeMilliseconds: Double { halfLifeSeconds * 1000 }

    public subscript(path: String) -> SessionResource? { resources[path] }

    /// Applies one access in O(1) and returns the resource's access count in this session
    /// (TRACK's reply). Events may arrive in any order: the score merges order-independently,
    /// first/last access are min/max, and the type follows the latest event in time.
    @discardableResult
    public mutating func apply(_ event: AccessEvent) -> Int {
        let halfLife = halfLifeMilliseconds
        let weight = model.weight(for: event.access)
        totalAccesses += 1
        return withResource(event.path, type: event.type, at: event.at) { resource in
            resource.score.add(weight, at: event.at, halfLifeMilliseconds: halfLife)
            resource.accessCounts.record(event.access)
            if event.at >= resource.lastAccessAt {
                resource.lastAccessAt = event.at
                resource.type = event.type
            }
            resource.firstAccessAt = min(resource.firstAccessAt, event.at)
            if event.modified { resource.modified = true }
            if let tokens = event.tokens { resource.tokens = tokens }
            if let size = event.size { resource.size = size }
            return resource.accessCount
        }
    }

    private mutating func withResource<R>(
        _ path: String, type: ResourceType, at: Int64, _ body: (inout SessionResource) -> R
    ) -> R {
        resources.update(path, make: { SessionResource(path: path, type: type, at: at) }, body)
    }

    /// The resource's importance at `time`, or `nil` if the session never tracked it.
    public func importance(of path: String, at time: Int64) -> Double? {
        resources[path].map { importance(of: $0, at: time) }
    }

    public func importance(of resource: SessionResource, at time: Int64) -> Double {
        model.importance(of: resource.score, modified: resource.modified, at: time,
                         halfLifeMilliseconds: halfLifeMilliseconds)
    }

    public func log2Importance(of resource: SessionResource, at time: Int64) -> Double {
        model.log2Importance(of: resource.score, modified: resource.modified, at: time,
                             halfLifeMilliseconds: halfLifeMilliseconds)
    }

    /// See `SessionResources.preparePathRanks()`: call before `candidates(at:)` to pack faster.
    public mutating func preparePathRanks() {
        resources.preparePathRanks()
    }

    /// Every tracked resource as a packing candidate valued at `time` (PRIORITIZE takes them all),
    /// in the order of `resources.values`, so `resources.pathRanks` ranks them.
    public func packingCandidates(at time: Int64) -> PackingCandidates {
        PackingCandidates(resources: resources.values) { resource in
            (importance(at: resource, time), log2Importance(at: resource, time))
        }
    }

    /// The same one candidate at a time.
    public func candidates(at time: Int64) -> [PackingCandidate] {
        // Each resource read in place: copying one out of the array retains its path.
        resources.values.withUnsafeBufferPointer { all in
            guard let first = all.baseAddress else { return [] }
            return all.indices.map { position in
                let resource = first + position
                return PackingCandidate(
                    path: resource.pointee.path, importance: importance(at: resource, time),
                    tokens: resource.pointee.tokens, log2Importance: log2Importance(at: resource, time))
            }
        }
    }

    private func importance(at resource: UnsafePointer<SessionResource>, _ time: Int64) -> Double {
        model.importance(of: resource.pointee.score, modified: resource.pointee.modified, at: time,
                         halfLifeMilliseconds: halfLifeMilliseconds)
    }

    private func log2Importance(at resource: UnsafePointer<SessionResource>, _ time: Int64) -> Double {
        model.log2Importance(of: resource.pointee.score, modified: resource.pointee.modified, at: time,
                             halfLifeMilliseconds: halfLifeMilliseconds)
    }

    /// The `limit` most important resources at `time` (TOP), importance descending then path
    /// ascending, ranked in log space so that very old sessions still rank correctly. Keeps only
    /// the best `limit` while scanning, so TOP 10 over 10k resources does not sort them all.
    /// Breaks ties by `resources.pathRanks` when they are up to date, which orders as paths do.
    public func top(_ limit: Int, at time: Int64) -> [RankedResource] {
        resources.values.withUnsafeBufferPointer { all in
            guard let first = all.baseAddress else { return [] }
            return top(limit, log2Importance: { log2Importance(at: first + $0, time) },
                       importance: { importance(at: first + $0, time) })
        }
    }

    /// `top(_:at:)` from candidates this session valued (`packingCandidates(at:)`), without
    /// valuing every resource again.
    public func top(_ limit: Int, of valued: PackingCandidates) -> [RankedResource] {
        precondition(valued.count >= resources.count, "candidates valued by another session")
        return top(limit, log2Importance: { valued.log2Importance[$0] }, importance: { valued.importance[$0] })
    }

    /// Up to this many best resources (or an eighth of all) are kept by insertion into a sorted
    /// prefix; more are found by sorting everything once. Insertion moves O(limit) entries each
    /// time, quadratic for a LIMIT near the resource count, since resources are scanned oldest
    /// first and later ones usually rank higher.
    static let insertionLimit = 64

    /// The resources at the best `limit` positions by `log2Importance` (of a position).
    private func top(_ limit: Int, log2Importance: (Int) -> Double, importance: (Int) -> Double) -> [RankedResource] {
        guard limit > 0 else { return [] }
        let ranks = resources.pathRanks
        return resources.values.withUnsafeBufferPointer { all in
            func before(_ a: (log2: Double, position: Int), _ b: (log2: Double, position: Int)) -> Bool {
                if a.log2 != b.log2 { return a.log2 > b.log2 }
                if let ranks { return ranks[a.position] < ranks[b.position] }
                return all[a.position].path < all[b.position].path
            }
            var best: [(log2: Double, position: Int)] = []
            if limit > Self.insertionLimit && limit >= all.count / 8 {
                best = all.indices.map { (log2: log2Importance($0), position: $0) }
                best.sort(by: before)
                best.removeLast(max(0, best.count - limit))
            } else {
                best.reserveCapacity(min(limit, all.count) + 1)
                for position in all.indices {
                    let entry = (log2: log2Importance(position), position: position)
                    if best.count == limit, let last = best.last, !before(entry, last) { continue }
                    var low = 0
                    var high = best.count
                    while low < high {
                        let mid = (low + high) / 2
                        if before(best[mid], entry) { low = mid + 1 } else { high = mid }
                    }
                    best.insert(entry, at: low)
                    if best.count > limit { best.removeLast() }
                }
            }
            return best.map { entry in
                RankedResource(resource: all[entry.position], importance: importance(entry.position),
                               log2Importance: entry.log2)
            }
        }
    }

    /// Sum of every resource's importance at `time`: what a report compares captured importance to.
    public func totalImportance(at time: Int64) -> Double {
        resources.values.reduce(0) { $0 + importance(of: $1, at: time) }
    }

    /// Exactly `paths` (those the session tracks) become included; every other resource not.
    /// Costs O(previously included + newly chosen), not O(resources).
    public mutating func markIncluded(_ paths: some Sequence<String>) {
        let chosen = Set(paths.filter { resources[$0] != nil })
        for path in includedPaths.subtracting(chosen) { setIncluded(false, path) }
        for path in chosen.subtracting(includedPaths) { setIncluded(true, path) }
        includedPaths = chosen
    }

    private mutating func setIncluded(_ included: Bool, _ path: String) {
        resources.modify(path) { $0.included = included }
    }
}

/// A resource with its importance at some time, for TOP and reports.
public struct RankedResource: Hashable, Sendable {
    public var resource: SessionResource
    public var importance: Double
    public var log2Importance: Double

    /// Importance descending (log space breaks underflowed ties), then path ascending.
    public static func ranksBefore(_ a: RankedResource, _ b: RankedResource) -> Bool {
        if a.log2Importance != b.log2Importance { return a.log2Importance > b.log2Importance }
        return a.resource.path < b.resource.path
    }
}
