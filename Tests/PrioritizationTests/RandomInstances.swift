import TestSupport
@testable import Prioritization

/// Random packing instances of the shapes that trouble knapsack solvers: uncorrelated,
/// strongly correlated (importance tracks tokens), many exact ties, plus the edge cases the
/// server meets (unknown tokens, free resources, resources bigger than the budget, zero importance).
enum InstanceShape: CaseIterable {
    case uncorrelated, correlated, ties, edgeCases
}

struct RandomInstance {
    var candidates: [PackingCandidate]
    var budget: Int
}

extension RandomInstance {
    static func make(shape: InstanceShape, count: Int, budget: Int, using rng: inout SeededGenerator) -> RandomInstance {
        let maxTokens = max(1, budget / 3)
        var candidates: [PackingCandidate] = []
        candidates.reserveCapacity(count)
        for index in 0..<count {
            let path = "src/file\(index).swift"
            var tokens: Int? = Int.random(in: 1...maxTokens, using: &rng)
            var importance: Double
            switch shape {
            case .uncorrelated:
                importance = Double.random(in: 0.01...10, using: &rng)
            case .correlated:
                importance = Double(tokens!) / 10 + 1
            case .ties:
                tokens = [maxTokens / 4 + 1, maxTokens / 2 + 1, maxTokens][Int.random(in: 0..<3, using: &rng)]
                importance = [1.0, 2.0, 3.0][Int.random(in: 0..<3, using: &rng)]
            case .edgeCases:
                importance = Double.random(in: 0...5, using: &rng)
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: tokens = nil
                case 1: tokens = 0
                case 2: tokens = budget + Int.random(in: 1...100, using: &rng)
                case 3: importance = 0
                default: break
                }
            }
            candidates.append(PackingCandidate(path: path, importance: importance, tokens: tokens))
        }
        candidates.shuffle(using: &rng)
        return RandomInstance(candidates: candidates, budget: budget)
    }
}
