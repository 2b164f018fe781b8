/// The two one-pass strategies, over items already in their order.
enum HeuristicPacking {
    /// Takes items in `order` while they fit, skipping those that do not, up to `limit` items.
    static func firstFit(order: [Int], weights: [Int], capacity: Int, limit: Int?) -> [Int] {
        var chosen: [Int] = []
        var remaining = capacity
        let cap = limit ?? Int.max
        for item in order where chosen.count < cap {
            if weights[item] <= remaining {
                chosen.append(item)
                remaining -= weights[item]
            }
        }
        return chosen
    }

    /// The density greedy, or the single most important item when that is worth more: the
    /// classic guard that keeps the greedy within half of the optimum.
    static func density(instance: PackingInstance, densityOrder: [Int], capacity: Int, limit: Int?) -> [Int] {
        let greedy = firstFit(order: densityOrder, weights: instance.weights, capacity: capacity, limit: limit)
        guard limit != 0, let single = instance.bestSingle(of: densityOrder),
              instance.weights[single] <= capacity,
              instance.values[single] > instance.value(of: greedy)
        else { return greedy }
        return [single]
    }
}
