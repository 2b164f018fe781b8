/// How PRIORITIZE packs resources into the budget (SPEC, "Prioritization").
///
/// Local to the server until the domain's `PackingStrategy` lands on main; the words are SPEC's.
public enum PackingStrategyName: String, Sendable, Hashable, CaseIterable {
    /// Exact 0/1 knapsack: the largest total importance that fits. The default.
    case optimal = "OPTIMAL"
    /// Importance-per-token greedy.
    case density = "DENSITY"
    /// The seed's order: importance first, skipping what does not fit.
    case greedy = "GREEDY"

    public init?(word: some StringProtocol) {
        self.init(rawValue: word.uppercased())
    }
}
