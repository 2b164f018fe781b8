/// Candidates for the packer in columns: what each is worth and costs, with paths read only for
/// the chosen few and for ties that path ranks cannot break.
///
/// A session values its resources straight into these columns (`SessionState.packingCandidates`):
/// building a `PackingCandidate` per resource retained and later released its path, which at
/// 10k resources was a fifth of a greedy PRIORITIZE. Candidates from elsewhere (related
/// resources) are appended after the session's own.
public struct PackingCandidates: Sendable {
    /// Importance as replies show it (finite, non-negative; anything else is 0).
    public private(set) var importance: [Double] = []
    /// The same in log space (see `PackingCandidate`); never NaN.
    public private(set) var log2Importance: [Double] = []
    /// Token counts; -1 where unknown (never chosen).
    public private(set) var tokens: [Int] = []
    /// The session's resources, whose paths are those of the first `sessionResources.count`
    /// candidates; held as one array (copy-on-write), so no path is retained per candidate.
    private var sessionResources: [SessionResource] = []
    private var others: [PackingCandidate] = []

    public init(_ candidates: [PackingCandidate]) {
        others = candidates
        importance.reserveCapacity(candidates.count)
        log2Importance.reserveCapacity(candidates.count)
        tokens.reserveCapacity(candidates.count)
        appendColumns(of: candidates)
    }

    /// Candidates for `resources`, in their order, each valued by `value` (read in place: a
    /// copy of a resource would retain its path).
    init(resources: [SessionResource],
         valuedBy value: (UnsafePointer<SessionResource>) -> (importance: Double, log2Importance: Double)) {
        sessionResources = resources
        importance.reserveCapacity(resources.count)
        log2Importance.reserveCapacity(resources.count)
        tokens.reserveCapacity(resources.count)
        resources.withUnsafeBufferPointer { all in
            guard let first = all.baseAddress else { return }
            for index in all.indices {
                let resource = first + index
                let valued = value(resource)
                let (safe, safeLog2) = PackingCandidate.normalized(valued.importance, valued.log2Importance)
                importance.append(safe)
                log2Importance.append(safeLog2)
                tokens.append(resource.pointee.tokens ?? -1)
            }
        }
    }

    public mutating func append(contentsOf candidates: [PackingCandidate]) {
        others += candidates
        appendColumns(of: candidates)
    }

    private mutating func appendColumns(of candidates: [PackingCandidate]) {
        // One column at a time, each field read through a pointer: copying a candidate out of
        // the array would retain its path, and three appends per candidate cost more than this.
        candidates.withUnsafeBufferPointer { all in
            guard let first = all.baseAddress else { return }
            importance += (0..<all.count).lazy.map { first[$0].importance }
            log2Importance += (0..<all.count).lazy.map { first[$0].log2Importance }
            tokens += (0..<all.count).lazy.map { first[$0].tokens ?? -1 }
        }
    }

    public var count: Int { importance.count }

    public func path(_ index: Int) -> String {
        index < sessionResources.count ? sessionResources[index].path : others[index - sessionResources.count].path
    }

    public subscript(index: Int) -> PackingCandidate {
        PackingCandidate(path: path(index), importance: importance[index],
                         tokens: tokens[index] >= 0 ? tokens[index] : nil, log2Importance: log2Importance[index])
    }

    /// Every candidate's importance, summed: what a run's report compares captured importance to.
    public var totalImportance: Double { importance.reduce(0, +) }
}
