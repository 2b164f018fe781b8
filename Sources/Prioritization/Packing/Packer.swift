/// Chooses which resources go into the context: every candidate is considered, unknown token
/// counts are skipped, the budget is never exceeded, and ties break by importance descending,
/// then path ascending, so the same input always gives the same answer.
///
/// Zero-token resources cost nothing and are always taken, unless a `limit` makes them compete
/// for a slot like any other resource.
public enum Packer {
    /// `pathRanks`: optionally, the ranks in path order of the first candidates (a session's own,
    /// `SessionResources.pathRanks`), which break importance ties without comparing strings.
    public static func pack(
        _ candidates: [PackingCandidate], _ request: PackingRequest, pathRanks: [Int32] = []
    ) -> PackingResult {
        pack(PackingCandidates(candidates), request, pathRanks: pathRanks)
    }

    public static func pack(
        _ candidates: PackingCandidates, _ request: PackingRequest, pathRanks: [Int32] = []
    ) -> PackingResult {
        let clock = ContinuousClock()
        let started = clock.now
        let capacity = min(request.budget, PackingRequest.maximumBudget)
        let instance = PackingInstance(candidates: candidates, budget: capacity, pathRanks: pathRanks)
        let limit = request.limit.map { max(0, $0) }
        let all = Array(0..<instance.count)

        var chosen: [Int]
        var proven = false
        var nodes = 0
        if limit == nil || !isBinding(limit!, instance: instance, capacity: capacity) {
            // Free items ride along; the rest is a plain knapsack.
            let free = all.filter { instance.weights[$0] == 0 }
            let paid = all.filter { instance.weights[$0] > 0 }
            let packed: [Int]
            switch request.strategy {
            case .greedy:
                packed = HeuristicPacking.firstFitInRankOrder(instance: instance, items: paid, capacity: capacity)
            case .density:
                packed = HeuristicPacking.density(instance: instance, densityOrder: instance.densityOrder(paid),
                                                  capacity: capacity, limit: nil)
            case .optimal:
                let order = instance.densityOrder(paid)
                let incumbent = HeuristicPacking.density(instance: instance, densityOrder: order,
                                                         capacity: capacity, limit: nil)
                let local = positions(of: order, count: instance.count)
                let solver = CoreDynamicProgrammingSolver(values: order.map { instance.values[$0] },
                                                          weights: order.map { instance.weights[$0] },
                                                          capacity: capacity)
                let outcome = solver.solve(incumbent: incumbent.map { local[$0] }, timeCap: request.timeCap)
                packed = outcome.chosen.map { order[$0] }
                proven = outcome.finished
                nodes = outcome.steps
            }
            chosen = free + packed
        } else {
            let cap = limit!
            switch request.strategy {
            case .greedy:
                chosen = HeuristicPacking.firstFit(order: instance.rankOrder(all), weights: instance.weights,
                                                   capacity: capacity, limit: cap)
            case .density:
                chosen = HeuristicPacking.density(instance: instance, densityOrder: instance.densityOrder(all),
                                                  capacity: capacity, limit: cap)
            case .optimal:
                let order = instance.densityOrder(all)
                let byDensity = HeuristicPacking.density(instance: instance, densityOrder: order,
                                                         capacity: capacity, limit: cap)
                let byRank = HeuristicPacking.firstFit(order: instance.rankOrder(all), weights: instance.weights,
                                                       capacity: capacity, limit: cap)
                let incumbent = instance.value(of: byRank) > instance.value(of: byDensity) ? byRank : byDensity
                let local = positions(of: order, count: instance.count)
                let solver = CardinalitySolver(values: order.map { instance.values[$0] },
                                               weights: order.map { instance.weights[$0] },
                                               capacity: capacity, limit: cap)
                let outcome = solver.solve(incumbent: incumbent.map { local[$0] }, timeCap: request.timeCap)
                chosen = outcome.chosen.map { order[$0] }
                proven = outcome.finished
                nodes = outcome.nodes
            }
        }

        let entries = instance.rankOrder(chosen).map { item in
            let index = instance.members[item]
            return PackedEntry(path: candidates.path(index), importance: candidates.importance[index],
                               tokens: candidates.tokens[index])
        }
        return PackingResult(
            strategy: request.strategy, budget: request.budget, limit: request.limit, entries: entries,
            totalTokens: entries.reduce(0) { $0 + $1.tokens },
            totalImportance: entries.reduce(0) { $0 + $1.importance },
            candidateCount: candidates.count, eligibleCount: instance.count,
            provenOptimal: proven, searchNodes: nodes, elapsed: clock.now - started
        )
    }

    /// `result[item]` = the item's index in `order`.
    static func positions(of order: [Int], count: Int) -> [Int] {
        var result = [Int](repeating: -1, count: count)
        for (position, item) in order.enumerated() { result[item] = position }
        return result
    }

    /// Whether `limit` can matter: it cannot when even the lightest `limit + 1` items overflow
    /// the budget (or there are no more than `limit` items), since no packing then exceeds it.
    static func isBinding(_ limit: Int, instance: PackingInstance, capacity: Int) -> Bool {
        guard instance.count > limit else { return false }
        var lightest = instance.weights
        lightest.sort()
        var used = 0
        for weight in lightest.prefix(limit + 1) {
            used += weight
            if used > capacity { return false }
        }
        return true
    }
}
