/// A session's resources by path: what `SessionState.resources` returns.
///
/// Stored as the resources in an array, in the order first tracked, plus a dictionary from path
/// to array position. A `[String: SessionResource]` kept every resource in a hash bucket, and
/// buckets are a power of two at most three quarters full: 1,000 resources took 2,048 buckets of
/// 144 bytes (295 KB a session). The dictionary now holds 20-byte buckets and the array only
/// the resources themselves (issue 6: a million resident resources). Resources are never
/// removed from a session, so positions stay valid.
public struct SessionResources: Sendable {
    private var positions: [String: Int32] = [:]
    /// Every resource, in the order first tracked (the order of `values`).
    public private(set) var values: [SessionResource] = []

    init() {}

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }
    /// Paths in the order of `values`.
    public var keys: LazyMapSequence<[SessionResource], String> { values.lazy.map(\.path) }

    public subscript(path: String) -> SessionResource? {
        positions[path].map { values[Int($0)] }
    }

    /// The resource at `path`, made from `make` when the session has none, for in-place change.
    mutating func update<R>(_ path: String, make: () -> SessionResource, _ body: (inout SessionResource) -> R) -> R {
        if let position = positions[path] { return body(&values[Int(position)]) }
        // Int32 positions keep buckets small; past 2^31 resources the conversion traps, it
        // cannot wrap.
        positions[path] = Int32(values.count)
        values.append(make())
        return body(&values[values.count - 1])
    }

    /// Changes the resource at `path` in place, if the session has one.
    mutating func modify(_ path: String, _ body: (inout SessionResource) -> Void) {
        if let position = positions[path] { body(&values[Int(position)]) }
    }

    /// Positions of `values` sorted by path (String order), covering the first `pathOrder.count`
    /// values, and each position's index in it. PRIORITIZE breaks importance ties by path; with
    /// these it compares two integers instead of two strings, which on a session of 10,000 equally
    /// important resources was four fifths of a greedy PRIORITIZE.
    private var pathOrder: [Int32] = []
    private var pathRankOfPosition: [Int32] = []

    /// Each resource's rank in path order, indexed like `values`, when `preparePathRanks()` has
    /// run since the last new resource; nil otherwise.
    public var pathRanks: [Int32]? {
        pathOrder.count == values.count ? pathRankOfPosition : nil
    }

    /// Brings `pathRanks` up to date: sorts only the resources added since the last call and
    /// inserts them by binary search (k log n string comparisons, then one linear pass).
    public mutating func preparePathRanks() {
        guard pathOrder.count < values.count else { return }
        let fresh = (pathOrder.count..<values.count).map { Int32($0) }
            .sorted { values[Int($0)].path < values[Int($1)].path }
        var merged: [Int32] = []
        merged.reserveCapacity(values.count)
        var taken = 0
        for position in fresh {
            let path = values[Int(position)].path
            var low = taken
            var high = pathOrder.count
            while low < high {
                let mid = (low + high) / 2
                if values[Int(pathOrder[mid])].path < path { low = mid + 1 } else { high = mid }
            }
            merged.append(contentsOf: pathOrder[taken..<low])
            merged.append(position)
            taken = low
        }
        merged.append(contentsOf: pathOrder[taken...])
        pathOrder = merged
        pathRankOfPosition = [Int32](repeating: 0, count: values.count)
        for (rank, position) in pathOrder.enumerated() { pathRankOfPosition[Int(position)] = Int32(rank) }
    }

    /// Stores `resource`, replacing the one at its path; returns the one replaced.
    @discardableResult
    mutating func set(_ resource: SessionResource) -> SessionResource? {
        if let position = positions[resource.path] {
            defer { values[Int(position)] = resource }
            return values[Int(position)]
        }
        positions[resource.path] = Int32(values.count)
        values.append(resource)
        return nil
    }
}
