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
    /// Each member's rank in path order, or -1 when not known (see `init`).
    private let pathRanks: [Int32]
    /// Every known rank is below this.
    private let pathRankBound: Int
    private let candidates: PackingCandidates

    /// `pathRanks`: ranks in path order of the first `pathRanks.count` candidates (order-isomorphic
    /// to comparing their paths); the paths of the others are compared as strings.
    init(candidates: PackingCandidates, budget: Int, pathRanks: [Int32] = []) {
        self.candidates = candidates
        var members: [Int] = []
        var values: [Double] = []
        var weights: [Int] = []
        var log2Values: [Double] = []
        members.reserveCapacity(candidates.count)
        let tokens = candidates.tokens
        let importance = candidates.importance
        let log2Importance = candidates.log2Importance
        var maxLog2 = -Double.infinity
        for index in 0..<candidates.count {
            let cost = tokens[index]
            guard budget >= 0, cost >= 0, cost <= budget else { continue }
            members.append(index)
            maxLog2 = max(maxLog2, log2Importance[index])
        }
        let shift = maxLog2.isFinite ? maxLog2.rounded(.down) : 0
        let unit = exp2(-shift)
        values.reserveCapacity(members.count)
        weights.reserveCapacity(members.count)
        log2Values.reserveCapacity(members.count)
        for index in members {
            let scaled = importance[index] * unit
            if importance[index].isNormal, unit.isNormal, scaled.isNormal {
                values.append(scaled)
            } else {
                values.append(log2Importance[index].isFinite ? exp2(log2Importance[index] - shift) : 0)
            }
            weights.append(tokens[index])
            log2Values.append(log2Importance[index])
        }
        self.pathRanks = members.map { $0 < pathRanks.count ? pathRanks[$0] : -1 }
        self.pathRankBound = pathRanks.count
        self.members = members
        self.values = values
        self.weights = weights
        self.log2Values = log2Values
    }

    func path(_ item: Int) -> String { candidates.path(members[item]) }

    var count: Int { members.count }

    /// Importance descending (log space breaks ties among underflowed values), then path ascending:
    /// the seed's order, the reply order, and every strategy's tie-break.
    func ranksBefore(_ a: Int, _ b: Int) -> Bool {
        if values[a] != values[b] { return values[a] > values[b] }
        if log2Values[a] != log2Values[b] { return log2Values[a] > log2Values[b] }
        if pathRanks[a] >= 0 && pathRanks[b] >= 0 { return pathRanks[a] < pathRanks[b] }
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

    /// `items` in rank order (`ranksBefore`).
    func rankOrder(_ items: [Int]) -> [Int] {
        rankOrder(pathOrdered: inPathOrder(items))
    }

    /// `rankOrder` of items the caller already put in path order (`inPathOrder`), as far as
    /// their ranks are known: correct for any order, fastest for that one.
    func rankOrder(pathOrdered items: [Int]) -> [Int] {
        RadixOrder.descending(items, key: { values[$0] }, before: ranksBefore)
    }

    /// `items` in density order (`densityBefore`).
    func densityOrder(_ items: [Int]) -> [Int] {
        RadixOrder.descending(inPathOrder(items), key: density, before: densityBefore)
    }

    /// `items` with those of known path rank first, in path order, then the others as they
    /// came: the stable radix sort then leaves most exact ties in their final order. Skipped when
    /// the items are few, or sparse among the ranks, where placing them would cost more.
    func inPathOrder(_ items: [Int]) -> [Int] {
        guard pathRankBound > 0, items.count >= 64, items.count * 4 >= pathRankBound else { return items }
        var slots = [Int](repeating: -1, count: pathRankBound)
        var unranked: [Int] = []
        for item in items {
            let rank = Int(pathRanks[item])
            if rank >= 0 { slots[rank] = item } else { unranked.append(item) }
        }
        var ordered: [Int] = []
        ordered.reserveCapacity(items.count)
        for item in slots where item >= 0 { ordered.append(item) }
        return ordered + unranked
    }

    func value(of items: some Sequence<Int>) -> Double { items.reduce(0) { $0 + values[$1] } }

    /// Among `items`, the most important one (by rank); all of them fit alone by construction.
    func bestSingle(of items: [Int]) -> Int? {
        items.min(by: ranksBefore)
    }
}
