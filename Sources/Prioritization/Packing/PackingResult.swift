/// One chosen resource, as PRIORITIZE replies it: `[path, importance, tokens]`.
public struct PackedEntry: Hashable, Sendable, Codable {
    public var path: String
    public var importance: Double
    public var tokens: Int

    public init(path: String, importance: Double, tokens: Int) {
        self.path = path
        self.importance = importance
        self.tokens = tokens
    }
}

/// The packer's answer.
public struct PackingResult: Sendable {
    public var strategy: PackingStrategy
    public var budget: Int
    public var limit: Int?
    /// Chosen resources, importance descending, then path ascending.
    public var entries: [PackedEntry]
    public var totalTokens: Int
    /// Sum of the chosen entries' importance.
    public var totalImportance: Double
    /// Every candidate offered, and those with a known token count that fits the budget alone.
    public var candidateCount: Int
    public var eligibleCount: Int
    /// For `optimal`: the search finished, so the packing is proven optimal. `false` when the
    /// time cap cut it short (the packing is then the best found, at least `density`'s), and
    /// always `false` for the heuristic strategies.
    public var provenOptimal: Bool
    /// Search effort for `optimal` (core expansion steps, or branch-and-bound nodes with a
    /// LIMIT); 0 for the heuristics. A measure of how hard the instance was.
    public var searchNodes: Int
    public var elapsed: Duration

    public var chosenPaths: [String] { entries.map(\.path) }
}
