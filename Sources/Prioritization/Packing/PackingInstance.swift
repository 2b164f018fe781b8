import Foundation

/// The candidates that can be chosen at all (known token count that fits the budget alone),
/// with their importance rescaled by one power of two so that the largest lies in [1, 2).
///
/// Rescaling by a power of two is exact for normal values, so sums compare exactly as the
/// unscaled ones would; resources whose importance underflowed to 0 get their value back from
/// `log2Importance`. Indices into `members` are what the solvers work with.
struct PackingInstance {
    /// Indices into the caller's candidate array.
    let members: [Int]
    let values: [Double]
    let weights: [Int]
    let log2Values: [Double]
    let paths: [String]

    init(candidates: [PackingCandidate], budget: Int) {
        var members: [Int] = []
        members.reserveCapacity(candidates.count)
        var maxLog2 = -Double.infinity
        for (index, candidate) in candidates.enumerated() {
            guard budget >= 0, let tokens = candidate.tokens, tokens >= 0, tokens <= budget else { continue }
            members.append(index)
            maxLog2 = max(maxLog2, candidate.log2Importance)
        }
        let shift = maxLog2.isFinite ? maxLog2.rounded(.down) : 0
        let unit = exp2(-shift)
        self.members = members
        self.values = members.map { index in
            let candidate = candidates[index]
            if candidate.importance.isNormal, unit.isNormal, (candidate.importance * unit).isNormal {
                return candidate.importance * unit
            }
            return candidate.log2Importance.isFinite ? exp2(candidate.log2Importance - shift) : 0
        }
        self.weights = members.map { candidates[$0].tokens! }
        self.log2Values = members.map { candidates[$0].log2Importance }
        self.paths = members.map { candidates[$0].path }
    }

    var count: Int { members.count }

    /// Importance descending (log space breaks ties among underflowed values), then path ascending:
    /// the seed's order, the reply order, and every strategy's tie-break.
    func ranksBefore(_ a: Int, _ b: Int) -> Bool {
        if values[a] != values[b] { return values[a] > values[b] }
        if log2Values[a] != log2Values[b] { return log2Values[a] > log2Values[b] }
        return paths[a] < paths[b]
    }

    /// Importance per token, free (zero-token) items first; ties by rank.
    func densityBefore(_ a: Int, _ b: Int) -> Bool {
        let da = density(a)
        let db = density(b)
        if da != db { return da > db }
        return ranksBefore(a, b)
    }

    func density(_ item: Int) -> Double {
        weights[item] == 0 ? .infinity : values[item] / Double(weights[item])
    }

    func rankOrder(_ items: [Int]) -> [Int] { items.sorted(by: ranksBefore) }

    func densityOrder(_ items: [Int]) -> [Int] { items.sorted(by: densityBefore) }

    func value(of items: some Sequence<Int>) -> Double { items.reduce(0) { $0 + values[$1] } }

    /// Among `items`, the most important one (by rank); all of them fit alone by construction.
    func bestSingle(of items: [Int]) -> Int? {
        items.min(by: ranksBefore)
    }
}
