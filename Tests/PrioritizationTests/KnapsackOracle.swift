@testable import Prioritization

/// Dynamic programming over capacity: exact, O(n × budget) (× limit with a cardinality cap).
/// The tests' oracle only; far too slow for the server's budgets.
enum KnapsackOracle {
    /// The best total importance of candidates with known tokens within `budget` and `limit`.
    static func bestValue(_ candidates: [PackingCandidate], budget: Int, limit: Int? = nil) -> Double {
        guard budget >= 0 else { return 0 }
        let items = candidates.compactMap { candidate -> (Int, Double)? in
            guard let tokens = candidate.tokens, tokens >= 0, tokens <= budget else { return nil }
            return (tokens, candidate.importance)
        }
        if let limit {
            let slots = max(0, min(limit, items.count))
            // best[j][c]: best value using at most j items within weight c.
            var best = [[Double]](repeating: [Double](repeating: 0, count: budget + 1), count: slots + 1)
            for (weight, value) in items {
                for j in stride(from: slots, through: 1, by: -1) {
                    for c in stride(from: budget, through: weight, by: -1) {
                        let taken = best[j - 1][c - weight] + value
                        if taken > best[j][c] { best[j][c] = taken }
                    }
                }
            }
            return best[slots][budget]
        }
        var best = [Double](repeating: 0, count: budget + 1)
        for (weight, value) in items {
            if weight == 0 {
                for c in 0...budget { best[c] += value }
                continue
            }
            for c in stride(from: budget, through: weight, by: -1) {
                let taken = best[c - weight] + value
                if taken > best[c] { best[c] = taken }
            }
        }
        return best[budget]
    }
}
