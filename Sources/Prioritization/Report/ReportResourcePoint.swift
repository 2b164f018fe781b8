/// One tracked resource as the HTML report draws it: a point of the importance-against-tokens
/// chart and, for the most important, a row of the access timeline.
public struct ReportResourcePoint: Hashable, Sendable {
    public var path: String
    public var type: String
    public var importance: Double
    public var tokens: Int?
    public var accessCount: Int
    public var included: Bool
    public var modified: Bool
    /// Unix milliseconds.
    public var firstAccessAt: Int64
    public var lastAccessAt: Int64

    public init(
        path: String, type: String, importance: Double, tokens: Int?, accessCount: Int, included: Bool,
        modified: Bool, firstAccessAt: Int64, lastAccessAt: Int64
    ) {
        self.path = path
        self.type = type
        self.importance = importance
        self.tokens = tokens
        self.accessCount = accessCount
        self.included = included
        self.modified = modified
        self.firstAccessAt = firstAccessAt
        self.lastAccessAt = lastAccessAt
    }

    /// Every resource of `state` valued at `at`, most important first (ties by path), as TOP ranks.
    public static func all(in state: SessionState, at: Int64) -> [ReportResourcePoint] {
        // One sort: `top` keeps a bounded list by insertion, quadratic when asked for everything.
        state.resources.values.map { resource in
            RankedResource(resource: resource, importance: state.importance(of: resource, at: at),
                           log2Importance: state.log2Importance(of: resource, at: at))
        }
        .sorted(by: RankedResource.ranksBefore)
        .map { ranked in
            let resource = ranked.resource
            return ReportResourcePoint(
                path: resource.path, type: resource.type.rawValue, importance: ranked.importance, tokens: resource.tokens,
                accessCount: resource.accessCount, included: resource.included, modified: resource.modified,
                firstAccessAt: resource.firstAccessAt, lastAccessAt: resource.lastAccessAt)
        }
    }
}
