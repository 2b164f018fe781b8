/// The selections a replay compares the server with, computed in-process from the same session
/// state: plain recency, and the seed's pipeline (its formula, top 10, greedy).
public enum ReferenceScorer: String, CaseIterable, Sendable {
    /// Most recently accessed first, greedily into the budget (skipping what does not fit).
    case recency
    /// The seed's formula (`SeedImportanceModel`), its ten best, greedily into the budget.
    case seed

    public func choose(from state: SessionState, budget: Int, at time: Int64) -> Set<String> {
        let resources = state.resources.values
        switch self {
        case .recency:
            let ranked = resources.sorted {
                $0.lastAccessAt != $1.lastAccessAt ? $0.lastAccessAt > $1.lastAccessAt : $0.path < $1.path
            }
            return Self.greedy(ranked, budget: budget)
        case .seed:
            let model = SeedImportanceModel.seed
            let ranked = resources.map { resource in
                (resource, model.importance(accessCount: resource.accessCount, lastAccess: resource.lastAccessAt,
                                            modified: resource.modified, at: time))
            }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.path < $1.0.path }
            return Self.greedy(ranked.prefix(10).map(\.0), budget: budget)
        }
    }

    private static func greedy(_ ranked: some Sequence<SessionResource>, budget: Int) -> Set<String> {
        var remaining = budget
        var chosen: Set<String> = []
        for resource in ranked {
            guard let tokens = resource.tokens, tokens <= remaining else { continue }
            chosen.insert(resource.path)
            remaining -= tokens
        }
        return chosen
    }
}
