/// The facts of METRICS: the seed's report (overview, resources by type, top resources) with its
/// "included in context" defect fixed, plus budget use, captured importance, accesses by type
/// and the last run. `markdown` renders them for people; `json` (stable snake_case keys) for
/// programs. Both come from this one value, so they cannot disagree.
public struct MetricsReport: Hashable, Sendable, Codable {
    public struct TopResource: Hashable, Sendable, Codable {
        public var path: String
        public var type: String
        public var importance: Double
        public var tokens: Int?
        public var accessCount: Int
        public var modified: Bool
        public var included: Bool

        enum CodingKeys: String, CodingKey {
            case path, type, importance, tokens, modified, included
            case accessCount = "access_count"
        }
    }

    public struct LastRun: Hashable, Sendable, Codable {
        public var strategy: String
        public var budget: Int
        public var limit: Int?
        public var chosenCount: Int
        public var chosenTokens: Int
        public var budgetUse: Double
        public var capturedImportance: Double
        public var totalImportance: Double
        public var capturedShare: Double
        public var candidates: Int
        public var durationMicroseconds: Int64
        public var at: Int64

        enum CodingKeys: String, CodingKey {
            case strategy, budget, limit, candidates, at
            case chosenCount = "chosen_count"
            case chosenTokens = "chosen_tokens"
            case budgetUse = "budget_use"
            case capturedImportance = "captured_importance"
            case totalImportance = "total_importance"
            case capturedShare = "captured_share"
            case durationMicroseconds = "duration_us"
        }
    }

    public var sessionID: String
    /// Unix milliseconds the importance figures are valued at.
    public var at: Int64
    public var halfLifeSeconds: Double
    public var totalResources: Int
    public var totalAccesses: Int
    /// Sum of the known token counts of every tracked resource (at most `Int.max`).
    public var trackedTokens: Int
    public var unknownTokenResources: Int
    public var modifiedResources: Int
    /// Resources chosen by the latest prioritization, and the sum of their tokens.
    public var includedResources: Int
    public var includedTokens: Int
    /// The session's total importance at `at`, and the share the included resources carry now.
    public var totalImportance: Double
    public var includedImportance: Double
    /// Every resource type and access type, zero counts included, so keys never come and go.
    public var resourcesByType: [String: Int]
    public var accessesByType: [String: Int]
    public var topResources: [TopResource]
    public var lastRun: LastRun?

    enum CodingKeys: String, CodingKey {
        case at
        case sessionID = "session_id"
        case halfLifeSeconds = "halflife_seconds"
        case totalResources = "total_resources"
        case totalAccesses = "total_accesses"
        case trackedTokens = "tracked_tokens"
        case unknownTokenResources = "unknown_token_resources"
        case modifiedResources = "modified_resources"
        case includedResources = "included_resources"
        case includedTokens = "included_tokens"
        case totalImportance = "total_importance"
        case includedImportance = "included_importance"
        case resourcesByType = "resources_by_type"
        case accessesByType = "accesses_by_type"
        case topResources = "top_resources"
        case lastRun = "last_run"
    }

    /// The seed showed the top 5 resources.
    public static let defaultTopCount = 5

    public init(
        sessionID: String, state: SessionState, lastRun: PrioritizationRunSummary?, at: Int64,
        topCount: Int = MetricsReport.defaultTopCount
    ) {
        self.sessionID = sessionID
        self.at = at
        halfLifeSeconds = state.halfLifeSeconds
        totalResources = state.resources.count
        totalAccesses = state.totalAccesses

        // Counted into fixed slots, turned into dictionaries once: hashing type names per resource
        // dominated the report at 10k resources.
        var byType = [Int](repeating: 0, count: ResourceType.allCases.count)
        var byAccess = AccessCounts.Totals()
        var tracked = 0, unknown = 0, modified = 0, included = 0, includedTokens = 0
        var total = 0.0, includedImportance = 0.0
        for resource in state.resources.values {
            byType[ResourceType.allCases.firstIndex(of: resource.type)!] += 1
            byAccess.add(resource.accessCounts)
            // Saturating: each count may be up to 2^53 (the protocol's bound), so a thousand of
            // them exceed Int64, and an overflow would trap the whole server.
            if let tokens = resource.tokens { tracked = tracked.saturatingAdding(tokens) } else { unknown += 1 }
            if resource.modified { modified += 1 }
            let importance = state.importance(of: resource, at: at)
            total += importance
            if resource.included {
                included += 1
                includedTokens = includedTokens.saturatingAdding(resource.tokens ?? 0)
                includedImportance += importance
            }
        }
        resourcesByType = Dictionary(uniqueKeysWithValues: zip(ResourceType.allCases.map(\.rawValue), byType))
        accessesByType = Dictionary(uniqueKeysWithValues: AccessType.allCases.map { ($0.rawValue, byAccess[$0]) })
        trackedTokens = tracked
        unknownTokenResources = unknown
        modifiedResources = modified
        includedResources = included
        self.includedTokens = includedTokens
        totalImportance = total
        self.includedImportance = includedImportance
        topResources = state.top(topCount, at: at).map { ranked in
            TopResource(path: ranked.resource.path, type: ranked.resource.type.rawValue,
                        importance: ranked.importance, tokens: ranked.resource.tokens,
                        accessCount: ranked.resource.accessCount, modified: ranked.resource.modified,
                        included: ranked.resource.included)
        }
        self.lastRun = lastRun.map { run in
            LastRun(strategy: run.strategy.rawValue, budget: run.budget, limit: run.limit,
                    chosenCount: run.chosenCount, chosenTokens: run.chosenTokens, budgetUse: run.budgetUse,
                    capturedImportance: run.capturedImportance, totalImportance: run.totalImportance,
                    capturedShare: run.capturedShare, candidates: run.candidates,
                    durationMicroseconds: run.durationMicroseconds, at: run.at)
        }
    }
}

extension Int {
    /// `self + other`, or the nearest bound where that overflows.
    func saturatingAdding(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
