/// How PRIORITIZE fills the budget. Users type the words in any case (`optimal`, `OPTIMAL`).
public enum PackingStrategy: String, DomainWord, Hashable, Codable {
    /// Exact 0/1 knapsack: the set with the largest total importance that fits (SPEC's default).
    case optimal = "OPTIMAL"
    /// Importance per token, best first; never worse than the single best item that fits.
    case density = "DENSITY"
    /// The seed's order: importance first, skipping what does not fit.
    case greedy = "GREEDY"

    public static let kindName = "strategy"
    public static let standard: PackingStrategy = .optimal
}
