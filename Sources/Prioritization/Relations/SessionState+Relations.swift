/// Importance that relations carry from what a session touched recently to other resources.
///
/// For the session's `seedResources` most important resources r (importance I_r at `time`) and
/// each neighbour n of r with relation weight w(r, n) valued at `time`:
///
///     related(n) = relationWeight × Σ_r I_r × w(r, n) / Σ_m w(r, m)
///
/// Each seed hands on a share of its own importance, split among its neighbours by relation
/// weight, so the score is on the importance scale ("views' worth") and never exceeds
/// relationWeight × the seeds' total importance. `docs/importance.md` explains the choice.
extension SessionState {
    /// `valued`: this session's resources valued at `time` (`packingCandidates(at:)`), when at
    /// hand, so that the seeds are found without valuing every resource again.
    public func relatedScores(_ graph: CoAccessGraph, at time: Int64, valued: PackingCandidates? = nil) -> [String: Double] {
        let model = graph.model
        var scores: [String: Double] = [:]
        var values: [(path: String, value: Double)] = []
        let seeds = valued.map { top(model.seedResources, of: $0) } ?? top(model.seedResources, at: time)
        for seed in seeds {
            values.removeAll(keepingCapacity: true)
            graph.forEachNeighbour(of: seed.resource.path) { path, weight in
                values.append((path, weight.value(at: time, halfLifeMilliseconds: model.halfLifeMilliseconds)))
            }
            guard !values.isEmpty, seed.importance > 0 else { continue }
            let total = values.reduce(0) { $0 + $1.value }
            guard total > 0 else { continue }
            let share = model.relationWeight * seed.importance / total
            for (path, value) in values { scores[path, default: 0] += share * value }
        }
        return scores
    }

    /// Resources the session never touched, valued by `relatedScores`, with their token counts
    /// from the organization: the best `maxRelatedCandidates` at or above `minimumScore`.
    public func relatedCandidates(_ graph: CoAccessGraph, at time: Int64, valued: PackingCandidates? = nil) -> [PackingCandidate] {
        let model = graph.model
        let fresh = relatedScores(graph, at: time, valued: valued).compactMap { path, score -> PackingCandidate? in
            guard resources[path] == nil, score >= model.minimumScore, let tokens = graph.tokens(of: path) else {
                return nil
            }
            return PackingCandidate(path: path, importance: score, tokens: tokens)
        }
        return Array(fresh.sorted { $0.importance != $1.importance ? $0.importance > $1.importance : $0.path < $1.path }
            .prefix(model.maxRelatedCandidates))
    }
}
