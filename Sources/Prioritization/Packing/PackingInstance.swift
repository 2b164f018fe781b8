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
    private let candidates: [PackingCandidate]

    init(candidates: [PackingCandidate], budget: Int) {
        self.candidates = candidates
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
        var values: [Double] = []
        var weights: [Int] = []
        var log2Values: [Double] = []
        values.reserveCapacity(members.count)
        weights.reserveCapacity(members.count)
        log2Values.reserveCapacity(members.count)
        for index in members {
            let candidate = candidates[index]
            let scaled = candidate.importance * unit
            if candidate.importance.isNormal, unit.isNormal, scaled.isNormal {
                values.append(scaled)
            } else {
                values.append(candidate.log2Importance.isFinite ? exp2(candidate.log2Importance - shift) : 0)
            }
            weights.append(candidate.tokens!)
            log2Values.append(candidate.log2Importance)
        }
        self.members = members
        self.values = values
        self.weights = weights
        self.log2Values = log2Values
    }

    func path(_ item: Int) -> String { candidates[members[item]].path }

    var count: Int { members.count }

    /// Importance descending (log space breaks ties among underflowed values), then path ascending:
    /// the seed's order, the reply order, and every strategy's tie-break.
    func ranksBefore(_ a: Int, _ b: Int) -> Bool {
        if values[a] != values[b] { return values[a] > values[b] }
        if log2Values[a] != log2Values[b] { return log2Values[a] > log2Values[b] }
        return path(a) < path(b)
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

    /// `items` in rank order (`ranksBefore`): a radix sort on importance, then each run of
    /// equal importance (rare, but all underflowed values are 0) sorted by `ranksBefore`.
    func rankOrder(_ items: [Int]) -> [Int] {
        let byValue = RadixOrder.ascending(items, keys: items.map { ~RadixOrder.monotoneKey(values[$0]) })
        return orderingTies(byValue)
    }

    /// `items` in density order (`densityBefore`): rank order, then a stable sort on density.
    func densityOrder(_ items: [Int]) -> [Int] {
        let ranked = rankOrder(items)
        return RadixOrder.ascending(ranked, keys: ranked.map { ~RadixOrder.monotoneKey(density($0)) })
    }

    /// Sorts each run of equal importance by log2 importance, then path.
    private func orderingTies(_ sorted: [Int]) -> [Int] {
        var result = sorted
        var start = 0
        while start < result.count {
            var end = start + 1
            while end < result.count, values[result[end]] == values[result[start]] { end += 1 }
            if end - start > 1 { result[start..<end].sort(by: ranksBefore) }
            start = end
        }
        return result
    }

    func value(of items: some Sequence<Int>) -> Double { items.reduce(0) { $0 + values[$1] } }

    /// Among `items`, the most important one (by rank); all of them fit alone by construction.
    func bestSingle(of items: [Int]) -> Int? {
        items.min(by: ranksBefore)
    }
}
